/**
 * The panel's WebSocket protocol, after obs-websocket: the server says Hello,
 * the page Identifies (with its session's CSRF token and what it subscribes
 * to), then Requests carry ids and get typed RequestResponses, and Events come
 * only for subscriptions. High-volume streams (preview frames, audio levels,
 * stats, system samples) flow only while subscribed, so an idle panel costs
 * nothing. Preview frames are binary messages: a 4-byte big-endian header
 * length, the header as JSON, then the JPEG or WebP bytes. Shared by the
 * server and the page; types and constants only.
 */

export const RPC_VERSION = 1;

/** A value as it crosses the socket (`toJson` in hub.ts): bigints as decimal strings. */
export type Wire<T> = T extends bigint ? string
  : T extends ReadonlyArray<infer U> ? Wire<U>[]
  : T extends object ? { [K in keyof T]: Wire<T[K]> }
  : T;

export const Op = {
  Hello: 0,
  Identify: 1,
  Identified: 2,
  Reidentify: 3,
  Event: 5,
  Request: 6,
  RequestResponse: 7,
} as const;

export const SUBSCRIPTIONS = [
  /** auction.updated, bid.accepted, bid.rejected, auction.extended/closed/blocked/opened, auction.settled */
  "auction",
  /** AuditAppended */
  "audit",
  /** ShowChanged: scene, slate, stream status */
  "show",
  /** StreamStats, every second (high volume) */
  "stats",
  /** AudioLevel, 10 a second (high volume) */
  "audio",
  /** SystemStats, every 2 s (high volume) */
  "system",
  /** binary preview frames (high volume) */
  "preview",
] as const;
export type Subscription = typeof SUBSCRIPTIONS[number];

/**
 * The largest message a panel may send, in bytes (UTF-8 for text): a campaign or a scene with
 * room to spare (the same requests over HTTP take 16 KB). Deno reads a frame whole before the
 * hub sees it (admin/README.md); the hub drops a bigger one at once and closes with 1009.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export const Close = {
  /** A message before Identify, or not JSON. */
  NotIdentified: 4002,
  /** Identify's token did not match the session. */
  AuthenticationFailed: 4009,
  /** Logged out, idle too long, expired, or the account was disabled. */
  SessionEnded: 4011,
  /** A message over MAX_MESSAGE_BYTES (RFC 6455's 1009, "message too big"). */
  MessageTooBig: 1009,
  /** More messages waiting their turn than a panel sends. */
  TooManyWaiting: 4029,
} as const;

export interface PreviewHeader {
  /** The frame loop's slot index of the frame. */
  index: number;
  /** When it was captured (epoch ms). */
  at: number;
  width: number;
  type: "jpeg" | "webp";
}

export interface RequestMessage {
  op: typeof Op.Request;
  d: {
    requestType: string;
    requestId: string;
    requestData?: unknown;
    /** Sent by the page on its own (a refresh), not by the user: the idle timer keeps running. */
    auto?: boolean;
  };
}

export interface RequestStatus {
  result: boolean;
  /** 200, or an HTTP-like error: 400 bad data, 403 role, 404 missing, 409 refused, 500 failed. */
  code: number;
  comment?: string;
}
