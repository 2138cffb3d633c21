/**
 * The panel's WebSocket on a real engine given frames over MAX_MESSAGE_BYTES: a 20 MB text
 * frame and an oversized binary one each close their socket with 1009 (message too big); the
 * engine stays healthy (`/healthz`), another panel's socket is untouched and answers, and a new
 * socket's messages at the bound still work. Deno reads a frame whole before the hub sees it
 * (admin/README.md): the time each refusal took is printed.
 */
import assert from "node:assert/strict";
import { Close, MAX_MESSAGE_BYTES, Op } from "../protocol.ts";
import { openAuction, panelEngine, panelSocket } from "./panel_kit.ts";

/** Sends `frame` on a socket of its own (identified first unless `what` says before): how it closed. */
async function refusal(
  url: string,
  cookie: string,
  csrf: string,
  frame: string | Uint8Array,
  what: string,
) {
  let sent = 0;
  const send = (ws: WebSocket) => ((sent = performance.now()), ws.send(frame));
  let closed: Promise<{ code: number; reason: string }>;
  if (what.includes("before Identify")) {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/admin/ws`, {
      headers: { cookie, origin: url },
    } as never);
    ws.onopen = () => send(ws);
    closed = new Promise((resolve) => (ws.onclose = (e) => resolve(e)));
  } else {
    const socket = panelSocket(url, cookie, csrf);
    await socket.identified;
    send(socket.ws);
    closed = socket.closed;
  }
  const { code, reason } = await closed;
  console.log(`${what}: closed ${code} after ${Math.round(performance.now() - sent)} ms`);
  return { code, reason };
}

Deno.test({
  name:
    "panel socket: a 20 MB frame closes the socket with 1009; the engine and other panels go on",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await panelEngine({
      plugins: {
        "funds-book": {},
        auction: { watermark: "clock", auctions: [openAuction()] },
      },
    });
    try {
      const olga = await engine.enrolled("olga", "operator");
      const session = await engine.signIn("olga", olga.secret);
      const other = panelSocket(engine.url, session.cookie, session.csrf);
      await other.identified;

      for (
        const [what, frame] of [
          ["a 20 MB text frame", "x".repeat(20_000_000)],
          ["a binary frame over the bound", new Uint8Array(MAX_MESSAGE_BYTES + 1)],
          ["a 20 MB text frame before Identify", "x".repeat(20_000_000)],
        ] as const
      ) {
        const closed = await refusal(engine.url, session.cookie, session.csrf, frame, what);
        assert.equal(closed.code, Close.MessageTooBig, what);
        assert.equal(closed.code, 1009);
        assert.equal(closed.reason, `message too big: at most ${MAX_MESSAGE_BYTES} bytes`);
      }

      // The engine is well, the other panel still answered, and a message at the bound works.
      const health = await fetch(`${engine.url}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const overview = await other.request("GetOverview");
      assert.equal(overview.requestStatus.code, 200);
      const { auctions } = overview.responseData as { auctions: Array<{ status: string }> };
      assert.equal(auctions[0].status, "open");
      const fresh = panelSocket(engine.url, session.cookie, session.csrf);
      await fresh.identified;
      const request = (pad: string) =>
        JSON.stringify({
          op: Op.Request,
          d: { requestType: "GetOverview", requestId: "at-bound", requestData: {}, pad },
        });
      const atBound = request("x".repeat(MAX_MESSAGE_BYTES - request("").length));
      assert.equal(new TextEncoder().encode(atBound).length, MAX_MESSAGE_BYTES);
      const answered = new Promise<{ requestStatus: { code: number } }>((resolve) =>
        fresh.ws.addEventListener("message", (e) => {
          const m = typeof e.data === "string" ? JSON.parse(e.data) : null;
          if (m?.op === Op.RequestResponse && m.d.requestId === "at-bound") resolve(m.d);
        })
      );
      fresh.ws.send(atBound);
      assert.equal((await answered).requestStatus.code, 200);
      other.close();
      fresh.close();
    } finally {
      await engine.stop();
    }
  },
});
