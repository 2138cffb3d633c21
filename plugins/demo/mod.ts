/**
 * demo: makes `deno task start` a live show on the embedded chain, as a
 * compressed campaign day that repeats: pre-auction (`preMinutes`), the
 * auction (`auctionMinutes`, where the simulator's snipe makes an extension),
 * post-auction until the lot is settled on chain and `postMinutes` have passed.
 * It announces each phase as `campaign.phase`, like a campaign's day.
 *
 * Each round it enrols the simulated bidders the way a person does: the link
 * page's challenge, a signature, a `link <code>` tweet through the fake X
 * server, and an escrow deposit for each bidder whose balance is spent. Funds
 * that cannot be read are unknown, not zero: that bidder waits for the next
 * round rather than depositing twice. With a real chain it does nothing.
 */
import { createWalletClient, type Hash, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import { nyString, TIME_ZONE } from "../../core/clock.ts";
import type { AuctionSnapshot } from "../auction/mod.ts";
import type {} from "../chain/mod.ts";
import type {} from "../fake-x/mod.ts";

const eth = z.string().regex(/^\d+(\.\d+)?$/);

export default definePlugin({
  name: "demo",
  emits: ["campaign.phase"],
  listens: ["engine.started", "auction.opened", "auction.closed", "auction.settled"],
  config: z.object({
    /** A fake X server's base URL for the link tweets; default: the `fake-x` plugin's. */
    fakeXUrl: z.string().url().optional(),
    hostHandle: z.string().default("SothebAIs"),
    /** Simulated bidders `@sim_bidder1…N`, one funded dev account each. */
    bidders: z.number().int().min(0).default(5),
    deposit: eth.default("100"),
    reserve: eth.default("0.5"),
    preMinutes: z.number().positive().default(1),
    auctionMinutes: z.number().positive().default(5),
    /** At least this long after the close, and until the lot is settled. */
    postMinutes: z.number().nonnegative().default(1),
    extensionWindowSeconds: z.number().int().nonnegative().default(60),
    extensionSeconds: z.number().int().nonnegative().default(60),
    maxExtensionMinutes: z.number().nonnegative().default(3),
    /** How often the day is looked at again (phase ends, settlement, retries). */
    checkSeconds: z.number().positive().default(5),
  }),
  needs: ["auctions", "chain", "funds", "fake-x?"],
  standIn: {
    for: "a show with real bidders",
    replacedBy: ["RPC_URLS", "ESCROW_PRIVATE_KEY", "ESCROW_KEY_FILE"],
  },
  setup({ bus, clock, config, dataDir, http: app, log, use }) {
    const chain = use("chain");
    const auctions = use("auctions");
    const funds = use("funds");
    const embedded = chain.embedded;
    if (!embedded) {
      log.info("a real chain is configured: the demo stays out of the way");
      return;
    }
    const fakeXUrl = config.fakeXUrl ?? use("fake-x")?.url;
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

    // The last deposit sent for each bidder: after a restart, one still confirming is not
    // sent again.
    const depositsFile = `${dataDir}/deposits.json`;
    const deposits: Record<string, Hash> = (() => {
      try {
        return JSON.parse(Deno.readTextFileSync(depositsFile));
      } catch {
        return {};
      }
    })();

    /** Deposits sent by this run, by handle: not sent again while they are mined. */
    const sentAt = new Map<string, number>();

    /** Whether `handle` needs a deposit now; throws when its funds cannot be read. */
    const needsDeposit = async (handle: string) => {
      const sent = sentAt.get(handle);
      if (sent !== undefined && clock.instant().epochMilliseconds - sent < 60_000) return false;
      if (await funds.balanceOf(handle) > 0n) return false;
      const last = deposits[handle];
      if (!last) return true;
      const check = await chain.verifyDepositTx(handle, last, 1n);
      // Mined but not yet confirmed: it will be credited; credited before: it was spent.
      return !(check.ok && check.stage === "seen");
    };

    const enrol = async (i: number) => {
      const handle = `@sim_bidder${i + 1}`;
      const bidder = embedded.bidders[i];
      if (!bidder) return;
      const account = privateKeyToAccount(bidder.privateKey);
      if (!(await funds.walletOf(handle))) {
        if (!fakeXUrl) throw new Error("no fake X to tweet the link code into");
        const { message } = await post("/link/challenge", {
          address: account.address,
          handle,
          chainId: embedded.chainId,
        });
        const { code } = await post("/link/signature", {
          message,
          signature: await account.signMessage({ message }),
        });
        const tweeted = await fetch(`${fakeXUrl}/_fake/tweets`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ author: handle, text: `@${config.hostHandle} link ${code}` }),
        });
        await tweeted.body?.cancel();
        return; // its deposit waits until the link is read back and recorded
      }
      if (!(await needsDeposit(handle))) return;
      const wallet = createWalletClient({ account, transport: http(embedded.url) });
      deposits[handle] = await wallet.sendTransaction({
        to: chain.escrow,
        value: parseEther(config.deposit),
        chain: null,
      });
      sentAt.set(handle, clock.instant().epochMilliseconds);
      await Deno.mkdir(dataDir, { recursive: true });
      await Deno.writeTextFile(depositsFile, JSON.stringify(deposits));
      log.debug("demo deposit sent", { handle, txHash: deposits[handle] });
    };

    const enrolAll = async () => {
      for (let i = 0; i < config.bidders && !stopped; i++) {
        await enrol(i).catch((error) =>
          log.warn("demo bidder not ready yet; tried again next round", { i, error })
        );
      }
    };

    // ---- the compressed day ---------------------------------------------------

    const lotNumber = (id: string) => Number(id.slice("demo-".length)) || 0;
    const lots = () =>
      auctions.list().filter((a) => /^demo-\d+$/.test(a.auctionId))
        .sort((a, b) => lotNumber(a.auctionId) - lotNumber(b.auctionId));
    const closedAt = new Map<string, Temporal.Instant>();
    const settled = new Set<string>();
    let announced = "";
    let soldOut = false;

    const phase = (
      lot: AuctionSnapshot,
      name: "pre-auction" | "auction" | "post-auction",
      startsAt: Temporal.Instant,
      endsAt: Temporal.Instant,
    ) => {
      const key = `${lot.auctionId}:${name}`;
      if (announced === key) return;
      announced = key;
      bus.emit("campaign.phase", {
        campaignId: "demo",
        day: startsAt.toZonedDateTimeISO(TIME_ZONE).toPlainDate().toString(),
        phase: name,
        auctionId: lot.auctionId,
        startsAt: nyString(startsAt),
        endsAt: nyString(endsAt),
      });
    };

    const scheduleLot = async (number: number) => {
      for (const tokenId of embedded.tokens) {
        const nft = { contract: embedded.nft, tokenId };
        if (!(await chain.checkCustody(nft)).ok) continue;
        const id = `demo-${number}`;
        // Whole seconds: what the database keeps is what the screen showed.
        const now = clock.instant().round({ smallestUnit: "second", roundingMode: "ceil" });
        const startsAt = now.add({ seconds: Math.round(config.preMinutes * 60) });
        const endsAt = startsAt.add({ seconds: Math.round(config.auctionMinutes * 60) });
        await chain.setLot(id, nft);
        const lot = await auctions.create({
          id,
          item: `Genesis #${tokenId}`,
          campaignId: null,
          startsAt,
          endsAt,
          maxEndsAt: endsAt.add({ seconds: Math.round(config.maxExtensionMinutes * 60) }),
          reserveWei: parseEther(config.reserve),
          minIncrementBps: 500,
          minIncrementWei: parseEther("0.01"),
          extensionWindowSeconds: config.extensionWindowSeconds,
          extensionSeconds: config.extensionSeconds,
          ingestGraceSeconds: 10,
        });
        log.debug("demo lot scheduled", { auctionId: id, tokenId });
        phase(lot, "pre-auction", now, startsAt);
        return;
      }
      if (!soldOut) log.warn("every demo token is sold: no more lots");
      soldOut = true;
    };

    /** Whether a closed lot's settlement is over (asked of the chain after a restart). */
    const isSettled = async (id: string) => {
      if (settled.has(id)) return true;
      const state = await chain.settle(id).catch(() => null);
      if (state === "failed") log.warn("demo lot settlement failed; the show goes on", { id });
      if (state === "settled" || state === "failed") settled.add(id);
      return settled.has(id);
    };

    /** Looks at where the day stands and does what is due; safe to call at any time. */
    const dayStep = async () => {
      const lot = lots().at(-1);
      const now = clock.instant();
      const at = (iso: string) => Temporal.Instant.from(iso);
      if (lot?.status === "scheduled") return phase(lot, "pre-auction", now, at(lot.startsAt));
      if (lot?.status === "open" || lot?.status === "paused") {
        return phase(lot, "auction", at(lot.startsAt), at(lot.endsAt));
      }
      if (lot) {
        const closed = closedAt.get(lot.auctionId) ?? at(lot.endsAt);
        const postEnds = closed.add({ seconds: Math.round(config.postMinutes * 60) });
        phase(lot, "post-auction", closed, postEnds);
        if (Temporal.Instant.compare(now, postEnds) < 0) return;
        if (lot.status === "closed" && !(await isSettled(lot.auctionId))) return;
      }
      if (!soldOut) await scheduleLot(lotNumber(lot?.auctionId ?? "demo-0") + 1);
    };

    // Each round also enrols whoever is not ready (links, and deposits for spent balances), each
    // round finishing what the last began: a refund after a lot makes a new deposit due.
    const advance = async () => {
      await dayStep();
      await enrolAll();
    };

    let running: Promise<void> | null = null;
    const step = () => {
      if (stopped || running) return;
      running = advance().catch((error) => log.warn("demo day step failed; retrying", { error }))
        .finally(() => running = null);
    };
    let cancel = () => {};
    const tick = () => {
      step();
      if (!stopped) cancel = clock.after(config.checkSeconds * 1000, tick);
    };
    const ours = (id: unknown) => typeof id === "string" && /^demo-\d+$/.test(id);
    const offs = [
      // Off the start path, once every plugin's routes are mounted and listening.
      bus.on("engine.started", tick),
      bus.on("auction.opened", (e) => ours(e.payload.auctionId) && step()),
      bus.on("auction.closed", (e) => {
        if (!ours(e.payload.auctionId)) return;
        closedAt.set(e.payload.auctionId, Temporal.Instant.from(e.payload.at));
        step();
      }),
      bus.on("auction.settled", (e) => {
        if (ours(e.payload.auctionId)) settled.add(e.payload.auctionId);
      }),
    ];
    return async () => {
      stopped = true;
      offs.forEach((off) => off());
      cancel();
      await running;
    };
  },
});
