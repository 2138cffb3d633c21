/**
 * The page's one WebSocket to the engine: Hello → Identify (the session's CSRF
 * token and the subscriptions the open page needs) → requests with ids and
 * events. It reconnects by itself (1 s, ×1.5, up to 10 s) and says so: the
 * status is what the banner shows, and pages reload their data on every new
 * `identified`, so nothing shown is silently stale. A request over the server's
 * MAX_MESSAGE_BYTES is refused here, unsent, with its size and the bound: sent,
 * the server would close the socket (1009) and it would fail as "connection lost".
 */
import {
  Close,
  MAX_MESSAGE_BYTES,
  Op,
  type PreviewHeader,
  RPC_VERSION,
  type Subscription,
} from "../protocol.ts";

export type Status =
  | { kind: "connecting"; attempt: number; since: number }
  | { kind: "identified"; since: number }
  | { kind: "signed-out"; why: string };

type Listener = (data: unknown) => void;

export class RequestFailed extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export interface Connection {
  status(): Status;
  onStatus(fn: (s: Status) => void): () => void;
  on(eventType: string, fn: Listener): () => void;
  onPreview(fn: (header: PreviewHeader, blob: Blob) => void): () => void;
  /** Adds subscriptions while the returned function is not called. */
  subscribe(subs: Subscription[]): () => void;
  request<T = Record<string, unknown>>(type: string, data?: unknown, auto?: boolean): Promise<T>;
  /** Server time minus page time, from Hello (ms). */
  clockOffset(): number;
  close(): void;
}

export function connect(csrf: string): Connection {
  let socket: WebSocket | undefined;
  let status: Status = { kind: "connecting", attempt: 1, since: Date.now() };
  let offset = 0;
  let nextId = 1;
  let closed = false;
  let retryMs = 1000;
  const wanted = new Map<Subscription, number>();
  const statusListeners = new Set<(s: Status) => void>();
  const listeners = new Map<string, Set<Listener>>();
  const previewListeners = new Set<(h: PreviewHeader, b: Blob) => void>();
  const pending = new Map<string, { resolve(v: unknown): void; reject(e: Error): void }>();

  const setStatus = (s: Status) => {
    status = s;
    for (const fn of statusListeners) fn(s);
  };
  const subscriptions = () => [...wanted.keys()];
  const send = (message: unknown) => sendText(JSON.stringify(message));
  const sendText = (text: string) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(text);
  };
  const failPending = (why: string) => {
    for (const p of pending.values()) p.reject(new RequestFailed(0, why));
    pending.clear();
  };

  const open = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${scheme}//${location.host}/admin/ws`);
    socket = ws;
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e) => {
      if (e.data instanceof ArrayBuffer) return preview(e.data);
      const message = JSON.parse(e.data as string);
      const d = message.d ?? {};
      if (message.op === Op.Hello) {
        offset = d.serverTime - Date.now();
        send({
          op: Op.Identify,
          d: { rpcVersion: RPC_VERSION, csrf, subscriptions: subscriptions() },
        });
      } else if (message.op === Op.Identified) {
        retryMs = 1000;
        // A page may have subscribed while Identify was on its way.
        if ([...d.subscriptions].sort().join() !== subscriptions().sort().join()) {
          send({ op: Op.Reidentify, d: { subscriptions: subscriptions() } });
        }
        setStatus({ kind: "identified", since: Date.now() });
      } else if (message.op === Op.Event) {
        for (const fn of listeners.get(d.eventType) ?? []) fn(d.eventData);
      } else if (message.op === Op.RequestResponse) {
        const p = pending.get(d.requestId);
        pending.delete(d.requestId);
        if (!p) return;
        if (d.requestStatus.result) p.resolve(d.responseData);
        else p.reject(new RequestFailed(d.requestStatus.code, d.requestStatus.comment ?? "failed"));
      }
    };
    ws.onclose = (e) => {
      if (socket !== ws) return;
      failPending("the connection to the engine was lost");
      if (e.code === Close.SessionEnded || e.code === Close.AuthenticationFailed) {
        closed = true;
        return setStatus({ kind: "signed-out", why: e.reason || "session ended" });
      }
      if (closed) return;
      const attempt = status.kind === "connecting" ? status.attempt + 1 : 1;
      const since = status.kind === "connecting" ? status.since : Date.now();
      setStatus({ kind: "connecting", attempt, since });
      setTimeout(open, retryMs);
      retryMs = Math.min(10_000, retryMs * 1.5);
    };
  };

  const preview = (buffer: ArrayBuffer) => {
    const view = new DataView(buffer);
    const length = view.getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
    const blob = new Blob([new Uint8Array(buffer, 4 + length)], { type: `image/${header.type}` });
    for (const fn of previewListeners) fn(header, blob);
  };

  open();
  return {
    status: () => status,
    onStatus(fn) {
      statusListeners.add(fn);
      return () => statusListeners.delete(fn);
    },
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)!.add(fn);
      return () => listeners.get(type)!.delete(fn);
    },
    onPreview(fn) {
      previewListeners.add(fn);
      return () => previewListeners.delete(fn);
    },
    subscribe(subs) {
      const before = subscriptions().join();
      for (const s of subs) wanted.set(s, (wanted.get(s) ?? 0) + 1);
      const changed = () => {
        if (subscriptions().join() !== before && status.kind === "identified") {
          send({ op: Op.Reidentify, d: { subscriptions: subscriptions() } });
        }
      };
      changed();
      return () => {
        for (const s of subs) {
          const n = (wanted.get(s) ?? 1) - 1;
          if (n > 0) wanted.set(s, n);
          else wanted.delete(s);
        }
        if (status.kind === "identified") {
          send({ op: Op.Reidentify, d: { subscriptions: subscriptions() } });
        }
      };
    },
    request(type, data, auto = false) {
      if (status.kind !== "identified") {
        return Promise.reject(new RequestFailed(0, "not connected to the engine"));
      }
      const requestId = String(nextId++);
      const text = JSON.stringify({
        op: Op.Request,
        d: { requestType: type, requestId, requestData: data ?? {}, auto },
      });
      const refused = tooBig(text);
      if (refused) return Promise.reject(new RequestFailed(0, refused));
      const { promise, resolve, reject } = Promise.withResolvers<unknown>();
      pending.set(requestId, { resolve, reject });
      sendText(text);
      return promise as never;
    },
    clockOffset: () => offset,
    close() {
      closed = true;
      socket?.close();
    },
  };
}

/** Why a message is too big to send (UTF-8 bytes, as the server counts them), or null. */
export function tooBig(text: string): string | null {
  // At most 3 UTF-8 bytes a UTF-16 unit: most messages need no encoding to be known small.
  if (text.length * 3 <= MAX_MESSAGE_BYTES) return null;
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes <= MAX_MESSAGE_BYTES) return null;
  return `too big to send: this request is ${bytes} bytes, the engine takes at most ${MAX_MESSAGE_BYTES} bytes a message`;
}
