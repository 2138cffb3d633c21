/**
 * The public live feed and the auction pages on a real engine given hostile query strings, sent
 * as raw HTTP/1.1 request lines: huge, repeated parameters, non-ASCII (escaped and as raw
 * bytes), NUL (escaped and raw), broken escapes. None is a 5xx, and the engine answers a plain
 * request afterwards. What the feed does with a hostile `since` or `auction` is its own rule
 * (live_feed.ts): a snapshot (200), as for any id it cannot continue from; what Deno's HTTP
 * layer cannot parse (raw NUL or non-ASCII bytes, a request line past its buffer) it answers
 * 400 itself, before the engine sees it. A lot's page and its receipts refuse an `after` or a
 * `limit` that is no number with a 400.
 */
import { assert, assertEquals } from "../../core/testing.ts";
import { testEngine } from "../../tests/engine.ts";

const encoder = new TextEncoder();

/**
 * One raw GET on a connection of its own: the status and what came until `until` matched it or
 * the server closed the connection.
 */
async function rawGet(port: number, target: Uint8Array, until: RegExp) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let text = "";
  try {
    const head = encoder.encode(" HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
    // Past Deno's buffer, the server may answer and close before it is all written.
    await conn.write(new Uint8Array([...encoder.encode("GET "), ...target, ...head]))
      .catch(() => {});
    const buffer = new Uint8Array(16 * 1024);
    while (!until.test(text)) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
  return { status: Number(text.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0), text };
}

/** An auction open for the next hour. */
function lot() {
  const now = Temporal.Now.instant();
  const at = (d: Temporal.Duration | Temporal.DurationLike) => now.add(d).toString();
  return {
    id: "lot-1",
    item: "Genesis #1",
    startsAt: now.subtract({ minutes: 1 }).toString(),
    endsAt: at({ hours: 1 }),
    maxEndsAt: at({ hours: 2 }),
    reserve: "1 ETH",
  };
}

const bytes = (path: string, ...raw: number[]) => new Uint8Array([...encoder.encode(path), ...raw]);

Deno.test({
  name: "live feed and pages: hostile query strings are never a 5xx",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const engine = await testEngine({
      listen: true,
      plugins: { "funds-book": {}, auction: { watermark: "clock", auctions: [lot()] } },
    });
    try {
      const port = Number(new URL(engine.url!).port);
      const live = "/auction/live";
      const hello = /event: hello/;
      const snapshot = /event: snapshot/;
      const end = /(?!)/; // read until the server closes
      const hostile: Array<[string, Uint8Array, number[], RegExp]> = [
        ["a huge since", encoder.encode(`${live}?since=${"9".repeat(60_000)}`), [200], snapshot],
        ["a huge auction", encoder.encode(`${live}?auction=${"a".repeat(60_000)}`), [200], hello],
        [
          "many parameters",
          encoder.encode(`${live}?${"since=1.1&".repeat(5_000)}`),
          [200],
          snapshot,
        ],
        [
          "a request line past Deno's buffer",
          encoder.encode(`${live}?since=${"9".repeat(1 << 20)}`),
          [400, 0], // 0: the connection reset as the rest was sent
          end,
        ],
        ["repeated since", encoder.encode(`${live}?since=zz.1&since=1.2&since=`), [200], snapshot],
        [
          "repeated auction",
          encoder.encode(`${live}?auction=lot-1&auction=%3Cscript%3E`),
          [200],
          hello,
        ],
        [
          "escaped non-ASCII",
          encoder.encode(`${live}?since=%C3%A9%E2%80%AE%F0%9F%98%80`),
          [200],
          snapshot,
        ],
        ["escaped NUL", encoder.encode(`${live}?since=%00&auction=lot%001`), [200], snapshot],
        [
          "broken escapes",
          encoder.encode(`${live}?since=%ZZ&auction=%&x=%E0%A4%A`),
          [200],
          snapshot,
        ],
        ["raw NUL", bytes(`${live}?since=`, 0, 0x31), [400], end],
        ["raw non-ASCII", bytes(`${live}?auction=`, 0xc3, 0xa9, 0xff), [400], end],
        ["receipts: after a NUL", encoder.encode("/auctions/lot-1/bids?after=%00"), [400], end],
        ["receipts: limit huge", encoder.encode(`/auctions/lot-1/bids?limit=1e400`), [400], end],
        [
          "receipts: repeated",
          encoder.encode("/auctions/lot-1/bids?after=0&after=%00"),
          [200],
          /"bids":\[\]/,
        ],
        ["the lot's page: after a NUL", encoder.encode("/auctions/lot-1?after=%00"), [400], end],
        [
          "the lot's page: after escaped",
          encoder.encode("/auctions/lot-1?after=%E2%80%AE"),
          [400],
          end,
        ],
        ["a huge id", encoder.encode(`/auctions/${"a".repeat(60_000)}?after=1`), [404], end],
      ];
      for (const [what, target, expected, until] of hostile) {
        const r = await rawGet(port, target, until);
        const seen = `${what}: ${r.status} ${r.text.slice(0, 300)}`;
        assert(expected.includes(r.status), seen);
        if (r.status === 200) assert(until.test(r.text), seen);
      }
      // The engine is well and a plain listener is served as ever.
      const health = await fetch(`${engine.url}/healthz`);
      assertEquals(health.status, 200);
      await health.body?.cancel();
      const plain = await rawGet(port, encoder.encode(live), hello);
      assertEquals(plain.status, 200);
    } finally {
      await engine.stop();
    }
  },
});
