/**
 * Backup and restore as operators run them (`main.ts backup` / `restore`, child
 * processes): an embedded (PGlite) show with decisions, an admin override and
 * chained logs is backed up, restored into a fresh data folder, and the restored
 * engine holds the same auction (leader, price, bids) with every chain verifying;
 * the same backup restores into Postgres (the embedded show moved to a server), all with the
 * show's SECRETS_KEY (what is sealed travels sealed: plugins/backup/sealed_test.ts).
 * Refused, with the reason and nothing written: a second restore into a database
 * that is no longer empty, a file altered by one byte, a file cut short.
 */
import { virtualClock } from "../../core/clock.ts";
import { newSecretKey } from "../../core/secret_box.ts";
import { assert, assertEquals } from "../../core/testing.ts";
import { cli, writeShowConfig } from "../../tests/cli.ts";
import { serviceAvailable, tempDir } from "../../tests/services.ts";
import { auctionEngine, type Storage, testStorage } from "../auction/test_engine.ts";

const ETH = 10n ** 18n;
const T = (hhmmss: string) => `2026-03-08T${hhmmss}-04:00`;
/** One lot, open 13:30 to 15:30 New York time. */
const lot = { id: "lot-1", item: "Backed up #1", reserve: "1 ETH" };
const auctionConfig = {
  watermark: "clock",
  auctions: [{ ...lot, startsAt: T("13:30:00"), endsAt: T("15:30:00"), maxEndsAt: T("16:30:00") }],
};

/** The show's config for the CLI: the same plugins as the engine below, and backup. */
const configFile = (dir: string) =>
  writeShowConfig(`${dir}/sothebais.json`, [
    ["funds-book"],
    ["auction", auctionConfig],
    ["backup"],
  ]);

async function run(args: string[], env: Record<string, string>) {
  const out = await cli(args, { ...env, LOG_LEVEL: "error" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

/** What a restore must give back exactly: the bids with their chain, and the auction. */
async function record(storage: Storage) {
  const e = await auctionEngine(storage, auctionConfig, virtualClock(T("14:30:00")));
  try {
    const bids = await e.db.query<Record<string, unknown>>(
      `select seq, tweet_id, handle, status, amount_wei, decided_at, chain_seq, chain_hash
       from auction_bids order by seq`,
    );
    const a = e.auctions.get("lot-1")!;
    return {
      bids: bids.map((b) => JSON.stringify(b)),
      auction: [a.status, a.leader?.handle, a.priceWei, a.endsAt.toString()],
    };
  } finally {
    await e.stop();
  }
}

/** Gzip'd text back and forth, to damage a backup the way a disk or a person would. */
const gunzip = async (path: string) =>
  await new Response((await Deno.open(path)).readable.pipeThrough(new DecompressionStream("gzip")))
    .text();
const gzipTo = async (path: string, text: string) =>
  await Deno.writeFile(
    path,
    new Uint8Array(
      await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")))
        .arrayBuffer(),
    ),
  );

Deno.test({
  name: "backup of an embedded show restores whole, chains verifying; refusals say why",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const config = configFile(dir.path);
    const source = testStorage(true);
    const target = testStorage(true);
    const pgUrl = Deno.env.get("DATABASE_URL");
    const server = (await serviceAvailable("postgres", () => pgUrl)) ? testStorage() : null;
    // One SECRETS_KEY for the show wherever it is restored (the wallet links are sealed with it).
    const key = newSecretKey();
    for (const s of [source, target, server]) if (s) s.env.SECRETS_KEY = key;
    try {
      const clock = virtualClock(T("14:10:00"));
      const e = await auctionEngine(source, auctionConfig, clock);
      for (const h of ["@alice", "@bob"]) {
        await e.book.link(h, `0x${h.charCodeAt(1).toString(16).padStart(40, "0")}`);
        await e.book.enter(h, "deposit", 50n * ETH);
      }
      const bid = (id: string, handle: string, eth: string, at: string) =>
        e.bus.emit("bid.submitted", {
          tweetId: id,
          handle,
          text: `@SothebAIs bid ${eth} ETH`,
          tweetAt: T(at),
        } as never);
      bid("1", "@alice", "1.5", "14:01:00");
      bid("2", "@bob", "2.123456789012345678", "14:02:00");
      bid("3", "@mallory", "3", "14:03:00"); // no wallet: rejected, in the chain too
      bid("4", "@alice", "12.5", "14:04:00");
      await e.auctions.idle();
      await e.auctions.admin("lot-1", { action: "extend", seconds: 300 }, {
        actor: "test-admin",
        reason: "a late bidder asked",
      });
      await e.stop();
      const before = await record(source);
      assertEquals(before.bids.length, 4);

      // The engine is stopped: the CLI holds the embedded folder for the backup.
      const file = `${dir.path}/show.sothebais-backup.gz`;
      const made = await run(["backup", file, "--config", config], source.env);
      assertEquals(made.code, 0, made.text);
      assert(made.text.includes("backup written"), made.text);

      const restored = await run(["restore", file, "--config", config], target.env);
      assertEquals(restored.code, 0, restored.text);
      assert(restored.text.includes("auction_bids: chain ok, 4 entries"), restored.text);
      assert(restored.text.includes("auction_audit: chain ok, 1 entries"), restored.text);
      const verified = await run(["audit", "verify", "--config", config], target.env);
      assertEquals(verified.code, 0, verified.text);
      assertEquals(await record(target), before, "the restored show is the same show");

      // Refusals: each says why; the target keeps what it had.
      const again = await run(["restore", file, "--config", config], target.env);
      assertEquals(again.code, 1);
      assert(again.text.includes("this database is not empty"), again.text);
      const text = await gunzip(file);
      const altered = `${dir.path}/altered.gz`;
      await gzipTo(altered, text.replace('"@bob"', '"@bib"'));
      const cut = `${dir.path}/cut.gz`;
      await gzipTo(cut, text.split("\n").slice(0, -3).join("\n"));
      for (const [path, why] of [[altered, "does not match its checksum"], [cut, "cut short"]]) {
        const fresh = testStorage(true);
        fresh.env.SECRETS_KEY = key;
        try {
          const refused = await run(["restore", path, "--config", config], fresh.env);
          assertEquals(refused.code, 1, refused.text);
          assert(refused.text.includes(why), refused.text);
          const empty = await run(["backup", `${fresh.env.DATA_DIR}/b.gz`, "--config", config], {
            ...fresh.env,
          });
          assert(empty.text.includes(" 0 rows"), `nothing was restored: ${empty.text}`);
        } finally {
          await fresh.remove();
        }
      }

      // The embedded show moved to a Postgres server: the same file, the same show.
      if (server) {
        const moved = await run(["restore", file, "--config", config], server.env);
        assertEquals(moved.code, 0, moved.text);
        assertEquals(await record(server), before, "restored into Postgres");
      }
    } finally {
      await source.remove();
      await target.remove();
      await server?.remove();
      dir.remove();
    }
  },
});
