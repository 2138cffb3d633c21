/**
 * The bidding history's writes: the rows of one turn in one statement, each caller resolved once
 * its row is written; a row the database refuses (a NUL in its text) fails only its own caller;
 * the leading tweet from memory, and from the table after a restart (PGlite).
 */
import { assertEquals, assertRejects } from "../../core/testing.ts";
import { countStatements, openDb } from "../../core/db.ts";
import { tempDir } from "../../tests/services.ts";
import { bidHistory } from "./bid_history.ts";

const TABLE = `create table x_bid_history (
  tweet_id text not null, kind text not null, handle text not null, auction_id text,
  amount_wei numeric(78, 0), reason text, message text, at timestamptz not null,
  primary key (tweet_id, kind))`;
const AT = "2026-03-08T14:00:00-04:00";
const row = (tweetId: string, handle: string, amountWei: bigint, message?: string) => ({
  tweetId,
  kind: "accepted",
  handle,
  auctionId: "a-1",
  amountWei,
  at: AT,
  ...(message ? { message } : {}),
});

Deno.test("bid history: a turn's rows in one statement; a bad row fails alone; leaders remembered", async () => {
  const dir = tempDir();
  const raw = await openDb({ dataDir: dir.path });
  try {
    await raw.exec(TABLE);
    const counts: string[] = [];
    const db = countStatements(raw, (k) => counts.push(k));
    const h = bidHistory(db);
    await Promise.all([
      h.record(row("1", "@alice", 1n)),
      h.record(row("2", "bob", 2n)),
      h.record(row("3", "@Alice", 3n)),
    ]);
    assertEquals(counts, ["insert:x_bid_history"]);
    // A hostile row in a turn with good ones: only its caller fails.
    const results = await Promise.allSettled([
      h.record(row("4", "@bob", 4n)),
      h.record(row("5", "@carol", 5n, "nul \u0000 inside")),
      h.record(row("6", "@dave", 6n)),
    ]);
    assertEquals(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
    const stored = await raw.query<{ tweet_id: string; handle: string }>(
      "select tweet_id, handle from x_bid_history order by tweet_id",
    );
    assertEquals(stored.map((r) => `${r.tweet_id}${r.handle}`), [
      "1@alice",
      "2@bob",
      "3@Alice",
      "4@bob",
      "6@dave",
    ]);
    // From memory: the handle's highest (latest) accepted bid, whatever its case; no query.
    counts.length = 0;
    assertEquals(await h.leadingTweet("a-1", "ALICE"), "3");
    assertEquals(await h.leadingTweet("a-1", "@bob"), "4");
    assertEquals(counts, []);
    // After a restart nothing is in memory: the table answers, once.
    const again = bidHistory(db);
    assertEquals(await again.leadingTweet("a-1", "@alice"), "3");
    assertEquals(await again.leadingTweet("a-1", "@alice"), "3");
    assertEquals(await again.leadingTweet("a-1", "@nobody"), undefined);
    assertEquals(counts, ["select:x_bid_history", "select:x_bid_history"]);
    await assertRejects(() => h.record(row("7", "@eve", 7n, "\u0000")));
  } finally {
    await raw.close();
    dir.remove();
  }
});
