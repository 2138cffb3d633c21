/**
 * A standby serves the public pages: two real `main.ts start` engines share one Postgres
 * schema; the standby answers `/`, `/auctions/:id`, the lot's JSON and the live updates from
 * what the leader wrote (at most a poll behind), while it decides, reads and posts nothing
 * (its X plugin never starts: the fake X sees one reader), and answers 503 where only a
 * leader's plugin serves. When the leader is killed the standby takes over and its pages go
 * on, now the leader's own. The lot's image too: the leader mirrors it into the database and
 * the standby serves those bytes (the file removed from the leader's folder meanwhile), hostile
 * paths 404 on both. Prints how far behind the standby's pages were.
 */
import { assert, assertEquals } from "../core/testing.ts";
import { bidShow, healthOf, until } from "./bid_show.ts";
import { exited, killQuietly } from "./cli.ts";
import { serviceAvailable, tempDir } from "./services.ts";

const url = Deno.env.get("DATABASE_URL");

/** Reads an SSE stream until `want` holds of the events so far, or the bound. */
async function liveEvents(
  base: string,
  want: (events: Array<{ event: string; data: Record<string, unknown> }>) => boolean,
  ms: number,
  during: () => void,
) {
  const events: Array<{ event: string; data: Record<string, unknown> }> = [];
  const r = await fetch(`${base}/auction/live`, { signal: AbortSignal.timeout(ms) });
  assertEquals(r.status, 200);
  let buffer = "";
  let started = false;
  try {
    for await (const chunk of r.body!.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const parts = buffer.split("\n\n");
      buffer = parts.pop()!;
      for (const part of parts) {
        const event = /^event: (.*)$/m.exec(part)?.[1];
        const data = /^data: (.*)$/m.exec(part)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
      if (!started) {
        started = true;
        during();
      }
      if (want(events)) break;
    }
  } finally {
    await r.body?.cancel().catch(() => {});
  }
  return events;
}

Deno.test({
  name: "a standby serves the public pages from Postgres, decides nothing, and takes over",
  ignore: !(await serviceAvailable("postgres", () => url)),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // The lot's image in an assets folder of the test's own, with bytes no shipped file has.
    const assets = tempDir();
    Deno.mkdirSync(`${assets.path}/nft`);
    const sample = await Deno.readFile(new URL("../scenes/assets/nft/sample.png", import.meta.url));
    const image = new Uint8Array([...sample, ...crypto.getRandomValues(new Uint8Array(16))]);
    const imageFile = `${assets.path}/nft/lot.png`;
    Deno.writeFileSync(imageFile, image);
    const show = await bidShow({
      url: url!,
      name: "standby",
      handles: ["@sb_alice", "@sb_bob"],
      more: [
        {
          name: "compositor",
          config: { width: 320, height: 180, fps: 1, run: false, assetsDir: assets.path },
        },
        { name: "widget-artwork", config: { items: { "standby #1": { image: "nft/lot.png" } } } },
      ],
    });
    try {
      const a = await show.startLeader("a");
      const b = show.start("b");
      await until(
        "engine b to stand by",
        async () => (await healthOf(b.port))?.checks.lease?.role === "standby",
      );
      const get = (port: number, path: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(10_000) });
      const html = async (port: number, path: string) => {
        const r = await get(port, path);
        return { status: r.status, text: await r.text() };
      };

      const first = show.tweet();
      assertEquals(await show.decided(first), "accepted");
      // The standby's lot (its JSON and its page) catches up with the leader's within a poll.
      const t = performance.now();
      const leaderJson = await (await get(a.port, `/auction/auctions/${show.auctionId}`)).json();
      assertEquals(leaderJson.priceWei, "1100000000000000000");
      const standbyJson = await until("the standby's lot to show the bid", async () => {
        const lot = await (await get(b.port, `/auction/auctions/${show.auctionId}`)).json();
        return lot.priceWei === leaderJson.priceWei && lot;
      }, 15_000);
      const behindMs = performance.now() - t;
      assertEquals(standbyJson.leader, leaderJson.leader);
      const home = await html(b.port, "/");
      assertEquals(home.status, 200);
      assert(home.text.includes('<b id="price">1.1 ETH</b>'), "the price on the standby's page");
      assert(home.text.includes(show.auctionId), "the lot on the standby's home page");
      const log = await html(b.port, `/auctions/${show.auctionId}`);
      assertEquals(log.status, 200);
      assert(log.text.includes(first), "the bid log names the leader's decided tweet");
      assertEquals((await get(b.port, "/public.css")).status, 200);
      assertEquals((await get(b.port, "/auctions/no-such-lot")).status, 404);
      // Only the leader's plugins serve the rest, and nothing is written through the standby.
      assertEquals((await get(b.port, "/bidders/sb_alice")).status, 503);

      // The lot's image on the standby: the leader's mirror of it, byte for byte.
      const lotImage = `/artwork/${encodeURIComponent("standby #1")}`;
      const bytesOf = async (port: number, path: string) => {
        const r = await get(port, path);
        return { status: r.status, type: r.headers.get("content-type"), bytes: await r.bytes() };
      };
      const served = await until("the standby to serve the lot's image", async () => {
        const r = await bytesOf(b.port, lotImage);
        return r.status === 200 && r;
      }, 15_000);
      assertEquals(served.type, "image/png");
      assertEquals(served.bytes, image);
      // Gone from the leader's folder: the leader has none to serve, the standby its copy.
      Deno.removeSync(imageFile);
      assertEquals((await bytesOf(a.port, lotImage)).status, 404);
      assertEquals((await bytesOf(b.port, lotImage)).bytes, image);
      for (
        const hostile of [
          "/artwork/..%2F..%2F..%2Fetc%2Fpasswd",
          "/artwork/..%2Fdeno.json",
          "/artwork/nft%2F..%2F..%2Fsecret.png",
          "/artwork/%2Fetc%2Fx.png",
          "/artwork/No%20such%20lot",
          `/artwork/${"x".repeat(5000)}.png`,
        ]
      ) {
        assertEquals((await bytesOf(b.port, hostile)).status, 404, hostile);
      }
      Deno.writeFileSync(imageFile, image);

      // Live updates on the standby: a decision by the leader arrives as an event.
      let second = "";
      const events = await liveEvents(
        `http://127.0.0.1:${b.port}`,
        (es) => es.some((e) => e.event === "decision" && e.data.tweetId === second),
        20_000,
        () => void (second = show.tweet()),
      );
      assert(events.some((e) => e.event === "auction" && e.data.priceWei !== leaderJson.priceWei));
      const decision = events.find((e) => e.data.tweetId === second)!;
      assertEquals(decision.data.decision, "accepted");

      // The standby decided nothing: every decision is the leader's (its metrics count them).
      const decisionsOf = async (port: number) =>
        /sothebais_auction_decision_seconds_count(?:\{[^}]*\})? (\d+)/.exec(
          await (await get(port, "/metrics")).text(),
        )?.[1];
      assertEquals(await decisionsOf(b.port), undefined, "no decision metric on the standby");
      assertEquals(Number(await decisionsOf(a.port)), 2);

      // The leader dies: the standby takes over, and its pages are the leader's own now.
      killQuietly(a.child);
      await exited(a.child);
      await until(
        "engine b to lead",
        async () => (await healthOf(b.port))?.checks.lease?.role === "leader",
      );
      const third = show.tweet();
      assertEquals(await show.decided(third), "accepted");
      const after = await html(b.port, `/auctions/${show.auctionId}`);
      assertEquals(after.status, 200);
      assert(after.text.includes(third), "the new leader's bid log has its own decision");
      assertEquals((await get(b.port, "/bidders/sb_alice")).status, 200);
      assertEquals((await bytesOf(b.port, lotImage)).bytes, image, "the new leader's own file");
      await show.verify();
      console.log(
        `standby pages: the standby's lot agreed with the leader's ${
          behindMs.toFixed(0)
        } ms after ` +
          `the leader's showed the bid; ${events.length} live events on the standby`,
      );
    } finally {
      await show.close();
      assets.remove();
    }
  },
});
