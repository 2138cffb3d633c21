/**
 * The public pages' live feed, `/auction/live` (Server-Sent Events), with catch-up.
 *
 * Invariants:
 * - Every event told has an id `<epoch>.<seq>`: the epoch is this feed's start (another
 *   process, a restart or a standby never shares it), seq goes up by one an event. The events
 *   of one turn of the event loop go out as one chunk, made once for every listener.
 * - The last `ring` events are kept. A listener that comes back with `Last-Event-ID` (the
 *   browser's EventSource sends it by itself) or `?since=` inside the ring is sent what it
 *   missed, in order, before anything new. Any other id (too old, another epoch, ahead of the
 *   feed, garbage, huge, negative) gets a `snapshot`: the figures of the auctions a page can
 *   show and their last decisions, with the current id, never an error.
 * - Each listener's queue is bounded in bytes: past it the listener is sent a last `dropped`
 *   event saying why and is closed; its browser reconnects (`retry:`) and catches up.
 *   Listeners are bounded in number; the one more is told to come back (503, Retry-After).
 * - Listeners are bounded per client address too (`maxPerAddress`), so that one client
 *   opening connections cannot take every slot from the other viewers: the one more from that
 *   address is a 429 with Retry-After. A listener's slot is freed when it ends, however it
 *   ends (closed, cancelled, dropped, stopped); an address with none left is forgotten.
 * - Public only: bids and rejections as their receipts show them, and a changed maximum as
 *   the fact that it changed (`bid.max-set` carries no amount: the maximum is secret).
 */
import type { Bus } from "../../core/bus.ts";
import type { AuctionSnapshot } from "./snapshot.ts";
import { toJson } from "./snapshot.ts";
import type { Receipt } from "./store.ts";
import { entryKey } from "./public_format.js";

/** A decision as the live pages show it: the fields of a receipt row. */
export interface LiveDecision {
  auctionId: string | null;
  tweetId: string;
  /** One bid-log entry's key (public_format.js entryKey): a page shows each entry once. */
  key: string;
  link: string;
  handle: string;
  amountWei: bigint | null;
  amountText: string | null;
  decision: string;
  reason: string | null;
  message: string | null;
  proxy: boolean;
  /** bid | max | cancel-max for an accepted tweet; null for a rejection or a raise. */
  action: string | null;
  at: string;
}

export interface FeedDeps {
  bus: Bus;
  list(): AuctionSnapshot[];
  /** The auctions a snapshot tells (besides the one the page asks for), most first. */
  shown(list: AuctionSnapshot[]): AuctionSnapshot[];
  /** The last decisions of these auctions, newest first (a snapshot's lists). */
  lastDecisions(auctionIds: string[]): Promise<Record<string, LiveDecision[]>>;
  maxListeners: number;
  /** Most listeners from one client address at once (core/client_address.ts). */
  maxPerAddress: number;
  /** Events kept for catching up (default 256). */
  ring?: number;
  /** Bytes a listener may have queued unread before it is dropped (default 64 KiB). */
  queueBytes?: number;
  /** How long a browser waits before it reconnects (default 1000 ms). */
  retryMs?: number;
}

const AUCTION_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const EVENT_ID = /^([0-9a-z]{1,12})\.(\d{1,15})$/;
const SNAPSHOT_AUCTIONS = 8;

const link = (tweetId: string) => `https://x.com/i/status/${tweetId}`;

/** A bus decision as the live pages show it; null for what is not one. */
export function liveDecision(type: string, p: Record<string, unknown>): LiveDecision | null {
  const tweetId = String(p.tweetId);
  const base = {
    auctionId: typeof p.auctionId === "string" ? p.auctionId : null,
    tweetId,
    link: link(tweetId),
    handle: String(p.handle),
    amountText: null,
    at: String(p.at),
  };
  if (type === "bid.accepted") {
    const proxy = p.proxy === true;
    const amountWei = typeof p.amountWei === "bigint" ? p.amountWei : null;
    return {
      ...base,
      key: entryKey({
        tweetId,
        proxy,
        causedBy: typeof p.causedBy === "string" ? p.causedBy : null,
      }),
      amountWei,
      decision: "accepted",
      reason: null,
      message: null,
      proxy,
      action: proxy ? null : p.max === true ? "max" : "bid",
    };
  }
  if (type === "bid.max-set") {
    // Only that the leader's maximum changed: its amount stays the bidder's until the close.
    return {
      ...base,
      key: entryKey({ tweetId, proxy: false, causedBy: null }),
      amountWei: null,
      decision: "accepted",
      reason: null,
      message: null,
      proxy: false,
      action: p.cancelled === true ? "cancel-max" : "max",
    };
  }
  if (type === "bid.rejected") {
    return {
      ...base,
      key: entryKey({ tweetId, proxy: false, causedBy: null }),
      amountWei: null,
      decision: "rejected",
      reason: typeof p.reason === "string" ? p.reason : null,
      message: typeof p.message === "string" ? p.message : null,
      proxy: false,
      action: null,
    };
  }
  return null;
}

/** A receipt row as the live pages show it (a snapshot's lists). */
export function receiptDecision(auctionId: string, r: Receipt): LiveDecision {
  return {
    auctionId,
    tweetId: r.tweetId,
    key: entryKey(r),
    link: r.link,
    handle: r.handle,
    amountWei: r.amountWei,
    amountText: r.amountText,
    decision: r.decision,
    reason: r.reason,
    message: r.message,
    proxy: r.proxy,
    action: r.action,
    at: r.tweetAt,
  };
}

type Told = { seq: number; bytes: Uint8Array };
const enc = new TextEncoder();
const PING = enc.encode(": ping\n\n");

/** Events as one chunk (none for none): a replay counts once against the queue's bound. */
function joined(parts: Uint8Array[]): Uint8Array[] {
  if (!parts.length) return [];
  const out = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) out.set(b, at), at += b.byteLength;
  return [out];
}

/**
 * One listener's stream: `opening` first, then a `snapshot` when one is being read (what is
 * told meanwhile waits behind it, counted in the bound), then what it is sent; past
 * `queueBytes` unread, a last `dropped` event and the end.
 */
function listenerStream(
  opening: Uint8Array[],
  snapshot: Promise<Uint8Array> | null,
  o: {
    queueBytes: number;
    retryMs: number;
    add(l: Listener): void;
    remove(l: Listener): void;
    dropped(): void;
  },
): ReadableStream<Uint8Array> {
  let me: Listener | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let open = true;
      let held: Uint8Array[] | null = snapshot ? [] : null;
      let heldBytes = 0;
      const end = () => {
        if (!open) return;
        open = false;
        clearInterval(ping);
        o.remove(me!);
        try {
          controller.close();
        } catch { /* cancelled */ }
      };
      const drop = (reason: string) => {
        o.dropped();
        try {
          const data = toJson({ reason, retryMs: o.retryMs });
          controller.enqueue(enc.encode(`event: dropped\ndata: ${data}\n\n`));
        } catch { /* cancelled */ }
        end();
      };
      const send = (bytes: Uint8Array) => {
        if (!open) return;
        if (held) {
          held.push(bytes);
          heldBytes += bytes.byteLength;
          if (heldBytes > o.queueBytes) drop("too slow: reconnect to catch up");
          return;
        }
        // A listener that stopped reading is dropped, never buffered for without bound; one
        // that has read all it was sent takes a turn's chunk however large (a commit group's).
        const free = controller.desiredSize ?? 0;
        if (free < o.queueBytes && free - bytes.byteLength < 0) {
          return drop("too slow: reconnect to catch up");
        }
        controller.enqueue(bytes);
      };
      const ping = setInterval(() => send(PING), 15_000);
      me = { send, end };
      o.add(me);
      for (const b of opening) controller.enqueue(b);
      snapshot?.then((snap) => {
        if (!open) return;
        const waiting = held ?? [];
        held = null;
        controller.enqueue(snap);
        for (const b of waiting) send(b);
      }, () => drop("snapshot failed: reconnect"));
    },
    cancel: () => me?.end(),
  }, new ByteLengthQueuingStrategy({ highWaterMark: o.queueBytes }));
}
type Listener = {
  send(bytes: Uint8Array): void;
  end(): void;
};

/** Listeners counted by client address; an address at none is forgotten (a flood leaves none). */
function addressCount() {
  const open = new Map<string, number>();
  return {
    of: (address: string) => open.get(address) ?? 0,
    size: () => open.size,
    add: (address: string) => void open.set(address, (open.get(address) ?? 0) + 1),
    remove(address: string) {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    },
  };
}

/** A refused listener: told why and when to come back, in plain text. */
const refusal = (status: 429 | 503, text: string, retryAfterSeconds: number) =>
  new Response(text, {
    status,
    headers: {
      "retry-after": String(retryAfterSeconds),
      "content-type": "text/plain; charset=utf-8",
    },
  });

/**
 * What a listener that last saw `id` missed, or null when a snapshot must do: an id of another
 * epoch, ahead of what was sent, older than the ring, or a catch-up over `replayBytes`.
 */
function missedSince(
  id: string | null | undefined,
  f: { epoch: string; sent: number; ring: Told[]; replayBytes: number },
): Uint8Array[] | null {
  const m = id && id.length <= 40 ? EVENT_ID.exec(id) : null;
  if (!m || m[1] !== f.epoch) return null;
  const after = Number(m[2]);
  if (after > f.sent) return null; // ahead of this feed: not an id it gave
  if (after === f.sent) return [];
  const first = f.ring[0]?.seq ?? f.sent + 1;
  if (after < first - 1) return null; // older than the ring
  // What is told but not yet sent comes with the turn's chunk.
  const out = f.ring.filter((t) => t.seq > after && t.seq <= f.sent).map((t) => t.bytes);
  const size = out.reduce((n, b) => n + b.byteLength, 0);
  return size <= f.replayBytes ? out : null;
}

/** Snapshots, one lists' read shared by every listener asking at the same point of the feed. */
function snapshots(d: FeedDeps) {
  let lastSnap: { key: string; lists: Promise<Record<string, LiveDecision[]>> } | null = null;
  return async (auctionId: string | null, at: number, id: string) => {
    const list = d.list();
    const asked = auctionId ? list.filter((a) => a.auctionId === auctionId) : [];
    const auctions = [...new Map([...asked, ...d.shown(list)].map((a) => [a.auctionId, a]))
      .values()].slice(0, SNAPSHOT_AUCTIONS);
    const ids = auctions.map((a) => a.auctionId);
    const key = `${at}|${ids.join(",")}`;
    if (lastSnap?.key !== key) {
      const lists = d.lastDecisions(ids);
      lastSnap = { key, lists };
      lists.catch(() => lastSnap?.key === key && (lastSnap = null));
    }
    const last = await lastSnap.lists.catch(() => ({}));
    return enc.encode(`id: ${id}\nevent: snapshot\ndata: ${toJson({ auctions, last })}\n\n`);
  };
}

export function liveFeed(d: FeedDeps) {
  const ringSize = d.ring ?? 256;
  const queueBytes = d.queueBytes ?? 64 * 1024;
  // A catch-up larger than half a queue is sent as a snapshot: it would be dropped again.
  const replayBytes = queueBytes / 2;
  const epoch = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const retryMs = d.retryMs ?? 1000;
  const ring: Told[] = [];
  const listeners = new Set<Listener>();
  const perAddress = addressCount();
  const stats = { told: 0, dropped: 0, replayed: 0, snapshots: 0, refused: 0, refusedAddress: 0 };
  let seq = 0;

  // `sent`: the last event handed to the listeners. The events told in one turn of the event
  // loop (a commit group's decisions) go out together, one chunk made once for every listener.
  let sent = 0;
  let turn: Told[] = [];
  const idOf = (n: number) => `${epoch}.${n}`;
  const flush = () => {
    const chunk = listeners.size ? joined(turn.map((t) => t.bytes))[0] : null;
    sent = turn.at(-1)?.seq ?? sent;
    turn = [];
    if (chunk) { for (const l of [...listeners]) l.send(chunk); }
  };
  const tell = (name: string, data: unknown) => {
    seq++;
    const told = {
      seq,
      bytes: enc.encode(`id: ${idOf(seq)}\nevent: ${name}\ndata: ${toJson(data)}\n\n`),
    };
    ring.push(told);
    if (ring.length > ringSize) ring.shift();
    stats.told++;
    if (!turn.length) setTimeout(flush, 0);
    turn.push(told);
  };
  const offs = [
    d.bus.on("auction.updated", (ev) => tell("auction", ev.payload)),
    ...(["bid.accepted", "bid.rejected", "bid.max-set"] as const).map((type) =>
      d.bus.on(type, (ev) => {
        const decision = liveDecision(type, ev.payload as Record<string, unknown>);
        if (decision) tell("decision", decision);
      })
    ),
  ];

  const missed = (id: string | null | undefined) =>
    missedSince(id, { epoch, sent, ring, replayBytes });
  const snapshot = snapshots(d);
  const snapshotOf = (auctionId: string | null) => snapshot(auctionId, sent, idOf(sent));

  const handle = (req: Request, address: string): Response => {
    // A turn under way goes out first: a listener joining now starts after it.
    if (turn.length) flush();
    if (perAddress.of(address) >= d.maxPerAddress) {
      stats.refusedAddress++;
      const most = `at most ${d.maxPerAddress}`;
      return refusal(429, `too many live connections from your address (${most}): try again`, 10);
    }
    if (listeners.size >= d.maxListeners) {
      stats.refused++;
      return refusal(503, "too many listeners: try again in a minute", 60);
    }
    const url = new URL(req.url);
    // EventSource sends the header when it reconnects; a page starts from `since`.
    const askedId = req.headers.get("last-event-id") || url.searchParams.get("since") || null;
    const auction = url.searchParams.get("auction");
    const auctionId = auction && AUCTION_ID.test(auction) ? auction : null;
    const greet = (id: boolean) =>
      enc.encode(
        `retry: ${retryMs}\n${id ? `id: ${idOf(sent)}\n` : ""}event: hello\ndata: ${
          toJson({ serverTime: Date.now() })
        }\n\n`,
      );
    const catchUp = askedId === null ? [] : missed(askedId);
    const wiring = {
      queueBytes,
      retryMs,
      add: (l: Listener) => (listeners.add(l), perAddress.add(address)),
      remove: (l: Listener) => listeners.delete(l) && perAddress.remove(address),
      dropped: () => stats.dropped++,
    };
    let body: ReadableStream<Uint8Array>;
    if (catchUp) {
      // A first connection starts here; one that comes back gets what it missed first.
      // The hello carries the id only when nothing follows it: a cut mid-replay resumes there.
      if (catchUp.length) stats.replayed++;
      body = listenerStream([greet(catchUp.length === 0), ...joined(catchUp)], null, wiring);
    } else {
      stats.snapshots++;
      body = listenerStream([greet(false)], snapshotOf(auctionId), wiring);
    }
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  };

  return {
    handle,
    /** The id of the last event told: a page rendered now is current up to it. */
    lastId: () => idOf(sent),
    listeners: () => listeners.size,
    /** Open listeners from one client address. */
    listenersFrom: perAddress.of,
    /** Client addresses with a listener open. */
    addresses: perAddress.size,
    stats: () => ({ ...stats }),
    stop() {
      offs.forEach((off) => off());
      turn = [];
      for (const l of [...listeners]) l.end();
    },
  };
}
