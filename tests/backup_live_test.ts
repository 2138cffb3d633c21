/**
 * A backup taken during an auction (the real Postgres, a real engine deciding bids
 * as they stream in) is one moment of the show: restored into a fresh schema, its
 * bids are exactly the first N of the live show's (same rows, same chain hashes),
 * the auction's decision counter says N too (nothing half-written), and every hash
 * chain verifies (`main.ts audit verify`). Prints the backup's size and time.
 */
import postgres from "postgres";
import { assert, assertEquals } from "../core/testing.ts";
import { bidShow } from "./bid_show.ts";
import { cli } from "./cli.ts";
import { serviceAvailable, uniqueName } from "./services.ts";

const url = Deno.env.get("DATABASE_URL");

const run = async (args: string[], env: Record<string, string>) => {
  const out = await cli(args, env).output();
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
};

Deno.test({
  timeout: 10 * 60_000, // a hung run fails; the suite goes on
  name: "a backup taken mid-auction restores one consistent moment of the show",
  ignore: !(await serviceAvailable("postgres", () => url)),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const show = await bidShow({
      url: url!,
      name: "bk",
      handles: ["@bk_alice", "@bk_bob"],
      more: ["backup"],
    });
    const restoredSchema = uniqueName("bk_restored");
    const restored = postgres(url!, {
      onnotice: () => {},
      connection: { search_path: restoredSchema },
    });
    try {
      await show.startLeader("a");
      for (let i = 0; i < 4; i++) assertEquals(await show.decided(show.tweet()), "accepted");
      let streaming = true;
      const stream = (async () => {
        while (streaming) {
          show.tweet();
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      const file = `${show.env("cli").DATA_DIR}-backup.gz`;
      const made = await run(["backup", file, "--config", show.configFile], show.env("cli"));
      streaming = false;
      await stream;
      assertEquals(made.code, 0, made.text);
      const counted = await show.verify();

      const into = { ...show.env("restore"), DATABASE_SCHEMA: restoredSchema };
      const back = await run(["restore", file, "--config", show.configFile], into);
      assertEquals(back.code, 0, back.text);
      assert(back.text.includes("auction_bids: chain ok"), back.text);
      const verified = await run(["audit", "verify", "--config", show.configFile], into);
      assertEquals(verified.code, 0, verified.text);

      const columns = "seq, tweet_id, status, amount_wei, decided_at, chain_hash";
      const live = await show.sql.unsafe(`select ${columns} from auction_bids order by seq`);
      const moment = await restored.unsafe(`select ${columns} from auction_bids order by seq`);
      assert(moment.length >= 4, `the backup holds the bids before it: ${moment.length}`);
      assertEquals([...moment], [...live.slice(0, moment.length)], "a prefix of the live show");
      const [{ decisions }] = await restored`select decisions from auction_auctions
        where id = ${show.auctionId}`;
      assertEquals(Number(decisions), moment.length, "the counter agrees with the bids");
      console.log(
        `${made.text.trim()}; restored ${moment.length} of ${counted.decisions} decisions ` +
          `(the rest came after the snapshot), chains verify`,
      );
    } finally {
      await restored.unsafe(`drop schema if exists "${restoredSchema}" cascade`);
      await restored.end();
      await show.close();
    }
  },
});
