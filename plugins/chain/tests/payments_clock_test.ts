/**
 * Settlement's payments wait for receipts on the engine's clock (on anvil with
 * mining by hand): a mined receipt is asked for again only when the clock says
 * so, a wait gives up after `receiptTimeoutMs` of the clock (the step resumes on
 * the next run), and a stop ends a wait at once.
 */
import type { Hash } from "viem";
import { virtualClock } from "../../../core/clock.ts";
import { createLog } from "../../../core/log.ts";
import { assert, assertEquals, assertRejects } from "../../../core/testing.ts";
import { withTimeout } from "../../../core/timeout.ts";
import { createPayments, type PayoutRow, SettlementStopped } from "../settlement_payments.ts";
import {
  anvilAvailable,
  bidders,
  chainEngine,
  clientsFor,
  escrow,
  eventually,
  withAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();

Deno.test({
  name: "payments: receipts are waited for on the engine's clock, and time out on it",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const clock = virtualClock("2026-11-25T21:00:00-05:00");
      const { engine } = await chainEngine({ urls: [node.url], clock });
      const { client, test } = clientsFor(node);
      const payments = createPayments({
        db: engine.db,
        client,
        account: escrow.account,
        clock,
        log: createLog("test", { level: "error" }),
        pollMs: 100,
        receiptTimeoutMs: 5000,
      });
      const planned = async (auctionId: string) => {
        const [row] = await engine.db.query<PayoutRow>(
          `insert into chain_payouts (auction_id, kind, address, amount_wei, state, updated_at)
           values ($1, 'refund', $2, 1, 'planned', now()) returning *`,
          [auctionId, bidders[0].address],
        );
        return row;
      };
      /** Pays, and resolves once its transaction waits in the node's pool. */
      const paying = async (row: PayoutRow) => {
        let outcome: PayoutRow | Error | undefined;
        const paid = payments.pay(row, { to: bidders[0].address, value: 1n })
          .then((r) => outcome = r, (e) => outcome = e);
        const hash = await eventually(
          async () => (await payments.reload(row.id)).tx_hash,
          "signed",
        );
        await eventually(
          () => client.getTransaction({ hash: hash as Hash }).catch(() => null),
          "sent",
        );
        await new Promise((r) => setTimeout(r, 100)); // its first look for the receipt is over
        return { paid, outcome: () => outcome };
      };
      try {
        await test.setAutomine(false);

        // Mined, but the clock has not moved: the receipt is not asked for again.
        const first = await paying(await planned("a1"));
        await test.mine({ blocks: 1 });
        await new Promise((r) => setTimeout(r, 400)); // 4 polls' worth of real time
        assertEquals(first.outcome(), undefined, "waits for the clock, not for real time");
        await clock.advance(100);
        await withTimeout(first.paid, 5000, "the payment after the clock moved");
        assertEquals((first.outcome() as PayoutRow).state, "confirmed");

        // Never mined: it gives up once 5 s of the clock have passed, whatever real time did.
        const a2 = await planned("a2");
        const second = await paying(a2);
        await clock.advance(4000);
        await new Promise((r) => setTimeout(r, 100));
        assertEquals(second.outcome(), undefined, "4 s of the clock: still waiting");
        await clock.advance(2000);
        await withTimeout(second.paid, 5000, "the timeout");
        const error = second.outcome() as Error;
        assert(error instanceof Error && /no receipt for .* yet/.test(error.message), `${error}`);

        // A stop ends the wait of the same payment, resumed, at once.
        const resumed = await payments.reload(a2.id);
        assertEquals(resumed.state, "signed", "signed once, kept for the next run");
        const third = payments.pay(resumed, { to: bidders[0].address, value: 1n });
        await new Promise((r) => setTimeout(r, 100));
        payments.stop();
        await assertRejects(() => withTimeout(third, 5000, "the stop"), SettlementStopped);
      } finally {
        await engine.stop();
      }
    });
  },
});
