/**
 * The WebSocket hub: every open panel, what each subscribed to, and the
 * streams that run only while someone watches. The session is checked on
 * every request and every few seconds (logout, idle timeout, a disabled
 * account close the socket). A slow panel misses preview frames rather than
 * queueing them; the frame loop never waits for any of this. A socket's messages
 * are handled one at a time, and a socket with more than MAX_WAITING of them
 * waiting is closed (messages arrive with no back-pressure: held, they would
 * grow without bound). A message over MAX_MESSAGE_BYTES closes its socket with
 * 1009 as it arrives, before it waits its turn: no socket holds more than one.
 */
import type { Bus } from "../core/bus.ts";
import type { FrameSink } from "../core/frame_loop.ts";
import type { Log } from "../core/log.ts";
import type { Compositor, Frame, Frames, WidgetStat } from "../plugins/compositor/mod.ts";
import type { StreamStats } from "../plugins/stream/mod.ts";
import {
  Close,
  MAX_MESSAGE_BYTES,
  Op,
  type PreviewHeader,
  RPC_VERSION,
  type Subscription,
  SUBSCRIPTIONS,
} from "./protocol.ts";
import { type Caller, dispatch, type RequestDeps } from "./requests.ts";
import { equalText } from "./secrets.ts";
import type { Session, Sessions } from "./sessions.ts";
import { ring, systemSampler } from "./system.ts";

export interface PreviewConfig {
  fps: number;
  width: number;
  type: "jpeg" | "webp";
  quality: number;
}

export interface HubOptions {
  bus: Bus;
  log: Log;
  sessions: Sessions;
  deps: RequestDeps;
  frames?: Frames;
  compositor?: Compositor;
  preview: PreviewConfig;
  /** How often open sockets' sessions are checked again. */
  sweepMs: number;
}

interface Client {
  socket: WebSocket;
  session: Session;
  ip: string | null;
  identified: boolean;
  subscriptions: Set<Subscription>;
}

/** The auction's story, as the panel's live feed carries it. */
const AUCTION_EVENTS = [
  "auction.updated",
  "auction.opened",
  "bid.accepted",
  "bid.rejected",
  "auction.extended",
  "auction.closed",
  "auction.blocked",
  "auction.settled",
  // The x plugin's posts refused for good, shown on the Auction page.
  "x.post-failed",
];
/** Every event the hub listens to (the admin plugin declares these). */
export const HUB_EVENTS = [...AUCTION_EVENTS, "stream.stats", "host.speaking"];
/** Messages of one socket waiting their turn; a page sends a few at once. */
const MAX_WAITING = 64;
/** A panel further behind than this misses frames instead of queueing them. */
const MAX_BUFFERED = 512 * 1024;

export const toJson = (value: unknown) =>
  JSON.stringify(value, (_k, v) => typeof v === "bigint" ? v.toString() : v);

/** A stream stats sample as the panel keeps it: with the scene and each widget's render time. */
function statsSample(stats: StreamStats, compositor?: Compositor) {
  const widgets: Record<string, WidgetStat> = compositor?.widgetStats() ?? {};
  return { ...stats, at: Date.now(), scene: compositor?.current() ?? null, widgets };
}

export function createHub(o: HubOptions) {
  const clients = new Set<Client>();
  const watching = (s: Subscription) => [...clients].filter((c) => c.subscriptions.has(s));
  const send = (c: Client, message: unknown) => {
    if (c.socket.readyState === WebSocket.OPEN) c.socket.send(toJson(message));
  };
  const event = (s: Subscription, eventType: string, eventData: unknown) => {
    const targets = watching(s);
    if (!targets.length) return;
    const text = toJson({ op: Op.Event, d: { eventType, eventData } });
    for (const c of targets) if (c.socket.readyState === WebSocket.OPEN) c.socket.send(text);
  };

  const statsHistory = ring<ReturnType<typeof statsSample>>(300);
  const systemHistory = ring<ReturnType<ReturnType<typeof systemSampler>>>(150);
  const sample = systemSampler();
  let level = 0;
  const offs = [
    ...AUCTION_EVENTS.map((type) => o.bus.on(type, (e) => event("auction", type, e.payload))),
    o.bus.on("stream.stats", (e) => {
      const stats = statsSample(e.payload, o.compositor);
      statsHistory.push(stats);
      event("stats", "StreamStats", stats);
    }),
    o.bus.on("host.speaking", (e) => {
      level = Math.max(level, e.payload.level);
    }),
  ];

  // Streams that run only while watched.
  const streams: Partial<Record<Subscription, { start(): void; stop(): void }>> = {
    audio: every(100, () => {
      event("audio", "AudioLevel", { level, at: Date.now() });
      level = 0;
    }),
    system: every(2000, () => {
      const s = sample();
      systemHistory.push(s);
      event("system", "SystemStats", s);
    }),
    preview: previewPump(o, (header, bytes) => {
      const message = previewMessage(header, bytes);
      for (const c of watching("preview")) {
        if (c.socket.readyState === WebSocket.OPEN && c.socket.bufferedAmount < MAX_BUFFERED) {
          c.socket.send(message);
        }
      }
    }),
  };
  const retune = () => {
    for (const [name, stream] of Object.entries(streams)) {
      if (watching(name as Subscription).length) stream!.start();
      else stream!.stop();
    }
  };

  const onMessage = async (c: Client, raw: unknown) => {
    if (typeof raw !== "string") return close(c, Close.NotIdentified, "send JSON text");
    let message: { op?: number; d?: Record<string, unknown> } | null;
    try {
      message = JSON.parse(raw);
    } catch {
      return close(c, Close.NotIdentified, "not JSON");
    }
    const d = message?.d ?? {};
    if (!c.identified) {
      if (message?.op !== Op.Identify) return close(c, Close.NotIdentified, "identify first");
      if (typeof d.csrf !== "string" || !equalText(d.csrf, c.session.csrf)) {
        return close(c, Close.AuthenticationFailed, "authentication failed");
      }
      c.identified = true;
      c.subscriptions = subscriptions(d.subscriptions);
      send(c, identifiedMessage(c));
      return retune();
    }
    // Every message: is the session still alive (logout, idle, disabled)?
    const session = await o.sessions.byHash(c.session.idHash);
    if (!session) return close(c, Close.SessionEnded, "session ended");
    c.session = session;
    if (message?.op === Op.Reidentify) {
      c.subscriptions = subscriptions(d.subscriptions);
      return retune();
    }
    if (message?.op !== Op.Request) return;
    if (d.auto !== true) await o.sessions.touch(session);
    send(c, await answer(o.deps, d, { session, ip: c.ip }));
  };

  const sweep = setInterval(async () => {
    for (const c of clients) {
      const alive = await o.sessions.byHash(c.session.idHash).catch(() => c.session);
      if (!alive) close(c, Close.SessionEnded, "session ended");
    }
  }, o.sweepMs);

  return {
    accept(socket: WebSocket, session: Session, ip: string | null) {
      const c: Client = { socket, session, ip, identified: false, subscriptions: new Set() };
      socket.binaryType = "arraybuffer";
      // One message at a time per socket, in order; a bounded number waiting.
      let queue = Promise.resolve();
      let waiting = 0;
      socket.onopen = () => {
        clients.add(c);
        send(c, { op: Op.Hello, d: { rpcVersion: RPC_VERSION, serverTime: Date.now() } });
      };
      socket.onmessage = (e) => {
        if (socket.readyState !== WebSocket.OPEN) return; // closing: what comes after is dropped
        if (tooBig(e.data)) {
          return close(
            c,
            Close.MessageTooBig,
            `message too big: at most ${MAX_MESSAGE_BYTES} bytes`,
          );
        }
        if (++waiting > MAX_WAITING) {
          return close(c, Close.TooManyWaiting, "too many messages waiting: send fewer at once");
        }
        queue = queue.then(() => onMessage(c, e.data)).catch((error) =>
          o.log.warn("panel message failed", { error })
        ).finally(() => waiting--);
      };
      socket.onclose = () => {
        clients.delete(c);
        retune();
      };
      socket.onerror = () => {};
    },
    /** Tells every identified panel subscribed to `s`. */
    event,
    statsHistory: statsHistory.all,
    systemHistory: systemHistory.all,
    /** Closes the sockets of one session (logout). */
    endSession(idHash: string) {
      for (const c of clients) {
        if (c.session.idHash === idHash) close(c, Close.SessionEnded, "signed out");
      }
    },
    size: () => clients.size,
    stop() {
      clearInterval(sweep);
      offs.forEach((off) => off());
      for (const s of Object.values(streams)) s!.stop();
      for (const c of clients) close(c, 1001, "engine stopping");
    },
  };
}

export type Hub = ReturnType<typeof createHub>;

/** A stream that ticks every `ms` while started (a new watcher sees a value at once). */
function every(ms: number, tick: () => void) {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    start() {
      if (timer) return;
      timer = setInterval(tick, ms);
      tick(); // a new watcher sees a value now, not in `ms`
    },
    stop: () => {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** The subscriptions asked for, the known ones only. */
const subscriptions = (raw: unknown): Set<Subscription> =>
  new Set(
    (Array.isArray(raw) ? raw : []).filter((s): s is Subscription =>
      SUBSCRIPTIONS.includes(s as Subscription)
    ),
  );

/**
 * Whether a message is over MAX_MESSAGE_BYTES as it came (UTF-8 for text). A string's UTF-8 is
 * at least its length and at most three times it: only in between is it encoded to count.
 */
function tooBig(data: unknown): boolean {
  if (data instanceof ArrayBuffer) return data.byteLength > MAX_MESSAGE_BYTES;
  if (data instanceof Blob) return data.size > MAX_MESSAGE_BYTES;
  if (typeof data !== "string" || data.length * 3 <= MAX_MESSAGE_BYTES) return false;
  return data.length > MAX_MESSAGE_BYTES ||
    new TextEncoder().encode(data).byteLength > MAX_MESSAGE_BYTES;
}

const close = (c: Client, code: number, why: string) => {
  try {
    c.socket.close(code, why);
  } catch { /* closing already */ }
};

/** The handshake's answer: the version, who is signed in, what they are subscribed to. */
const identifiedMessage = (c: Client) => ({
  op: Op.Identified,
  d: {
    negotiatedRpcVersion: RPC_VERSION,
    account: { name: c.session.name, role: c.session.role },
    subscriptions: [...c.subscriptions],
  },
});

/** A preview frame on the socket: the header's JSON length (4 bytes), the header, the PNG. */
function previewMessage(header: PreviewHeader, bytes: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const message = new Uint8Array(4 + head.length + bytes.length);
  new DataView(message.buffer).setUint32(0, head.length);
  message.set(head, 4);
  message.set(bytes, 4 + head.length);
  return message;
}

/** A request's response message: dispatched by type for the caller, bounded ids echoed. */
async function answer(deps: HubOptions["deps"], d: Record<string, unknown>, caller: Caller) {
  // Text only: `String()` of a hostile object (`{"toString": 0}`) throws, and no answer would go.
  const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
  const requestType = text(d.requestType).slice(0, 60);
  const requestId = text(d.requestId).slice(0, 64);
  const outcome = await dispatch(requestType, d.requestData, caller, deps);
  return {
    op: Op.RequestResponse,
    d: {
      requestType,
      requestId,
      requestStatus: outcome.ok
        ? { result: true, code: 200 }
        : { result: false, code: outcome.code, comment: outcome.message },
      responseData: outcome.ok ? outcome.data : undefined,
    },
  };
}

/**
 * Preview frames at `fps`: a frame sink, added only while someone watches, that
 * takes every n-th frame right after it is rendered (the longest gap before the
 * next one) and has the compositor scale and encode it. One encode at a time: a
 * frame that comes while one is encoding is skipped, never queued.
 */
function previewPump(
  o: HubOptions,
  deliver: (header: PreviewHeader, bytes: Uint8Array) => void,
) {
  const { frames, compositor } = o;
  let remove: (() => void) | undefined;
  let busy = false;
  let next = 0;
  const every = frames ? Math.max(1, Math.round(frames.fps / o.preview.fps)) : 1;
  const sink: FrameSink<Frame> = {
    name: "admin-preview",
    push(_frame, index) {
      if (busy || index < next || !compositor) return;
      busy = true;
      next = index + every;
      const at = Date.now();
      compositor.snapshot(o.preview).then(
        (bytes) => deliver({ index, at, width: o.preview.width, type: o.preview.type }, bytes),
        (error) => o.log.warn("preview frame failed", { error }),
      ).finally(() => (busy = false));
    },
    dropped: () => 0,
    depth: () => ({ queued: busy ? 1 : 0, limit: 1 }),
  };
  return {
    start() {
      if (frames && !remove) remove = frames.loop.addSink(sink);
    },
    stop() {
      remove?.();
      remove = undefined;
    },
  };
}
