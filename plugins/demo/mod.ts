/**
 * demo: makes `deno task start` a live show on the embedded chain. It links
 * the simulated bidders' wallets the way a person does (the link page's
 * challenge, a signature, then a `link <code>` tweet through the fake X
 * server), deposits ETH for them into escrow, and keeps a lot on the block:
 * whenever no auction is open or coming, it schedules the next one, selling
 * a token the custody account still owns. With a real chain it does nothing.
 */
import { createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type {} from "../chain/mod.ts";

export default definePlugin({
  name: "demo",
  config: z.object({
    /** The fake X server's base URL (its control API takes the link tweets). */
    fakeXUrl: z.string().url().default("http://127.0.0.1:8790"),
    hostHandle: z.string().default("SothebAIs"),
    /** Simulated bidders `@sim_bidder1…N`, one funded dev account each. */
    bidders: z.number().int().min(0).default(5),
    deposit: z.string().regex(/^\d+(\.\d+)?$/).default("10"),
    lotMinutes: z.number().positive().default(10),
    /** Minutes from scheduling a lot to its start (the pre-auction teaser). */
    leadMinutes: z.number().nonnegative().default(1),
    reserve: z.string().regex(/^\d+(\.\d+)?$/).default("0.5"),
  }),
  needs: ["auctions", "chain", "funds"],
  setup({ bus, clock, config, http: app, log, use }) {
    const chain = use("chain");
    const auctions = use("auctions");
    const funds = use("funds");
    const embedded = chain.embedded;
    if (!embedded) {
      log.info("a real chain is configured: the demo stays out of the way");
      return;
    }
    let stopped = false;

    const post = async (path: string, body: unknown) => {
      const response = await app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = await response.json();
      if (!json.ok) throw new Error(`${path}: ${json.message ?? response.status}`);
      return json;
    };

    const enrol = async (i: number) => {
      const handle = `@sim_bidder${i + 1}`;
      const bidder = embedded.bidders[i];
      if (!bidder) return;
      const account = privateKeyToAccount(bidder.privateKey);
      if (!(await funds.walletOf(handle))) {
        const { message } = await post("/link/challenge", {
          address: account.address,
          handle,
          chainId: embedded.chainId,
        });
        const { code } = await post("/link/signature", {
          message,
          signature: await account.signMessage({ message }),
        });
        const tweeted = await fetch(`${config.fakeXUrl}/_fake/tweets`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ author: handle, text: `@${config.hostHandle} link ${code}` }),
        });
        await tweeted.body?.cancel();
      }
      const balance = await funds.balanceOf(handle).catch(() => 0n);
      if (balance === 0n) {
        const wallet = createWalletClient({ account, transport: http(embedded.url) });
        await wallet.sendTransaction({
          to: chain.escrow,
          value: parseEther(config.deposit),
          chain: null,
        });
      }
    };

    let lot = auctions.list().filter((a) => a.auctionId.startsWith("demo-")).length;
    const scheduleLot = async () => {
      const busy = auctions.list().some((a) => ["scheduled", "open", "paused"].includes(a.status));
      if (busy) return;
      for (const tokenId of embedded.tokens) {
        const nft = { contract: embedded.nft, tokenId };
        if (!(await chain.checkCustody(nft)).ok) continue;
        const id = `demo-${++lot}`;
        const startsAt = clock.instant().add({ seconds: Math.round(config.leadMinutes * 60) });
        const endsAt = startsAt.add({ seconds: Math.round(config.lotMinutes * 60) });
        await chain.setLot(id, nft);
        await auctions.create({
          id,
          item: `Genesis #${tokenId}`,
          campaignId: null,
          startsAt,
          endsAt,
          maxEndsAt: endsAt.add({ minutes: 10 }),
          reserveWei: parseEther(config.reserve),
          minIncrementBps: 500,
          minIncrementWei: parseEther("0.01"),
          extensionWindowSeconds: 60,
          extensionSeconds: 60,
          ingestGraceSeconds: 10,
        });
        log.info("demo lot scheduled", { auctionId: id, tokenId, startsAt: startsAt.toString() });
        return;
      }
      log.warn("every demo token is sold: no more lots");
    };

    let cancel = () => {};
    const tick = async () => {
      try {
        await scheduleLot();
      } catch (error) {
        log.warn("demo lot not scheduled", { error });
      }
      if (!stopped) cancel = clock.after(30_000, tick);
    };
    // Off the start path, once every plugin's routes are mounted.
    const off = bus.on("engine.started", async () => {
      for (let i = 0; i < config.bidders && !stopped; i++) {
        await enrol(i).catch((error) => log.warn("demo bidder not enrolled", { i, error }));
      }
      await tick();
    });
    return () => {
      stopped = true;
      off();
      cancel();
    };
  },
});
