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
import { assertEquals } from "../../../core/testing.ts";
import { anvilAvailable, bidders, restartableEngines, withAnvil } from "./chain_kit.ts";

const ready = await anvilAvailable();
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
        const { db } = await openDatabase(readSettings(engines.env), undefined, { lock: false });
        const all = await readMigrations(new URL("../migrations/", import.meta.url));
        await migrate(db, "chain", all.filter((m) => m.id < "005"));
        const q = (sql: string, params: unknown[] = []) => db.query(sql, params);
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
          assertEquals(
            await rows("select x_user_id, address from chain_links order by x_user_id"),
            [
              { x_user_id: "1", address: a1 },
              { x_user_id: "2", address: b1 },
              { x_user_id: "3", address: c1 },
              { x_user_id: "4", address: d2 },
            ],
          );
          assertEquals(
            await rows(
              "select x_user_id, address from chain_wallets order by x_user_id, linked_at",
            ),
            [
              { x_user_id: "1", address: a1 },
              { x_user_id: "2", address: b1 },
              { x_user_id: "3", address: c1 },
              { x_user_id: "4", address: d1 },
              { x_user_id: "4", address: d2 },
            ],
          );
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
