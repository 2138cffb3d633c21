/**
 * A bidding show for fault tests: one auction, bidders funded in the funds
 * book, a fake X the tweets come from, and `main.ts start` engines in child
 * processes against the Postgres at `url` (a schema of the show's own). The
 * checks at the end are the invariants every fault must keep: each tweet
 * decided once, the accepted amounts rising strictly (one market), each
 * decision counted once, no post twice.
 */
import { newSecretKey } from "../core/secret_box.ts";
import postgres from "postgres";
import { assert, assertEquals, eventually } from "../core/testing.ts";
import { withTimeout } from "../core/timeout.ts";
import { serveFakeX } from "../stand-ins/fake-x/serve_fake_x.ts";
import { bidShowConfig, cli, exited, freePort, type Running, startCli } from "./cli.ts";
import { tempDir, uniqueName } from "./services.ts";

const ETH = 10n ** 18n;

/** `eventually` with the question first, as the fault tests read. */
export const until = <T>(what: string, f: () => T | Promise<T>, ms = 30_000) =>
  eventually(f, what, ms, 50);

/** `/healthz` of an engine on `port`, or undefined while it does not answer. */
export async function healthOf(port: number): Promise<
  { ok: boolean; status: string; checks: Record<string, Record<string, unknown>> } | undefined
> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(5000),
    });
    return await r.json();
  } catch {
    return undefined;
  }
}

export interface BidShow {
  sql: postgres.Sql;
  auctionId: string;
  schema: string;
  configFile: string;
  /** The environment an engine or a command of this show runs with. */
  env(name: string, port?: number): Record<string, string>;
  /** Tweet ids sent, in order. */
  sent: string[];
  /** Starts an engine with this show's config; `env` adds to (or overrides) the show's. */
  start(name: string, env?: Record<string, string>): Running & { port: number };
  /** Starts one and waits (up to `ms`) until its /healthz says it leads. */
  startLeader(
    name: string,
    env?: Record<string, string>,
    ms?: number,
  ): Promise<Running & { port: number }>;
  /** Tweets the next bid (0.1 ETH above the last), from the next handle in turn. */
  tweet(): string;
  /** Tweets `text` as `author` (any text: hostile input too); its id joins `sent`. */
  inject(author: string, text: string): string;
  /** The fake X's posts: the tweet each replies to, and its text. */
  posts(): Array<{ inReplyTo: string | null; text: string }>;
  /** "accepted", or the status and reason, once the tweet is decided. */
  decided(tweetId: string, ms?: number): Promise<string>;
  /** The invariants; returns what was counted. */
  verify(): Promise<{ decisions: number; accepted: number; posts: number }>;
  close(): Promise<void>;
}

export async function bidShow(
  o: {
    url: string;
    name: string;
    handles: string[];
    env?: Record<string, string>;
    /** More plugins (folders under plugins/, or with a config: `tests/cli.ts` bidShowConfig). */
    more?: Parameters<typeof bidShowConfig>[1]["more"];
    rateLimit?: { bids: number; perSeconds: number };
    auctionPublic?: Parameters<typeof bidShowConfig>[1]["auctionPublic"];
  },
): Promise<BidShow> {
  const schema = uniqueName(o.name);
  const auctionId = `${o.name}-1`;
  const sql = postgres(o.url, { onnotice: () => {}, connection: { search_path: schema } });
  const fakeX = serveFakeX({ tier: "pro", hostHandle: "SothebAIs" });
  const dir = tempDir();
  const configFile = bidShowConfig(dir.path, {
    fakeXUrl: fakeX.url,
    auctionId,
    item: `${o.name} #1`,
    minPollMs: 200,
    more: o.more,
    rateLimit: o.rateLimit,
    auctionPublic: o.auctionPublic,
  });
  // Engines sharing one Postgres share SECRETS_KEY (what one seals, the next leader opens).
  const secretsKey = newSecretKey();
  const env = (name: string, port: number) => ({
    SECRETS_KEY: secretsKey,
    DATABASE_URL: o.url,
    DATABASE_SCHEMA: schema,
    DATA_DIR: `${dir.path}/${name}`,
    PORT: String(port),
    LOG_LEVEL: "info",
    ...o.env,
  });
  // The tables first, then the funds: the book reads balances when it starts.
  const migrated = await withTimeout(
    cli(["migrate", "--config", configFile], env("migrate", 0)).output(),
    120_000,
    "migrate: no answer",
  );
  if (!migrated.success) throw new Error(new TextDecoder().decode(migrated.stderr));
  for (const h of o.handles) {
    await sql`insert into funds_book_wallets (handle, address)
      values (${h}, ${"0x" + "ab".repeat(20)})`;
    await sql`insert into funds_book_entries (handle, kind, amount_wei, note)
      values (${h}, 'deposit', ${String(1000n * ETH)}, 'test')`;
  }
  const running: Running[] = [];
  const sent: string[] = [];
  let price = 1.0;
  let turn = 0;

  const start = (name: string, extra: Record<string, string> = {}) => {
    const port = Number(extra.PORT ?? freePort());
    const run = startCli(["--config", configFile, "--log", "json"], {
      ...env(name, port),
      ...extra,
    });
    running.push(run);
    return Object.assign(run, { port });
  };
  const posts = () =>
    fakeX.fake.posts().map((p) => ({
      inReplyTo: p.referenced_tweets?.find((r) => r.type === "replied_to")?.id ?? null,
      text: p.text,
    }));
  const decided = (id: string, ms = 30_000) =>
    until(`a decision on ${id}`, async () => {
      try {
        const [row] = await sql`select status, reason, message from auction_bids
          where tweet_id = ${id}`;
        return row
          ? row.status === "accepted" ? "accepted" : `${row.status}: ${row.reason} ${row.message}`
          : undefined;
      } catch {
        return undefined; // the database may be away: that is what some tests do
      }
    }, ms);

  return {
    sql,
    auctionId,
    schema,
    configFile,
    env: (name, port = 0) => env(name, port),
    sent,
    start,
    async startLeader(name, extra, ms = 60_000) {
      const run = start(name, extra);
      await until(`${name} to lead`, async () => {
        return (await healthOf(run.port))?.checks.lease?.role === "leader";
      }, ms);
      return run;
    },
    tweet() {
      price = Math.round((price + 0.1) * 10) / 10;
      const t = fakeX.fake.inject({
        author: o.handles[turn++ % o.handles.length],
        text: `@SothebAIs bid ${price} ETH`,
      });
      sent.push(t.id);
      return t.id;
    },
    inject(author, text) {
      const t = fakeX.fake.inject({ author, text });
      sent.push(t.id);
      return t.id;
    },
    posts,
    decided,
    async verify() {
      await Promise.all(sent.map((id) => decided(id)));
      const rows = await sql`select tweet_id, status, amount_wei from auction_bids
        where proxy_for is null order by seq`;
      assertEquals(rows.length, sent.length, "each tweet decided");
      assertEquals(new Set(rows.map((r) => r.tweet_id)).size, sent.length, "none twice");
      let last = 0n;
      const accepted = rows.filter((r) => r.status === "accepted");
      for (const r of accepted) {
        assert(BigInt(r.amount_wei) > last, `accepted ${r.amount_wei} after ${last}`);
        last = BigInt(r.amount_wei);
      }
      const [auction] = await sql`select decisions from auction_auctions where id = ${auctionId}`;
      assertEquals(Number(auction.decisions), rows.length, "each decision counted once");
      const sentPosts = posts().map((p) => `${p.inReplyTo ?? "-"} ${p.text}`);
      assertEquals(sentPosts.length, new Set(sentPosts).size, "a post sent twice");
      return { decisions: rows.length, accepted: accepted.length, posts: sentPosts.length };
    },
    async close() {
      await Promise.all(running.map((r) => exited(r.child, 0)));
      await fakeX.stop();
      await sql.unsafe(`drop schema if exists "${schema}" cascade`).catch(() => {});
      await sql.end({ timeout: 2 });
      dir.remove();
    },
  };
}
