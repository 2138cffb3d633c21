/**
 * A `chain` and `funds` provider for the demo's tests: an "embedded" chain that
 * is a real anvil node (the demo's deposits are real transactions), with
 * balances and deposit checks the test sets, and every bidder linked already.
 */
import { z } from "zod";
import { definePlugin } from "../../../core/plugin.ts";
import { FundsUnavailableError } from "../../../plugins/auction/funds.ts";
import type { ChainService, DepositTxCheck } from "../../../plugins/chain/mod.ts";
import { devAccount } from "../../../plugins/chain/embedded_chain.ts";

export const standIn = {
  /** A balance, or "unavailable" (FundsUnavailableError). */
  balance: "unavailable" as bigint | "unavailable",
  balanceCalls: 0,
  deposit: { ok: true, amountWei: 1n, stage: "seen" } as DepositTxCheck,
};

export default definePlugin({
  name: "stand-in-chain",
  config: z.object({ url: z.string() }),
  provides: ["funds", "chain"],
  setup({ config, provide }) {
    const bidders = [1, 2].map((i) => {
      const { account, privateKey } = devAccount(i);
      return { address: account.address, privateKey };
    });
    const linked = new Map(bidders.map((b, i) => [`@sim_bidder${i + 1}`, b.address]));
    provide("funds", {
      walletOf: (handle) => Promise.resolve(linked.get(handle) ?? null),
      balanceOf() {
        standIn.balanceCalls++;
        if (standIn.balance === "unavailable") {
          return Promise.reject(new FundsUnavailableError("the chain cannot be read now"));
        }
        return Promise.resolve(standIn.balance);
      },
    });
    const chain: Partial<ChainService> = {
      escrow: devAccount(0).account.address,
      chainId: 31337,
      embedded: {
        url: config.url,
        chainId: 31337,
        nft: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        tokens: [1n],
        bidders,
      },
      checkCustody: () => Promise.resolve({ ok: true } as never),
      checkAuctionCustody: () => Promise.resolve(null),
      setLot: () => Promise.resolve(),
      verifyDepositTx: () => Promise.resolve(standIn.deposit),
    };
    provide("chain", chain as ChainService);
  },
});
