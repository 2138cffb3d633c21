/**
 * The panel's WebSocket hub given hostile messages on a signed-in socket (the hub itself, on a
 * socket of the test's: no browser, no server): `null`, unknown ops, a request whose type or id
 * is an object that cannot become text, binary and huge frames (over the bound in UTF-8 bytes:
 * refused as they arrive, with 1009), and a flood of requests sent faster than they are answered. Each is answered, ignored or closes the socket with its code;
 * none throws inside the hub, and the messages waiting on one socket are bounded.
 */
import { assert, assertEquals, eventually } from "../../core/testing.ts";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { createHub } from "../hub.ts";
import { Close, MAX_MESSAGE_BYTES, Op } from "../protocol.ts";
import type { RequestDeps } from "../requests.ts";
import type { Session, Sessions } from "../sessions.ts";

const session = {
  idHash: "h",
  accountId: "a",
  name: "ada",
  role: "viewer",
  csrf: "token-of-ada",
} as Session;

/** A socket the test drives: what the hub sent, and how it closed. */
function testSocket() {
  const sent: Array<{ op: number; d: Record<string, unknown> }> = [];
  const socket = {
    readyState: WebSocket.OPEN as number,
    bufferedAmount: 0,
    binaryType: "blob",
    closed: null as { code: number; reason: string } | null,
    send(m: string) {
      sent.push(JSON.parse(m));
    },
    close(code: number, reason: string) {
      socket.closed ??= { code, reason };
      socket.readyState = WebSocket.CLOSED;
    },
    onopen: null as null | (() => void),
    onmessage: null as null | ((e: { data: unknown }) => void),
    onclose: null as null | (() => void),
    onerror: null as null | (() => void),
  };
  return { socket, sent, message: (data: unknown) => socket.onmessage!({ data }) };
}

function hubWith(byHash: () => Promise<Session | null>) {
  const clock = virtualClock("2026-03-08T19:00:00Z");
  const warnings: string[] = [];
  const log = createLog("test", { level: "warn", write: (l) => warnings.push(l) });
  const hub = createHub({
    bus: createBus(clock, log),
    log,
    sessions: { byHash, touch: () => Promise.resolve() } as unknown as Sessions,
    deps: {} as RequestDeps,
    preview: { fps: 1, width: 320, type: "jpeg", quality: 0.5 },
    sweepMs: 3_600_000,
  });
  return { hub, warnings };
}

async function identified(hub: ReturnType<typeof createHub>) {
  const t = testSocket();
  hub.accept(t.socket as unknown as WebSocket, session, null);
  t.socket.onopen!();
  t.message(JSON.stringify({ op: Op.Identify, d: { rpcVersion: 1, csrf: session.csrf } }));
  await eventually(() => t.sent.some((m) => m.op === Op.Identified), "identified");
  return t;
}

Deno.test("panel socket: null, unknown ops and a type that is no text are answered or ignored, never thrown", async () => {
  const { hub, warnings } = hubWith(() => Promise.resolve(session));
  try {
    const t = await identified(hub);
    t.message("null");
    t.message("[1, 2]");
    t.message('"text"');
    t.message(JSON.stringify({ op: 99, d: { requestType: "GetScene" } }));
    t.message(JSON.stringify({ op: Op.Request, d: "not an object" }));
    t.message(
      JSON.stringify({
        op: Op.Request,
        d: { requestType: { toString: 0 }, requestId: { toString: 0, valueOf: 0 } },
      }),
    );
    t.message(
      JSON.stringify({ op: Op.Request, d: { requestType: "NoSuchThing", requestId: "9" } }),
    );
    await eventually(() => t.sent.some((m) => m.d.requestId === "9"), "the last one answered");
    const answers = t.sent.filter((m) => m.op === Op.RequestResponse);
    // The string `d` and the object type: each answered as an unknown type (no id to echo).
    assertEquals(answers.map((a) => [a.d.requestId, a.d.requestStatus]), [
      ["", { result: false, code: 400, comment: "unknown request type " }],
      ["", { result: false, code: 400, comment: "unknown request type " }],
      ["9", { result: false, code: 400, comment: "unknown request type NoSuchThing" }],
    ]);
    assertEquals(t.socket.closed, null, "still open");
    assertEquals(warnings.filter((w) => w.includes("panel message failed")), []);

    // Binary, and over the size a message may have: closed with the code saying why.
    t.message(new ArrayBuffer(8));
    await eventually(() => t.socket.closed !== null, "closed");
    assertEquals(t.socket.closed!.code, Close.NotIdentified);
    const big = await identified(hub);
    big.message("x".repeat(70_000));
    await eventually(() => big.socket.closed !== null, "closed");
    assertEquals(big.socket.closed!.code, Close.MessageTooBig);
  } finally {
    hub.stop();
  }
});

Deno.test("panel socket: a message over the bound closes the socket with 1009 as it arrives, before it waits its turn", async () => {
  let release = () => {};
  let slow = false;
  const { hub } = hubWith(() =>
    slow ? new Promise((r) => (release = () => r(session))) : Promise.resolve(session)
  );
  try {
    assertEquals(Close.MessageTooBig, 1009);
    const request = (id: string, pad = "") =>
      JSON.stringify({ op: Op.Request, d: { requestType: "NoSuchThing", requestId: id, pad } });
    // At the bound in UTF-8 bytes (2-byte "é": under 64 Ki characters, over 64 KiB).
    const fits = request("fits", "é".repeat((MAX_MESSAGE_BYTES - 100) / 2));
    const over = request("over", "é".repeat(MAX_MESSAGE_BYTES / 2));
    assert(new TextEncoder().encode(fits).length <= MAX_MESSAGE_BYTES);
    assert(over.length < MAX_MESSAGE_BYTES, "fewer characters than the bound: bytes are counted");
    const t = await identified(hub);
    t.message(fits);
    await eventually(
      () => t.sent.some((m) => m.d.requestId === "fits"),
      "the one that fits answered",
    );
    assertEquals(t.socket.closed, null);
    // The queue held up: the oversized message is refused at once, not after the ones waiting.
    slow = true;
    t.message(request("waiting"));
    t.message(over);
    assertEquals(t.socket.closed, {
      code: 1009,
      reason: `message too big: at most ${MAX_MESSAGE_BYTES} bytes`,
    });
    slow = false;
    for (const data of [new ArrayBuffer(MAX_MESSAGE_BYTES + 1), "x".repeat(20 << 20)]) {
      const u = await identified(hub);
      u.message(data);
      assertEquals(u.socket.closed?.code, 1009);
    }
  } finally {
    slow = false;
    release();
    hub.stop();
  }
});

Deno.test("panel socket: a flood of requests faster than they are answered is closed, not held", async () => {
  let release = () => {};
  let slow = false;
  const { hub } = hubWith(() =>
    slow ? new Promise((r) => (release = () => r(session))) : Promise.resolve(session)
  );
  try {
    const t = await identified(hub);
    slow = true; // each request now waits for its session check until released
    const request = (i: number) =>
      JSON.stringify({ op: Op.Request, d: { requestType: "NoSuchThing", requestId: String(i) } });
    for (let i = 0; i < 1000; i++) t.message(request(i));
    assertEquals(t.socket.closed?.code, Close.TooManyWaiting, "closed while the flood came");
    assertEquals(t.socket.closed?.reason, "too many messages waiting: send fewer at once");
    assert(!t.sent.some((m) => m.op === Op.RequestResponse), "none answered yet");
  } finally {
    slow = false;
    release();
    hub.stop();
  }
});
