/** The Db contract, run against every backend: PGlite always, Postgres when DATABASE_URL is set. */
import { assertEquals, assertRejects, eventually } from "./testing.ts";
import {
  countStatements,
  type Db,
  openDb,
  pauseAfterFailure,
  statementKey,
  watchAnswers,
} from "./db.ts";
import { lostConnection } from "./db_postgres.ts";
import { migrate } from "./migrate.ts";
import { serviceAvailable, tempDir, uniqueName } from "../tests/services.ts";

const postgresUrl = Deno.env.get("DATABASE_URL");

interface Backend {
  name: string;
  open(): Promise<{ db: Db; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [{
  name: "pglite",
  async open() {
    const dir = tempDir();
    const db = await openDb({ dataDir: dir.path });
    return { db, cleanup: async () => (await db.close(), dir.remove()) };
  },
}];

if (await serviceAvailable("postgres", () => postgresUrl)) {
  backends.push({
    name: "postgres",
    async open() {
      const schema = uniqueName("dbtest");
      const db = await openDb({ url: postgresUrl, schema, dataDir: "" });
      return {
        db,
        cleanup: async () => {
          await db.exec(`drop schema ${schema} cascade`);
          await db.close();
        },
      };
    },
  });
}

for (const backend of backends) {
  const test = (name: string, fn: (db: Db) => Promise<void>) =>
    Deno.test(`db ${backend.name}: ${name}`, async () => {
      const { db, cleanup } = await backend.open();
      try {
        await fn(db);
      } finally {
        await cleanup();
      }
    });

  test("round-trips wei exactly, times with their instant, nulls", async (db) => {
    await db.exec("create table t (wei numeric(78,0), at timestamptz, n int8, note text)");
    const wei = 2n ** 255n + 12345n;
    const at = Temporal.Instant.from("2026-03-08T14:00:00.123-04:00");
    await db.query("insert into t values ($1, $2, $3, $4)", [wei, at, 9007199254740993n, null]);
    const [row] = await db.query<{ wei: string; at: Date; n: string; note: null }>(
      "select * from t",
    );
    assertEquals(BigInt(row.wei), wei);
    assertEquals(row.at.getTime(), at.epochMilliseconds);
    assertEquals(row.n, "9007199254740993");
    assertEquals(row.note, null);
  });

  test("a failed transaction rolls back fully", async (db) => {
    await db.exec("create table t (id int primary key)");
    await db.query("insert into t values (1)");
    await assertRejects(() =>
      db.transaction(async (tx) => {
        await tx.query("insert into t values (2)");
        await tx.query("insert into t values (3)");
        await tx.query("insert into t values (1)"); // duplicate key
      })
    );
    const rows = await db.query<{ id: number }>("select id from t order by id");
    assertEquals(rows.map((r) => r.id), [1]);
  });

  test("a transaction that throws in code rolls back too", async (db) => {
    await db.exec("create table t (id int)");
    await assertRejects(
      () =>
        db.transaction(async (tx) => {
          await tx.query("insert into t values (1)");
          throw new Error("decided against it");
        }),
      Error,
      "decided against it",
    );
    assertEquals(await db.query("select * from t"), []);
  });

  test("concurrent transactions serialise on a locked row without losing updates", async (db) => {
    await db.exec("create table counter (id int primary key, n int not null)");
    await db.query("insert into counter values (1, 0)");
    await Promise.all(Array.from({ length: 25 }, () =>
      db.transaction(async (tx) => {
        const [{ n }] = await tx.query<{ n: number }>(
          "select n from counter where id = 1 for update",
        );
        await tx.query("update counter set n = $1 where id = 1", [n + 1]);
      })));
    const [{ n }] = await db.query<{ n: number }>("select n from counter");
    assertEquals(n, 25);
  });

  test("every statement is counted by kind, those inside a transaction too", async (raw) => {
    const counts = new Map<string, number>();
    const db = countStatements(raw, (k) => counts.set(k, (counts.get(k) ?? 0) + 1));
    await db.exec("create table t (id int primary key)");
    await db.query("insert into t values (1)");
    await db.transaction(async (tx) => {
      await tx.query("insert into t values ($1)", [2]);
      await tx.query("update t set id = 3 where id = 2");
    });
    await db.query("select count(*) from t");
    assertEquals(Object.fromEntries(counts), {
      script: 1,
      "insert:t": 2,
      transaction: 1,
      "update:t": 1,
      "select:t": 1,
    });
    assertEquals(db.kind, raw.kind);
  });

  test("migrations apply once each, in order, per owner", async (db) => {
    const files = [
      { id: "001_a.sql", sql: "create table a (x int); insert into a values (1);" },
      { id: "002_b.sql", sql: "insert into a values (2);" },
    ];
    assertEquals(await migrate(db, "alpha", files), ["001_a.sql", "002_b.sql"]);
    assertEquals(await migrate(db, "alpha", files), []);
    const rows = await db.query<{ x: number }>("select x from a order by x");
    assertEquals(rows.map((r) => r.x), [1, 2]);
  });

  test("a failing migration leaves nothing half applied", async (db) => {
    const files = [{ id: "001_bad.sql", sql: "create table c (x int); select * from missing;" }];
    await assertRejects(() => migrate(db, "beta", files));
    assertEquals(
      await db.query("select 1 from information_schema.tables where table_name = 'c'"),
      [],
    );
    assertEquals(
      await migrate(db, "beta", [{ id: "001_bad.sql", sql: "create table c (x int)" }]),
      [
        "001_bad.sql",
      ],
    );
  });
}

Deno.test("a statement's key is its verb and first table, bounded, never its values", () => {
  assertEquals(statementKey("  INSERT INTO x_tweets (a) values ($1)"), "insert:x_tweets");
  assertEquals(
    statementKey("with bid as (insert into auction_bids values (1)) select 1"),
    "with:auction_bids",
  );
  assertEquals(statementKey("select 1"), "select");
  assertEquals(statementKey("update x_outbox set text = 'from secret'"), "update:x_outbox");
  // Hostile or odd text: a short label, never the text.
  assertEquals(statementKey(""), "other");
  assertEquals(statementKey("select * from " + "a".repeat(500)).length <= 80, true);
  assertEquals(statementKey("\u0000; drop table x"), "other");
});

/** A store whose statements fail as `failure` says (undefined: they answer). */
function flakyDb() {
  const calls = { pings: 0 };
  let failure: Error | undefined;
  const run = () => failure ? Promise.reject(failure) : Promise.resolve();
  const db = watchAnswers(
    {
      kind: "postgres",
      query: async () => (await run(), []),
      exec: run,
      transaction: async (fn) => (await run(), fn({ query: () => Promise.resolve([]), exec: run })),
      ping: () => (calls.pings++, run()),
      close: () => Promise.resolve(),
    },
    lostConnection,
    20,
  );
  const fail = (code?: string) =>
    failure = code === undefined ? undefined : Object.assign(new Error(code), { code });
  return { db, fail, calls };
}

Deno.test("the database refusing connections is down until one statement answers; the probe finds it", async () => {
  const { db, fail, calls } = flakyDb();
  assertEquals(db.down(), undefined);
  fail("ECONNREFUSED");
  await assertRejects(() => db.query("select 1"));
  const back = db.down();
  assertEquals(back instanceof Promise, true);
  await new Promise((r) => setTimeout(r, 100));
  assertEquals(db.down(), back, "still down: the probe keeps asking");
  const asked = calls.pings;
  assertEquals(asked >= 2, true, `pinged ${asked} times in 100 ms at 20 ms`);
  fail(undefined);
  await eventually(() => db.down() === undefined, "the probe to see the answer", 2000, 5);
  await back; // resolved: every waiter goes on
  await new Promise((r) => setTimeout(r, 60));
  assertEquals(calls.pings, asked + 1, "no probe once the database answers");
  await db.close();
});

Deno.test("a statement's own error is an answer: the database is not down", async () => {
  const { db, fail } = flakyDb();
  for (const code of ["23505", "42P01", "40001", "57014", ""]) {
    fail(code);
    await assertRejects(() => db.exec("select 1"));
    assertEquals(db.down(), undefined, `code ${code}`);
  }
  fail("08006");
  await assertRejects(() => db.exec("select 1"));
  const back = db.down();
  assertEquals(back instanceof Promise, true, "a connection failure is down");
  fail("42601");
  await assertRejects(() => db.query("select"));
  assertEquals(db.down(), undefined, "a syntax error is an answer");
  await back;
  await db.close();
});

Deno.test("closing a store that is down wakes its waiters and stops the probe", async () => {
  const { db, fail, calls } = flakyDb();
  fail("CONNECTION_CLOSED");
  await assertRejects(() => db.transaction(() => Promise.resolve(1)));
  const back = db.down()!;
  await db.close();
  await back;
  const pings = calls.pings;
  await new Promise((r) => setTimeout(r, 60));
  assertEquals([db.down(), calls.pings], [undefined, pings]);
});

Deno.test("which errors say the server is not there", () => {
  const lost = [
    "ECONNREFUSED",
    "ECONNRESET",
    "CONNECTION_CLOSED",
    "CONNECT_TIMEOUT",
    "08006",
    "57P01",
    "57P03",
  ];
  const not = [
    "23505",
    "42601",
    "57014",
    "57P04",
    "CONNECTION_ENDED",
    "econnrefused",
    "",
    "0",
    "E",
  ];
  for (const code of lost) assertEquals(lostConnection({ code }), true, code);
  for (const code of not) assertEquals(lostConnection({ code }), false, code);
  for (
    const e of [null, undefined, "ECONNREFUSED", 42, {
      code: { toString: () => "08006" },
    }, {}]
  ) {
    assertEquals(lostConnection(e), false, String(e));
  }
});

Deno.test("a pause after a failure is the caller's sleep, shorter only while the database is down", async () => {
  const now: { back?: PromiseWithResolvers<void> } = {};
  const db = { down: () => now.back?.promise };
  const never = new Promise<void>(() => {});
  const late = Symbol("late");
  const settled = (p: Promise<void>) =>
    Promise.race([p.then(() => "done"), new Promise((r) => setTimeout(() => r(late), 50))]);
  assertEquals(await settled(pauseAfterFailure(db, never)), late, "up: the whole sleep");
  now.back = Promise.withResolvers<void>();
  const waiting = pauseAfterFailure(db, never);
  now.back.resolve();
  assertEquals(await settled(waiting), "done", "down: until it answers");
  assertEquals(
    await settled(pauseAfterFailure({ down: () => undefined }, Promise.resolve())),
    "done",
  );
});
