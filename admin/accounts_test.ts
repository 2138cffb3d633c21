/**
 * Accounts on the database (PGlite, or Postgres with DATABASE_URL): no
 * password until the setup link is used; links expire and work once; TOTP
 * codes once each; recovery codes once each; disable and reset end sessions;
 * the `admin` command's lines and refusals. Hostile names and tokens are refused.
 */
import assert from "node:assert/strict";
import { virtualClock } from "../core/clock.ts";
import { readSettings } from "../core/config.ts";
import { openDatabase } from "../core/engine.ts";
import { migrate, readMigrations } from "../core/migrate.ts";
import { testStorage } from "../tests/engine.ts";
import { verifyChains } from "../core/hash_chain.ts";
import { resealAll } from "../core/sealed_columns.ts";
import { newSecretKey, parseSecretKey, type SecretBox, secretBox } from "../core/secret_box.ts";
import { secretsOf, secretsProblems } from "../core/secret_key.ts";
import { AccountError, accounts } from "./accounts.ts";
import { auditLog } from "./audit.ts";
import { adminCommand } from "./cli.ts";
import { adminConfig } from "./config.ts";
import { resealAdmin } from "./sealed.ts";
import { sessions } from "./sessions.ts";
import { totpCode } from "./tests/panel_kit.ts";

async function setup() {
  const storage = testStorage();
  const { db, lock } = await openDatabase(readSettings(storage.env));
  for (
    const [owner, dir] of [["auction", "../plugins/auction/migrations/"], [
      "admin",
      "./migrations/",
    ]]
  ) {
    await migrate(db, owner, await readMigrations(new URL(dir, import.meta.url)));
  }
  const clock = virtualClock(Temporal.Now.instant());
  const keyText = newSecretKey();
  const box = await secretBox(parseSecretKey(keyText, "SECRETS_KEY"));
  const store = accounts({ db, now: () => clock.instant(), setupMinutes: 30, issuer: "Test", box });
  return {
    db,
    clock,
    store,
    keyText,
    box,
    /** A code at the store's time (its virtual clock), not the wall clock's. */
    code: (secret: string, steps = 0) => totpCode(secret, steps, clock.instant().epochMilliseconds),
    storeWith: (box: SecretBox) =>
      accounts({ db, now: () => clock.instant(), setupMinutes: 30, issuer: "Test", box }),
    async stop() {
      await db.close();
      lock?.release();
      await storage.remove();
    },
  };
}

const PASSWORD = "a long enough password";

Deno.test("accounts: setup link once, before it expires; TOTP and recovery codes once each", async () => {
  const t = await setup();
  try {
    const { token, expiresAt } = await t.store.add("olga", "operator");
    assert.equal(expiresAt.epochMilliseconds - t.clock.instant().epochMilliseconds, 30 * 60_000);
    assert.equal((await t.store.verifyLogin("olga", "", "")).ok, false, "no password before setup");
    const first = await t.store.startSetup(token);
    const again = await t.store.startSetup(token);
    assert.equal(again.secret, first.secret, "a reload shows the same secret");
    assert.match(first.uri, /^otpauth:\/\/totp\/Test:olga\?/);
    assert.match(first.qrSvg, /^<svg /);
    await assert.rejects(
      () => t.store.finishSetup(token, "short", t.code(first.secret)),
      /at least 12/,
    );
    await assert.rejects(
      () => t.store.finishSetup(token, "olga's password!", t.code(first.secret)),
      /your name/,
    );
    await assert.rejects(() => t.store.finishSetup(token, PASSWORD, "000000"), /code is not right/);
    const done = await t.store.finishSetup(token, PASSWORD, t.code(first.secret));
    assert.equal(done.recoveryCodes.length, 10);
    assert.equal(new Set(done.recoveryCodes).size, 10);
    await assert.rejects(() => t.store.startSetup(token), /already used/);

    // The enrolment's code cannot sign in again; the next one can, once.
    const reused = await t.store.verifyLogin("olga", PASSWORD, t.code(first.secret));
    assert.deepEqual([reused.ok, !reused.ok && reused.message], [
      false,
      "That code was used already: wait for the next one.",
    ]);
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, t.code(first.secret, 1))).ok, true);
    assert.equal(
      (await t.store.verifyLogin("olga", PASSWORD, t.code(first.secret, 1))).ok,
      false,
    );
    assert.equal(
      (await t.store.verifyLogin("olga", "wrong password!", t.code(first.secret, 1))).ok,
      false,
    );
    const code = done.recoveryCodes[3];
    const used = await t.store.verifyLogin("olga", PASSWORD, ` ${code.toUpperCase()} `);
    assert.deepEqual([used.ok, used.ok && used.used], [true, "recovery"]);
    const twice = await t.store.verifyLogin("olga", PASSWORD, code);
    assert.match(!twice.ok ? twice.message : "", /used already/);
    const [stored] = await t.db.query<{ password_hash: string }>(
      "select password_hash from admin_accounts",
    );
    assert.match(stored.password_hash, /^pbkdf2-sha256\$600000\$[\w-]{22}\$[\w-]{43}$/);
    const codes = await t.db.query<{ code_hash: string }>(
      "select code_hash from admin_recovery_codes",
    );
    assert.ok(
      codes.every((c) => !done.recoveryCodes.some((r) => c.code_hash.includes(r))),
      "hashed",
    );

    // Expired links.
    const late = await t.store.add("lena", "viewer");
    await t.clock.advance(30 * 60_000);
    await assert.rejects(
      () => t.store.startSetup(late.token),
      /expired.*main\.ts admin reset lena/,
    );
  } finally {
    await t.stop();
  }
});

Deno.test("accounts: disable and reset end sessions; hostile names and tokens are refused", async () => {
  const t = await setup();
  try {
    const s = sessions({
      db: t.db,
      now: () => t.clock.instant(),
      idleSeconds: 60,
      maxSeconds: 600,
      box: t.box,
    });
    const { token } = await t.store.add("olga", "admin");
    const { secret } = await t.store.startSetup(token);
    await t.store.finishSetup(token, PASSWORD, t.code(secret));
    const account = (await t.store.get("olga"))!;
    const session = await s.create(account, "127.0.0.1");
    assert.equal((await s.find(session.id))?.name, "olga");
    await t.clock.advance(61_000);
    assert.equal(await s.find(session.id), null, "idle for longer than idleSeconds");

    const live = await s.create(account, null);
    await t.store.disable("olga");
    assert.equal(await s.find(live.id), null, "disabled: its sessions end");
    const disabled = await t.store.verifyLogin("olga", PASSWORD, t.code(secret, 1));
    assert.match(!disabled.ok ? disabled.message : "", /disabled/);
    const reset = await t.store.reset("olga");
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, t.code(secret, 1))).ok, false);
    const fresh = await t.store.startSetup(reset.token);
    assert.notEqual(fresh.secret, secret, "a reset enrols a new secret");

    for (const name of ["Olga", "o", "x'; drop table admin_accounts; --", "a".repeat(40), "ölga"]) {
      await assert.rejects(() => t.store.add(name, "viewer"), AccountError, name);
    }
    await assert.rejects(() => t.store.add("root", "superuser"), /role must be one of/);
    await assert.rejects(() => t.store.add("olga", "viewer"), /exists/);
    for (const bad of ["", "short", "x".repeat(500), "' or 1=1 --________________"]) {
      await assert.rejects(() => t.store.startSetup(bad), AccountError);
    }
    assert.equal((await t.store.verifyLogin("x'; --", PASSWORD, "123456")).ok, false);
  } finally {
    await t.stop();
  }
});

Deno.test("admin command: add prints the link, list, disable, reset; refusals exit 1 and say why", async () => {
  const t = await setup();
  const lines: string[] = [];
  const errors: string[] = [];
  const error = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const config = adminConfig.parse({ publicUrl: "https://show.example/" });
    const ctx = {
      config,
      db: t.db,
      clock: t.clock,
      dataDir: "/nonexistent",
      secrets: t.box,
      secretsSource: "environment" as const,
      print: (l: string) => lines.push(l),
    };
    assert.equal(await adminCommand.run(ctx, { role: "operator" }, ["add", "olga"]), 0);
    assert.match(
      lines.join("\n"),
      /account olga \(operator\) created\nsetup link \(one use, expires \d\d:\d\d New York time, in 30 minutes\):\nhttps:\/\/show\.example\/admin\/setup#[\w-]{43}$/,
    );
    assert.equal(await adminCommand.run(ctx, {}, ["add", "vic"]), 1);
    assert.match(errors.at(-1)!, /give --role: viewer, operator, admin/);
    assert.equal(await adminCommand.run(ctx, {}, ["list"]), 0);
    assert.match(lines.at(-1)!, /^olga\s+operator\s+pending \(setup link waiting\)$/);
    assert.equal(await adminCommand.run(ctx, {}, ["disable", "olga"]), 0);
    assert.equal(await adminCommand.run(ctx, {}, ["reset", "olga"]), 0);
    assert.match(lines.at(-1)!, /\/admin\/setup#/);
    assert.equal(await adminCommand.run(ctx, {}, ["disable", "nobody"]), 1);
    assert.match(errors.at(-1)!, /no account named nobody/);
    assert.equal(await adminCommand.run(ctx, {}, ["frobnicate"]), 2);
    const audit = await auditLog(t.db, () => t.clock.instant(), t.box).query({
      actor: "cli",
      limit: 10,
    });
    assert.deepEqual(audit.map((a) => [a.action, a.subject]).reverse(), [
      ["account.add", "olga"],
      ["account.disable", "olga"],
      ["account.reset", "olga"],
    ]);
    assert.deepEqual([audit[1].before, audit[1].after], [{ status: "pending" }, {
      status: "disabled",
    }]);
  } finally {
    console.error = error;
    await t.stop();
  }
});

Deno.test("TOTP secrets at rest: sealed, plain rows sealed at start, a wrong key refused, rotation", async () => {
  const t = await setup();
  const stored = async () =>
    (await t.db.query<{ totp_secret: string | null; totp_pending: string | null }>(
      "select totp_secret, totp_pending from admin_accounts where name = 'olga'",
    ))[0];
  try {
    const { token } = await t.store.add("olga", "operator");
    const { secret } = await t.store.startSetup(token);
    const pending = (await stored()).totp_pending!;
    assert.match(pending, /^enc:v1:[0-9a-f]{8}:/);
    assert.ok(!pending.includes(secret), "the secret is not stored in plain text");
    assert.equal((await t.store.startSetup(token)).secret, secret, "it opens again on a reload");
    await t.store.finishSetup(token, PASSWORD, t.code(secret));
    assert.match((await stored()).totp_secret!, /^enc:v1:/);
    /** A code not used yet (a code signs in once: the remembered step is forgotten here). */
    const freshCode = async () => {
      await t.db.query("update admin_accounts set totp_last_step = null where name = 'olga'");
      return t.code(secret);
    };
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, t.code(secret, 1))).ok, true);

    // A row from before encryption at rest: sealed by the start's pass, and it still signs in.
    await t.db.query("update admin_accounts set totp_secret = $1 where name = 'olga'", [secret]);
    const key = t.box;
    // `main.ts admin rekey` does the same pass, and says only counts and the key's id.
    const lines: string[] = [];
    const ctx = {
      config: adminConfig.parse({}),
      db: t.db,
      clock: t.clock,
      dataDir: "/nonexistent",
      secrets: key,
      secretsSource: "environment" as const,
      print: (l: string) => lines.push(l),
    };
    assert.equal(await adminCommand.run(ctx, {}, ["rekey"]), 0);
    assert.deepEqual(lines, [
      `sealed with key ${key.keyId} (from the environment):`,
      "  admin_accounts.totp_secret: 1 sealed from plain, 0 re-sealed",
      "  admin_accounts.totp_pending: 0 sealed from plain, 0 re-sealed",
      "  admin_sessions.ip: 0 sealed from plain, 0 re-sealed",
      "  admin_audit_ip_keys.data_key: 0 sealed from plain, 0 re-sealed",
    ]);
    const once = await t.db.transaction((tx) => resealAdmin(tx, key));
    assert.ok(once.every((d) => d.sealed === 0 && d.resealed === 0), "once");
    const sealed = (await stored()).totp_secret!;
    assert.equal(key.sealedWith(sealed), key.keyId);
    assert.equal((await t.store.verifyLogin("olga", PASSWORD, await freshCode())).ok, true);

    // Another key: the start refuses, naming the table, the account and both keys; nothing changes.
    const wrong = await secretBox(parseSecretKey(newSecretKey(), "SECRETS_KEY"));
    const admin = [{ owner: "admin", reseal: resealAdmin }];
    await assert.rejects(
      () => resealAll(t.db, wrong, admin),
      new RegExp(
        `^SecretBoxError: table admin_accounts.totp_secret, row \\d+: admin_accounts.totp:\\d+ was sealed with key ${key.keyId}, and the key given is ${wrong.keyId}`,
      ),
    );
    await assert.rejects(() => t.storeWith(wrong).verifyLogin("olga", PASSWORD, t.code(secret)));
    assert.equal((await stored()).totp_secret, sealed);

    // Rotation: the new key, the old one as previous: re-sealed, and it signs in.
    const rotated = await secretBox(parseSecretKey(newSecretKey(), "SECRETS_KEY"), [
      parseSecretKey(t.keyText, "SECRETS_KEY_PREVIOUS"),
    ]);
    const done = await resealAll(t.db, rotated, admin);
    assert.equal(done.find((d) => d.table === "admin_accounts.totp_secret")?.resealed, 1);
    assert.equal(rotated.sealedWith((await stored()).totp_secret!), rotated.keyId);
    const after = t.storeWith(rotated);
    assert.equal((await after.verifyLogin("olga", PASSWORD, await freshCode())).ok, true);
  } finally {
    await t.stop();
  }
});

Deno.test("addresses at rest: sessions' and the audit's sealed, bound to their row, rotated with the chain intact", async () => {
  const t = await setup();
  const s = sessions({
    db: t.db,
    now: () => t.clock.instant(),
    idleSeconds: 60,
    maxSeconds: 600,
    box: t.box,
  });
  const audit = auditLog(t.db, () => t.clock.instant(), t.box);
  const admin = [{ owner: "admin", reseal: resealAdmin }];
  try {
    const { token } = await t.store.add("olga", "admin");
    const { secret } = await t.store.startSetup(token);
    await t.store.finishSetup(token, PASSWORD, t.code(secret));
    const account = (await t.store.get("olga"))!;
    await s.create(account, "203.0.113.7");
    await s.create(account, "2001:db8::1");
    await audit.write({ actor: "olga", action: "login", outcome: "ok", ip: "203.0.113.7" });
    await audit.write({ actor: "olga", action: "go-live", outcome: "ok", ip: "198.51.100.9" });
    await audit.write({ actor: "cli", action: "account.add", outcome: "ok" });

    // Raw SQL shows no address: not in the sessions, not in the audit rows, not in the keys.
    const raw = JSON.stringify([
      await t.db.query("select * from admin_sessions"),
      await t.db.query("select * from admin_audit"),
      await t.db.query("select * from admin_audit_ip_keys"),
    ]);
    for (const ip of ["203.0.113.7", "2001:db8::1", "198.51.100.9", "203.0.113", "2001:db8"]) {
      assert.ok(!raw.includes(ip), `${ip} is not stored in plain text`);
    }
    const ips = await t.db.query<{ ip: string }>("select ip from admin_sessions order by ip");
    assert.ok(ips.every((r) => r.ip.startsWith(`enc:v1:${t.box.keyId}:`)));
    // The panel's log reads them back.
    const read = async (box = t.box) =>
      (await auditLog(t.db, () => t.clock.instant(), box).query({ limit: 10 })).map((r) => r.ip);
    assert.deepEqual(await read(), [null, "198.51.100.9", "203.0.113.7"]);

    // An address written before sealing (the chained row keeps it: the chain pins it).
    await t.db.query(
      `insert into admin_audit (at, actor, action, outcome, ip) values (now(), 'old', 'login', 'ok', '192.0.2.1')`,
    );
    assert.equal((await read())[0], "192.0.2.1");

    // Rotation: sessions' addresses and the audit's data keys re-sealed; the chain unchanged.
    const chainBefore = await verifyChains(t.db);
    const rotatedText = newSecretKey();
    const rotated = await secretBox(parseSecretKey(rotatedText, "SECRETS_KEY"), [
      parseSecretKey(t.keyText, "SECRETS_KEY_PREVIOUS"),
    ]);
    const done = await resealAll(t.db, rotated, admin);
    assert.deepEqual(
      done.filter((d) => d.resealed).map((d) => [d.table, d.resealed]),
      [["admin_accounts.totp_secret", 1], ["admin_sessions.ip", 2], [
        "admin_audit_ip_keys.data_key",
        2,
      ]],
    );
    assert.deepEqual(await verifyChains(t.db), chainBefore, "the audit chain is untouched");
    assert.ok(chainBefore.find((c) => c.table === "admin_audit")?.broken === null);
    assert.deepEqual(await read(rotated), ["192.0.2.1", null, "198.51.100.9", "203.0.113.7"]);
    // The old key alone no longer opens the data keys.
    assert.deepEqual(await read(), ["192.0.2.1", null, "(does not open)", "(does not open)"]);

    // A data key copied to another row does not open there; the pass stops naming the table.
    const keys = await t.db.query<{ audit_id: string; data_key: string }>(
      "select audit_id::text, data_key from admin_audit_ip_keys order by audit_id",
    );
    await t.db.query("update admin_audit_ip_keys set data_key = $1 where audit_id = $2", [
      keys[0].data_key,
      keys[1].audit_id,
    ]);
    assert.deepEqual(await read(rotated), ["192.0.2.1", null, "(does not open)", "203.0.113.7"]);
    const next = await secretBox(parseSecretKey(newSecretKey(), "SECRETS_KEY"), [
      parseSecretKey(rotatedText, "SECRETS_KEY_PREVIOUS"),
    ]);
    await assert.rejects(
      () => resealAll(t.db, next, admin),
      new RegExp(
        `table admin_audit_ip_keys\\.data_key, row ${
          keys[1].audit_id
        }: .*does not open \\(altered or moved\\)`,
      ),
    );
    // Deleting a data key erases its address (the chain stays whole).
    await t.db.query("delete from admin_audit_ip_keys where audit_id = $1", [keys[1].audit_id]);
    assert.equal((await read(rotated))[2], "(erased)");
    assert.ok((await verifyChains(t.db)).every((c) => c.broken === null));
  } finally {
    await t.stop();
  }
});

Deno.test("addresses at rest: a session's address moved, cut short or garbage stops the pass, naming the table", async () => {
  const t = await setup();
  const s = sessions({
    db: t.db,
    now: () => t.clock.instant(),
    idleSeconds: 60,
    maxSeconds: 600,
    box: t.box,
  });
  const admin = [{ owner: "admin", reseal: resealAdmin }];
  const rotated = await secretBox(parseSecretKey(newSecretKey(), "SECRETS_KEY"), [
    parseSecretKey(t.keyText, "SECRETS_KEY_PREVIOUS"),
  ]);
  try {
    const { token } = await t.store.add("olga", "admin");
    const { secret } = await t.store.startSetup(token);
    await t.store.finishSetup(token, PASSWORD, t.code(secret));
    const account = (await t.store.get("olga"))!;
    await s.create(account, "203.0.113.7");
    await s.create(account, "203.0.113.8");
    const rows = await t.db.query<{ id_hash: string; ip: string }>(
      "select id_hash, ip from admin_sessions order by id_hash",
    );
    const [a, b] = rows;
    const put = (ip: string) =>
      t.db.query("update admin_sessions set ip = $1 where id_hash = $2", [ip, b.id_hash]);
    const bad = [
      [a.ip, /does not open \(altered or moved\)/], // another row's value
      [b.ip.slice(0, -6), /does not open/], // cut short
      [`enc:v1:${t.box.keyId}:!!!`, /does not open/], // garbage
      ["enc:v1:", /was sealed with key , and the key given/], // no key id
      ["enc:v2:zz", /neither a sealed value nor a plain one/], // not our format
      ["<script>", /neither a sealed value nor a plain one/], // not an address
    ] as const;
    for (const [value, why] of bad) {
      await put(value);
      const error = await resealAll(t.db, rotated, admin).then(() => null, (e) => e);
      assert.ok(error instanceof Error, `${value} refused`);
      assert.match(error.message, new RegExp(`^table admin_sessions\\.ip, row ${b.id_hash}: `));
      assert.match(error.message, why);
      assert.ok(!error.message.includes("\n    at "), "a message, never a stack");
    }
    // Nothing changed: one transaction.
    const after = await t.db.query<{ ip: string }>(
      "select ip from admin_sessions where id_hash = $1",
      [a.id_hash],
    );
    assert.equal(after[0].ip, a.ip);
  } finally {
    await t.stop();
  }
});

Deno.test("secrets at rest: the production profile will not start without SECRETS_KEY", async () => {
  assert.deepEqual(secretsProblems(readSettings({}), "production"), [
    "env.SECRETS_KEY: the production profile requires it (base64 of 32 bytes: openssl rand -base64 32)",
  ]);
  assert.deepEqual(
    secretsProblems(readSettings({ SECRETS_KEY: newSecretKey() }), "production"),
    [],
  );
  assert.deepEqual(secretsProblems(readSettings({}), "demo"), []);
  // A key that is not one is a config problem too (`check`, `start`), naming the variable only.
  assert.deepEqual(
    secretsProblems(
      readSettings({ SECRETS_KEY: newSecretKey(), SECRETS_KEY_PREVIOUS: "c2hvcnQ=" }),
      "demo",
    ),
    [
      "env.SECRETS_KEY_PREVIOUS (key 1) must be 32 bytes of base64 (openssl rand -base64 32); it is 5 bytes",
    ],
  );
  // A key that is not one is refused at start, naming the variable (and never its value).
  await assert.rejects(
    () => secretsOf({ SECRETS_KEY: "c2hvcnQ=", DATA_DIR: "/nonexistent" }),
    /SECRETS_KEY must be 32 bytes of base64 \(openssl rand -base64 32\); it is 5 bytes/,
  );
});
