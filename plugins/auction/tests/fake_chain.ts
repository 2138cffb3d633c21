/**
 * A stand-in `chain` plugin for the auction's tests: custody and deposit-tx answers are
 * set by the test through `fakeChain` (no anvil). Provides only `chain`; `funds` stays
 * with funds-book.
 */
import { z } from "zod";
import { definePlugin } from "../../../core/plugin.ts";
import type { ChainGate } from "../auction_runtime.ts";

type Custody = Awaited<ReturnType<ChainGate["checkAuctionCustody"]>>;
type TxCheck = Awaited<ReturnType<ChainGate["verifyDepositTx"]>>;

export const fakeChain = {
  custody: null as Custody,
  custodyCalls: [] as string[],
  /** Answers by tx hash; a hash not listed is not found. */
  txs: new Map<string, TxCheck>(),
  verifyCalls: [] as Array<[string, string, bigint]>,
  /** Auctions whose closing this stand-in heard (the real one plans settlement on it). */
  closed: [] as string[],
  reset() {
    this.custody = null;
    this.custodyCalls = [];
    this.closed = [];
    this.txs.clear();
    this.verifyCalls = [];
  },
};

const gate: ChainGate = {
  checkAuctionCustody(auctionId) {
    fakeChain.custodyCalls.push(auctionId);
    return Promise.resolve(fakeChain.custody);
  },
  verifyDepositTx(handle, txHash, minWei) {
    fakeChain.verifyCalls.push([handle, txHash, minWei]);
    return Promise.resolve(
      fakeChain.txs.get(txHash) ?? { ok: false, message: "no mined transfer with this hash" },
    );
  },
};

export default definePlugin({
  name: "chain",
  config: z.object({}),
  provides: ["chain"],
  listens: ["auction.closed"],
  setup(ctx) {
    ctx.provide("chain", gate as never);
    return ctx.bus.on("auction.closed", (e) => {
      fakeChain.closed.push(e.payload.auctionId);
    });
  },
});
