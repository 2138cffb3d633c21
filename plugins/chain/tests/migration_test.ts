/**
 * Migration 005 (links by X account) on data written by the handle-keyed schema:
 * every row is kept and moved to its account, including the link a handle's new
 * owner overwrote (found in the audit), so the previous owner's escrow is its own.
 */
import { parseEther } from "viem";
import { readSettings } from "../../../core/config.ts";
import { openDatabase } from "../../../core/engine.ts";
import { migrate, readMigrations } from "../../../core/migrate.ts";
import type { Funds } from "../../auction/funds.ts";
import { assert, assertEquals, assertRejects } from "../../../core/testing.ts";
import { newSecretKey, parseSecretKey, secretBox } from "../../../core/secret_box.ts";
import { anvilAvailable, bidders, linkWallet, restartableEngines, withAnvil } from "./chain_kit.ts";

const ready = await anvilAvailable();

type Started = Awaited<ReturnType<ReturnType<typeof restartableEngines>["start"]>>["engine"];

/** chain_links as the engine opens them, by account. */
async function openedLinks(engine: Started) {
  const rows = await engine.db.query<{ x_user_id: string; address: string }>(
    "select x_user_id, address from chain_links order by x_user_id",
  );
  const box = engine.secrets.box;
  return await Promise.all(rows.map(async (r) => ({
    x_user_id: r.x_user_id,
    address: await box.open(r.address, `chain_links.address:${r.x_user_id}`),
  })));
}

/** chain_wallets as the engine opens them, by account and link time. */
async function openedWallets(engine: Started) {
  const rows = await engine.db.query<{ x_user_id: string; address: string; address_mac: string }>(
    "select x_user_id, address, address_mac from chain_wallets order by x_user_id, linked_at",
  );
  const box = engine.secrets.box;
  return await Promise.all(rows.map(async (r) => ({
    x_user_id: r.x_user_id,
    address: await box.open(r.address, `chain_wallets.address:${r.address_mac}`),
  })));
}

/** No table that pairs a wallet with an account holds any of `addresses` in the clear. */
async function assertNoPlainPairing(engine: Started, addresses: string[]) {
  for (const table of ["chain_links", "chain_wallets", "chain_challenges", "chain_link_audit"]) {
    const raw = JSON.stringify(await engine.db.query(`select * from ${table}`)).toLowerCase();
    for (const a of addresses) {
      assert(!raw.includes(a.slice(2).toLowerCase()), `${table} holds ${a} in the clear`);
    }
  }
}
/** The engines' database at the chain's migrations before `id`: what an older engine left. */
async function databaseBefore(engines: ReturnType<typeof restartableEngines>, id: string) {
  const { db } = await openDatabase(readSettings(engines.env), undefined, { lock: false });
  const all = await readMigrations(new URL("../migrations/", import.meta.url));
  await migrate(db, "chain", all.filter((m) => m.id < id));
  return { db, q: (sql: string, params: unknown[] = []) => db.query(sql, params) };
}

const [a1, b1, c1, d1, d2] = bidders.map((b) => b.address);
const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 20, minute));

Deno.test({
  name:
    "migration 005: handle-keyed links, bidders, leaders, keeps and settlements move to their accounts",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const engines = restartableEngines({ urls: [node.url] });
      try {
        const { db, q } = await databaseBefore(engines, "005");
        // Account 1 linked a1 as @alice; account 2 took the handle and overwrote that row.
        // Account 4 linked d1 as @dave, renamed itself @dave2 and linked d2: two rows.
        for (
          const [minute, handle, id, address, outcome, previous] of [
            [1, "@alice", "1", a1, "linked", null],
            [2, "@carol", "3", c1, "linked", null],
            [3, "@dave", "4", d1, "linked", null],
            [4, "@alice", "2", b1, "relinked", a1],
            [5, "@dave2", "4", d2, "linked", null],
          ] as const
        ) {
          await q(
            `insert into chain_link_audit (at, handle, x_user_id, address, previous_address, outcome)
             values ($1, $2, $3, $4, $5, $6)`,
            [at(minute), handle, id, address, previous, outcome],
          );
          if (handle === "@alice" && id === "1") continue; // overwritten by account 2
          await q(
            `insert into chain_links (handle_key, handle, x_user_id, address, linked_at, nonce)
             values ($1, $1, $2, $3, $4, 'n')`,
            [handle, id, address, at(minute)],
          );
        }
        await q(
          "insert into chain_link_audit (at, handle, x_user_id, outcome, reason) values ($1, '@eve', '5', 'refused', 'expired')",
          [at(6)],
        );
        for (
          const [i, [address, eth]] of [[a1, "1"], [b1, "0.3"], [d1, "0.4"], [d2, "0.1"]].entries()
        ) {
          await q(
            `insert into chain_deposits (tx_hash, address, amount_wei, block_number, block_hash, source, stage, seen_at)
             values ($1, $2, $3, 1, '0x', 'tx', 'final', now())`,
            [`0x${String(i).padStart(64, "0")}`, address, parseEther(eth)],
          );
        }
        await q(
          "insert into chain_auction_bidders values ('a1', '@alice', '@Alice'), ('a1', '@carol', '@carol'), ('a1', '@nobody', '@nobody')",
        );
        await q(
          "insert into chain_auction_leaders values ('a2', 'open', '@carol', $1, now())",
          [parseEther("0.1")],
        );
        await q("insert into chain_keep values ($1, true, now())", [c1]);
        await q(
          `insert into chain_settlements (auction_id, state, winner_handle, winner_address, price_wei, created_at, updated_at)
           values ('a0', 'settled', '@carol', $1, 1, now(), now())`,
          [c1],
        );
        await db.close();

        const { engine } = await engines.start();
        try {
          const funds = engine.service<Funds>("funds");
          // The overwritten link is back: account 1's wallet and escrow are its own again.
          assertEquals(await funds.walletOf("@alice", "1"), a1);
          assertEquals(await funds.balanceOf("@alice", "1"), parseEther("1"));
          assertEquals(await funds.walletOf("@alice", "2"), b1);
          assertEquals(await funds.balanceOf("@alice", "2"), parseEther("0.3"));
          assertEquals(await funds.walletOf("@alice"), b1); // the handle's latest link
          // Account 4: one link (its latest wallet), escrow over both wallets.
          assertEquals(await funds.walletOf("@dave2", "4"), d2);
          assertEquals(await funds.walletOf("@dave"), null);
          assertEquals(await funds.balanceOf("@dave2", "4"), parseEther("0.5"));
          const rows = async (sql: string) => await engine.db.query(sql);
          // Sealed by the first start (migration 006): opened here, and nothing plain at rest.
          assertEquals(await openedLinks(engine), [
            { x_user_id: "1", address: a1 },
            { x_user_id: "2", address: b1 },
            { x_user_id: "3", address: c1 },
            { x_user_id: "4", address: d2 },
          ]);
          assertEquals(await openedWallets(engine), [
            { x_user_id: "1", address: a1 },
            { x_user_id: "2", address: b1 },
            { x_user_id: "3", address: c1 },
            { x_user_id: "4", address: d1 },
            { x_user_id: "4", address: d2 },
          ]);
          await assertNoPlainPairing(engine, [a1, b1, c1, d1, d2]);
          assertEquals(
            await rows(
              "select auction_id, x_user_id, handle from chain_auction_bids order by x_user_id",
            ),
            [
              { auction_id: "a1", x_user_id: "2", handle: "@Alice" },
              { auction_id: "a1", x_user_id: "3", handle: "@carol" },
            ],
          );
          assertEquals(await rows("select auction_id, leader_id from chain_auction_leaders"), [
            { auction_id: "a2", leader_id: "3" },
          ]);
          assertEquals(await rows("select x_user_id, keep from chain_account_keep"), [
            { x_user_id: "3", keep: true },
          ]);
          assertEquals(await rows("select winner_id from chain_settlements"), [{ winner_id: "3" }]);
        } finally {
          await engine.stop();
        }
      } finally {
        await engines.cleanup();
      }
    });
  },
});

Deno.test({
  name:
    "migration 006: plain pairings of before sealed at the first start; lookups, one account a wallet, rotation, a moved value and a wrong key",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const engines = restartableEngines({ urls: [node.url] });
      const [k1, k2, k3, wrong] = [1, 2, 3, 4].map(() => newSecretKey());
      const idOf = async (k: string) => (await secretBox(parseSecretKey(k, "k"))).keyId;
      try {
        const { db, q } = await databaseBefore(engines, "006");
        // What the code of before wrote: two accounts, account 2 with two wallets.
        for (
          const [minute, handle, id, address, current] of [
            [1, "@alice", "1", a1, true],
            [2, "@bob", "2", b1, false],
            [3, "@bob", "2", c1, true],
          ] as const
        ) {
          await q("insert into chain_wallets (address, x_user_id, linked_at) values ($1, $2, $3)", [
            address,
            id,
            at(minute),
          ]);
          await q(
            `insert into chain_link_audit (at, handle, x_user_id, address, previous_address, outcome)
             values ($1, $2, $3, $4, $5, $6)`,
            [at(minute), handle, id, address, current && id === "2" ? b1 : null, "linked"],
          );
          if (!current) continue;
          await q(
            `insert into chain_links (handle_key, handle, x_user_id, address, linked_at, nonce)
             values ($1, $1, $2, $3, $4, $5)`,
            [handle, id, address, at(minute), `nonce${minute}`],
          );
        }
        await q(
          `insert into chain_challenges (nonce, address, handle, x_user_id, chain_id, message,
             issued_at, expires_at, code, signature, verified_at, used_at)
           values ('nonce3', $1, '@bob', '2', 31337, $2, $3, $3, 'K7Q2MX', $4, $3, $3)`,
          [
            c1,
            `auction.test wants you to sign in with your Ethereum account:\n${c1}\n`,
            at(3),
            `0x${"ab".repeat(65)}`,
          ],
        );
        for (const [i, [address, eth]] of [[a1, "1"], [b1, "0.3"], [c1, "0.2"]].entries()) {
          await q(
            `insert into chain_deposits (tx_hash, address, amount_wei, block_number, block_hash, source, stage, seen_at)
             values ($1, $2, $3, 1, '0x', 'tx', 'final', now())`,
            [`0x${String(i).padStart(64, "0")}`, address, parseEther(eth)],
          );
        }
        await db.close();

        engines.env.SECRETS_KEY = k1;
        let { engine } = await engines.start();
        const macs = async () =>
          (await engine.db.query<{ address_mac: string }>(
            "select address_mac from chain_wallets order by address_mac",
          )).map((r) => r.address_mac);
        let before: string[];
        try {
          await assertNoPlainPairing(engine, [a1, b1, c1]);
          assertEquals(await openedLinks(engine), [
            { x_user_id: "1", address: a1 },
            { x_user_id: "2", address: c1 },
          ]);
          const funds = engine.service<Funds>("funds");
          assertEquals(await funds.walletOf("@alice", "1"), a1);
          assertEquals(await funds.walletOf("@bob"), c1);
          // Funds by account: over both of account 2's wallets, as before.
          assertEquals(await funds.balanceOf("@bob", "2"), parseEther("0.5"));
          assertEquals(await funds.balanceOf("@alice", "1"), parseEther("1"));
          // One account a wallet still holds, found by the mac: b1 is account 2's for good.
          await assertRejects(
            () => linkWallet(engine, bidders[1], "@mallory", "9"),
            Error,
            "wallet-in-use",
          );
          await linkWallet(engine, bidders[3], "@dave", "4");
          assertEquals(await funds.walletOf("@dave", "4"), d1);
          await assertNoPlainPairing(engine, [a1, b1, c1, d1]);
          before = await macs();
        } finally {
          await engine.stop();
        }

        // Rotation: the new key, the old one previous; the start re-seals and re-keys every row.
        engines.env.SECRETS_KEY = k2;
        engines.env.SECRETS_KEY_PREVIOUS = k1;
        ({ engine } = await engines.start());
        try {
          const box = engine.secrets.box;
          assertEquals(box.keyId, await idOf(k2));
          const after = await macs();
          assertEquals(after.length, 4);
          assert(after.every((m) => !before.includes(m)), "every mac re-keyed");
          for (
            const [table, columns] of [
              ["chain_links", ["address"]],
              ["chain_wallets", ["address"]],
              ["chain_challenges", ["address", "message", "signature"]],
              ["chain_link_audit", ["address", "previous_address"]],
            ] as const
          ) {
            for (const c of columns) {
              const values = await engine.db.query<{ v: string }>(
                `select ${c} as v from ${table} where ${c} is not null`,
              );
              assert(values.length > 0, `${table}.${c} has values`);
              assert(values.every((r) => box.sealedWith(r.v) === box.keyId), `${table}.${c}`);
            }
          }
          const funds = engine.service<Funds>("funds");
          assertEquals(await funds.walletOf("@alice", "1"), a1);
          assertEquals(await funds.balanceOf("@bob", "2"), parseEther("0.5"));
          await assertRejects(
            () => linkWallet(engine, bidders[2], "@mallory", "9"),
            Error,
            "wallet-in-use",
          );
        } finally {
          await engine.stop();
        }

        // A wrong key (the old ones not given) refuses to start, naming both key ids.
        engines.env.SECRETS_KEY = wrong;
        engines.env.SECRETS_KEY_PREVIOUS = "";
        await assertRejects(
          () => engines.start(),
          Error,
          `was sealed with key ${await idOf(k2)}, and the key given is ${await idOf(wrong)}`,
        );

        // A sealed value copied to another row does not open: the lookup names table and row.
        engines.env.SECRETS_KEY = k2;
        ({ engine } = await engines.start());
        try {
          await engine.db.query(
            `update chain_links set address = (select address from chain_links where x_user_id = '1')
             where x_user_id = '2'`,
          );
          const error = await engine.service<Funds>("funds").walletOf("@bob", "2").then(
            () => null,
            (e) => e,
          );
          assert(error instanceof Error, "the moved value is refused");
          assertEquals(
            error.message,
            "table chain_links, row 2: chain_links.address:2: the sealed value does not open (altered or moved)",
          );
        } finally {
          await engine.stop();
        }
        // The next rotation opens every value: it stops, naming the table and the row.
        engines.env.SECRETS_KEY = k3;
        engines.env.SECRETS_KEY_PREVIOUS = k2;
        const refused = await engines.start().then(() => null, (e) => e);
        assert(refused instanceof Error, "the start refuses");
        assertEquals(
          refused.message,
          "table chain_links.address, row 2: chain_links.address:2: the sealed value does not open (altered or moved)",
        );
      } finally {
        await engines.cleanup();
      }
    });
  },
});
