/**
 * The demo's enrolment: funds that cannot be read are unknown, not zero — no
 * deposit is sent until the balance is known; a known zero sends one; a deposit
 * still confirming is not sent again, even by a restarted engine; while a lot
 * settles nobody deposits again (its refunds land first).
 */
import { createPublicClient, http } from "viem";
import { virtualClock } from "../../core/clock.ts";
import { createLog } from "../../core/log.ts";
import { assert, assertEquals, startTestEngine } from "../../core/testing.ts";
import { devAccount } from "../../plugins/chain/embedded_chain.ts";
import { anvilAvailable, withAnvil } from "../../plugins/chain/tests/chain_kit.ts";
import { testStorage } from "../../tests/engine.ts";
import type { ServiceOf } from "../../core/plugin.ts";
import { bidderEnrolment } from "./enrolment.ts";
import { standIn } from "./tests/stand_in_chain.ts";

const ready = await anvilAvailable();

Deno.test({
  name: "demo: unreadable funds send no deposit; a zero balance sends one, once, across a restart",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const storage = testStorage();
      const clock = virtualClock("2026-11-25T18:59:00-05:00");
      const start = () =>
        startTestEngine(storage.env, [
          {
            label: "stand-in-chain",
            specifier: new URL("./tests/stand_in_chain.ts", import.meta.url).href,
            config: { url: node.url },
          },
          {
            label: "auction",
            specifier: new URL("../../plugins/auction/mod.ts", import.meta.url).href,
            config: { watermark: "clock" },
          },
          {
            label: "demo",
            specifier: new URL("./mod.ts", import.meta.url).href,
            config: { bidders: 1, checkSeconds: 1 },
          },
        ], { clock });
      const client = createPublicClient({ transport: http(node.url), cacheTime: 0 });
      const bidder = devAccount(1); // @sim_bidder1
      const sent = () => client.getTransactionCount({ address: bidder.account.address });
      /** Rounds of the demo's day: a virtual second each, with real time for its work. */
      const rounds = async (n: number) => {
        for (let i = 0; i < n; i++) {
          await clock.advance(1000);
          await new Promise((r) => setTimeout(r, 30));
        }
      };
      let engine = await start();
      try {
        standIn.balance = "unavailable";
        await rounds(5);
        assert(standIn.balanceCalls >= 3, `asked ${standIn.balanceCalls} times`);
        assertEquals(await sent(), 0, "no deposit while the balance is unknown");

        standIn.balance = 0n;
        await rounds(3);
        assertEquals(await sent(), 1, "a known zero: one deposit");
        await rounds(3);
        assertEquals(await sent(), 1, "not again while it is mined");

        // A new engine on the same folder: the deposit is still confirming ("seen").
        await engine.stop();
        engine = await start();
        await clock.advance(120_000); // past the run's own memory of what it sent
        await rounds(3);
        assertEquals(await sent(), 1, "not again after a restart while it confirms");

        // Credited, then spent (refunded after a lot): a new deposit is due.
        standIn.deposit = { ok: true, amountWei: 1n, stage: "final" };
        await rounds(3);
        assertEquals(await sent(), 2);
      } finally {
        await engine.stop();
        await storage.remove();
      }
    });
  },
});

Deno.test({
  name:
    "demo: while a lot's settlement is unfinished nobody deposits again; once it is, a spent balance does",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const dir = Deno.makeTempDirSync({ prefix: "sothebais-demo-" });
      const clock = virtualClock("2026-11-25T20:40:00-05:00");
      const client = createPublicClient({ transport: http(node.url), cacheTime: 0 });
      const bidder = devAccount(1);
      const sent = () => client.getTransactionCount({ address: bidder.account.address });
      let settling = true;
      const enrol = bidderEnrolment({
        // A spent balance whose last deposit was credited: a deposit is due, but for the lot.
        chain: {
          escrow: devAccount(0).account.address,
          verifyDepositTx: () => Promise.resolve({ ok: true, amountWei: 1n, stage: "final" }),
        } as unknown as ServiceOf<"chain">,
        funds: {
          walletOf: () => Promise.resolve(bidder.account.address),
          balanceOf: () => Promise.resolve(0n),
        },
        embedded: {
          url: node.url,
          chainId: 31337,
          nft: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
          tokens: [1n],
          bidders: [{ address: bidder.account.address, privateKey: bidder.privateKey }],
        },
        clock,
        log: createLog("test", { level: "error" }),
        dataDir: dir,
        request: () => new Response(null, { status: 500 }),
        hostHandle: "SothebAIs",
        bidders: 1,
        deposit: "1",
        stopped: () => false,
        settling: () => settling,
      });
      try {
        await enrol();
        await enrol();
        assertEquals(await sent(), 0, "its refund is on its way: no deposit yet");
        settling = false;
        await enrol();
        assertEquals(await sent(), 1, "settled: the spent balance is deposited again");
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    });
  },
});
