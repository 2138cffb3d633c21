/**
 * Rotation as operators run it (child processes): `main.ts rekey` seals the plain values of
 * before and names each table it did; after a rotation (the new key in SECRETS_KEY, the old in
 * SECRETS_KEY_PREVIOUS) it re-seals them; with a key that did not seal them, `rekey` and `start`
 * stop with a message naming the table and both key ids (never a stack), changing nothing.
 * On Postgres, `rekey` refuses while an engine leads (it keeps the key it started with).
 * `main.ts admin rekey` still does the panel's part.
 */
import { readSettings } from "../core/config.ts";
import { openDatabase } from "../core/engine.ts";
import { newSecretKey, parseSecretKey, secretBox } from "../core/secret_box.ts";
import { assert, assertEquals } from "../core/testing.ts";
import { cli, exited, freePort, killQuietly, root, startCli } from "./cli.ts";
import { testStorage } from "./engine.ts";
import { tempDir } from "./services.ts";

async function run(args: string[], env: Record<string, string>) {
  const out = await cli(args, { ...env, LOG_LEVEL: "error" }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

const idOf = async (key: string) => (await secretBox(parseSecretKey(key, "K"))).keyId;

Deno.test({
  name: "main.ts rekey: seals, re-seals after a rotation, names the table and keys it cannot open",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = tempDir();
    const storage = testStorage();
    const config = `${dir.path}/sothebais.json`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        sothebais: {
          plugins: [
            { module: `${root}plugins/funds-book/mod.ts` },
            { module: `${root}plugins/auction/mod.ts`, config: { watermark: "clock" } },
            { module: `${root}admin/mod.ts` },
          ],
        },
      }),
    );
    const [k1, k2, k3] = [newSecretKey(), newSecretKey(), newSecretKey()];
    const env = (key: string, previous = "") => ({
      ...storage.env,
      PORT: String(freePort()),
      SECRETS_KEY: key,
      SECRETS_KEY_PREVIOUS: previous,
    });
    const stored = async () => {
      const { db, lock } = await openDatabase(readSettings(storage.env));
      try {
        return JSON.stringify([
          await db.query("select totp_secret from admin_accounts"),
          await db.query("select ip from admin_sessions"),
          await db.query("select address from funds_book_wallets"),
        ]);
      } finally {
        await db.close();
        lock?.release();
      }
    };
    try {
      assertEquals((await run(["migrate", "--config", config], env(k1))).code, 0);
      // Rows from before sealing: a TOTP secret and a session's address in plain text.
      {
        const { db, lock } = await openDatabase(readSettings(storage.env));
        await db.query(
          `insert into admin_accounts (id, name, role, status, totp_secret, created_at, updated_at)
           values (1, 'olga', 'admin', 'active', 'JBSWY3DPEHPK3PXP', now(), now())`,
        );
        await db.query(
          `insert into admin_sessions (id_hash, account_id, csrf_token, created_at, last_seen_at,
             expires_at, ip) values ('h1', 1, 'c', now(), now(), now(), '203.0.113.7')`,
        );
        // A wallet ↔ account pairing of before (the funds book's).
        await db.query(
          "insert into funds_book_wallets (handle, address) values ('@olga', $1)",
          [`0x${"a7".repeat(20)}`],
        );
        await db.close();
        lock?.release();
      }
      const first = await run(["rekey", "--config", config], env(k1));
      assertEquals(first.code, 0, first.text);
      assert(first.text.includes(`sealed with key ${await idOf(k1)} (from the environment):`));
      assert(first.text.includes("admin_accounts.totp_secret: 1 sealed from plain, 0 re-sealed"));
      assert(first.text.includes("admin_sessions.ip: 1 sealed from plain, 0 re-sealed"));
      assert(
        first.text.includes("funds_book_wallets.address: 1 sealed from plain, 0 re-sealed"),
        first.text,
      );
      assert(!first.text.includes(k1), "the key is never printed");
      const plainGone = await stored();
      assert(!plainGone.includes("JBSWY3DPEHPK3PXP") && !plainGone.includes("203.0.113.7"));
      assert(!plainGone.includes("a7".repeat(20)), "the wallet is sealed");

      // A rotation: the new key, the old one as previous.
      const second = await run(["rekey", "--config", config], env(k2, k1));
      assertEquals(second.code, 0, second.text);
      assert(second.text.includes("admin_accounts.totp_secret: 0 sealed from plain, 1 re-sealed"));
      assert(second.text.includes("admin_sessions.ip: 0 sealed from plain, 1 re-sealed"));
      assert(second.text.includes("funds_book_wallets.address: 0 sealed from plain, 1 re-sealed"));
      const underK2 = await stored();
      assert(underK2.includes(`enc:v1:${await idOf(k2)}:`));

      // A key that did not seal them: refused, naming the table and both keys; nothing changes.
      // (The funds book is listed first: its pass is the first to meet a value it cannot open.)
      const why = new RegExp(
        `table funds_book_wallets\\.address, row @olga: funds_book_wallets\\.address:@olga was sealed with key ${await idOf(
          k2,
        )}, and the key given is ${await idOf(k3)}`,
      );
      for (const args of [["rekey"], ["start"]]) {
        const refused = await run([...args, "--config", config], env(k3));
        assertEquals(refused.code, 1, refused.text);
        assert(why.test(refused.text), refused.text);
        assert(!/\n\s+at /.test(refused.text), `a message, never a stack: ${refused.text}`);
      }
      assertEquals(await stored(), underK2, "nothing changed");

      // On Postgres a running engine keeps the key it started with: rekey refuses while one leads.
      if (storage.env.DATABASE_URL) {
        const running = startCli(["--config", config, "--log", "json"], {
          ...env(k2),
          LOG_LEVEL: "info",
        });
        try {
          await running.entry("engine started");
          const refused = await run(["rekey", "--config", config], env(k3, k2));
          assertEquals(refused.code, 1, refused.text);
          assert(
            /rekey: engine \S+ leads this database: stop the engines first/.test(refused.text),
          );
          const panel = await run(["admin", "rekey", "--config", config], env(k3, k2));
          assertEquals(panel.code, 1, panel.text);
          assert(panel.text.includes("admin rekey: an engine leads this database"), panel.text);
          assertEquals(await stored(), underK2, "nothing changed");
        } finally {
          killQuietly(running.child, "SIGTERM");
          await exited(running.child);
        }
      }

      // The panel's own command does its part.
      const admin = await run(["admin", "rekey", "--config", config], env(k2));
      assertEquals(admin.code, 0, admin.text);
      assert(admin.text.includes("admin_sessions.ip: 0 sealed from plain, 0 re-sealed"));
    } finally {
      await storage.remove();
      dir.remove();
    }
  },
});
