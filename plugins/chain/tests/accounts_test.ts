/**
 * Escrow belongs to the X account (user id), not to the handle text, end to end
 * on anvil with the real auction: a handle that moves to another account never
 * reaches the previous owner's wallet or escrow, across a restart; an account
 * that relinks keeps its older deposits, which go back where they came from.
 */
import { type Address, getAddress, parseEther } from "viem";
import { type VirtualClock, virtualClock } from "../../../core/clock.ts";
import type { Engine } from "../../../core/engine.ts";
import type { Auctions } from "../../auction/mod.ts";
import type { Funds } from "../../auction/funds.ts";
import { erc721Abi } from "../custody.ts";
import { deployDemoNft } from "../embedded_chain.ts";
import type { PayoutRow } from "../settlement.ts";
import { assertEquals } from "../../../core/testing.ts";
import {
  anvilAvailable,
  type AnvilNode,
  bidders,
  CHAIN_ID,
  clientsFor,
  escrow,
  eventually,
  eventuallyAsTimePasses,
  linkWallet,
  restartableEngines,
  withAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();
const T = (hm: string) => `2026-11-25T${hm}:00-05:00`;
const A = "1001"; // owned @alice first, then renamed itself @alice_old
const B = "2002"; // took the freed handle @alice
const [a1, b1, a2] = bidders; // A's first wallet, B's wallet, A's second wallet
const ETH = (eth: string) => parseEther(eth);

/** Sends a deposit to escrow from `from` and mines it to 2 confirmations. */
async function deposit(node: AnvilNode, from: (typeof bidders)[number], wei: bigint) {
  const { client, test, wallet } = clientsFor(node);
  const hash = await wallet(from).sendTransaction({ to: escrow.account.address, value: wei });
  await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  await test.mine({ blocks: 2 });
  return hash;
}

/** Engines with the real auction: one lot open 19:05–19:35, closed by the (virtual) clock. */
const withAuction = (node: AnvilNode, id: string, item: string, config = {}) =>
  restartableEngines({
    urls: [node.url],
    config,
    plugins: {
      auction: {
        watermark: "clock",
        auctions: [{ id, item, startsAt: T("19:05"), endsAt: T("19:35"), reserve: "0.1 ETH" }],
      },
    },
  });

function tweets(engine: Engine, clock: VirtualClock) {
  const decisions: string[] = [];
  engine.bus.on("bid.accepted", (e) => {
    if (!e.payload.proxy) decisions.push(`${e.payload.tweetId} accepted`);
  });
  engine.bus.on(
    "bid.rejected",
    (e) => void decisions.push(`${e.payload.tweetId} ${e.payload.reason}`),
  );
  const kept: Array<{ tweetId: string; ok: boolean }> = [];
  engine.bus.on("funds.kept", (e) => void kept.push(e.payload));
  const credited: unknown[] = [];
  engine.bus.on("deposit.credited", (e) => {
    const { stage, xUserId, handle, address, amountWei } = e.payload;
    if (stage === "pending") credited.push([xUserId, handle, address, amountWei]);
  });
  return {
    decisions,
    kept,
    credited,
    bid(tweetId: string, authorId: string, handle: string, text: string) {
      engine.bus.emit("bid.submitted", {
        tweetId,
        authorId,
        handle,
        text,
        tweetAt: clock.instant().toString(),
        receivedAt: clock.instant().toString(),
      });
    },
    keep(tweetId: string, authorId: string, handle: string, keep: boolean) {
      engine.bus.emit("funds.keep-requested", { tweetId, authorId, handle, keep });
    },
  };
}

Deno.test({
  name:
    "accounts: a handle that moves to another account never bids against the previous owner's escrow; refunds go to each account's own wallets",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const { client } = clientsFor(node);
      const nft = await deployDemoNft(node.url, CHAIN_ID, escrow.privateKey, [7n]);
      const clock = virtualClock(Temporal.Instant.from(T("19:00")));
      const engines = withAuction(node, "genesis-7", "Genesis #7", {
        lots: { "Genesis #7": `eip155:${CHAIN_ID}/erc721:${nft}/7` },
      });
      let { engine, chain } = await engines.start(clock);
      try {
        let funds = engine.service<Funds>("funds");
        let x = tweets(engine, clock);
        const idle = () => engine.service<Auctions>("auctions").idle();

        // Account A as @alice: links its first wallet, deposits 1 ETH, bids, asks to keep.
        await linkWallet(engine, a1, "@alice", A);
        const firstDeposit = await deposit(node, a1, ETH("1"));
        await clock.advanceTo(Temporal.Instant.from(T("19:10")));
        x.bid("101", A, "@alice", "bid 0.5 ETH");
        await idle();
        x.keep("k1", A, "@alice", true);
        await eventually(() => x.kept.length === 1, "funds.kept");

        // X frees the handle (A renamed itself) and account B takes it, then links its wallet.
        await linkWallet(engine, b1, "@alice", B);
        assertEquals(await funds.walletOf("@alice", A), a1.address);
        assertEquals(await funds.walletOf("@alice", B), b1.address);
        assertEquals(await funds.walletOf("@alice"), b1.address); // a source without user ids
        assertEquals(await funds.balanceOf("@alice", A), ETH("1"));
        assertEquals(await funds.balanceOf("@alice", B), 0n);
        // B cannot take A's wallet either, even signing for it under the handle it now holds.
        const refused: Array<{ reason: string }> = [];
        engine.bus.on("wallet.link-refused", (e) => void refused.push(e.payload));
        const taken = await linkWallet(engine, a1, "@alice", B).catch((e) => String(e));
        assertEquals(taken, "Error: link refused: wallet-in-use");
        await deposit(node, b1, ETH("0.3"));
        // 0.3 ETH is B's; A's 1 ETH under the same handle backs nothing of B's.
        x.bid("102", B, "@alice", "bid 0.8 ETH");
        x.bid("103", B, "@alice", "bid max 0.9 ETH");
        await idle();
        assertEquals(x.decisions, [
          "101 accepted",
          "102 insufficient_funds",
          "103 insufficient_funds",
        ]);

        // A restart changes nothing: links, escrow and the standing bid are the accounts'.
        await engine.stop();
        ({ engine, chain } = await engines.start(clock));
        funds = engine.service<Funds>("funds");
        x = tweets(engine, clock);
        assertEquals(await funds.balanceOf("@alice", A), ETH("1"));
        assertEquals(await funds.balanceOf("@alice", B), ETH("0.3"));
        assertEquals(await funds.walletOf("@alice"), b1.address);
        const lot = engine.service<Auctions>("auctions").get("genesis-7")!;
        assertEquals([lot.leader?.tweetId, lot.priceWei], ["101", ETH("0.5")]);
        x.bid("104", B, "@alice", "bid 0.8 ETH");
        await idle();
        assertEquals(x.decisions, ["104 insufficient_funds"]);

        // A, now @alice_old, relinks a new wallet and deposits from it: its escrow is both.
        await linkWallet(engine, a2, "@alice_old", A);
        await deposit(node, a2, ETH("0.5"));
        assertEquals(await funds.balanceOf("@alice_old", A), ETH("1.5"));
        assertEquals(await funds.walletOf("@alice_old"), a2.address);
        // A bid naming a deposit: A's from its first wallet is still A's; never B's.
        const named = await chain.verifyDepositTx("@alice_old", firstDeposit, ETH("1"), A);
        assertEquals(named.ok, true);
        const notB = await chain.verifyDepositTx("@alice", firstDeposit, 1n, B);
        assertEquals(notB.ok ? "" : notB.reason, "wrong-sender");
        // B tops up and bids; A answers with its two wallets' escrow; B outbids.
        await deposit(node, b1, ETH("1.7"));
        x.bid("105", B, "@alice", "bid 1.2 ETH");
        x.bid("106", A, "@alice_old", "bid 1.4 ETH");
        x.bid("107", B, "@alice", "bid 1.6 ETH");
        x.keep("k2", A, "@alice_old", false); // A undoes its keep: refund after the auction
        await idle();
        assertEquals(x.decisions, [
          "104 insufficient_funds",
          "105 accepted",
          "106 accepted",
          "107 accepted",
        ]);
        await eventually(() => x.kept.length === 1, "funds.kept");
        // Each deposit is credited to the account whose wallet sent it.
        assertEquals(x.credited, [
          [A, "@alice_old", a2.address, ETH("0.5")],
          [B, "@alice", b1.address, ETH("1.7")],
        ]);

        const before = new Map<Address, bigint>();
        for (const w of [a1, b1, a2]) {
          before.set(w.address, await client.getBalance({ address: w.address }));
        }
        const settled: Array<{ winner: string | null }> = [];
        engine.bus.on("auction.settled", (e) => void settled.push(e.payload));
        await clock.advanceTo(Temporal.Instant.from(T("20:40")));
        await idle();
        await eventuallyAsTimePasses(clock, () => settled.length > 0, "auction.settled");
        assertEquals(settled[0].winner, "@alice");

        // B won: the token goes to B's wallet, the price comes out of B's escrow alone.
        const owner = await client.readContract({
          address: nft,
          abi: erc721Abi,
          functionName: "ownerOf",
          args: [7n],
        });
        assertEquals(getAddress(owner), b1.address);
        const refunds = (await engine.db.query<PayoutRow>(
          "select * from chain_payouts where kind = 'refund' order by id",
        )).map((r) => [r.address, BigInt(r.amount_wei), r.state]);
        assertEquals(
          refunds,
          [
            [a1.address, ETH("1"), "confirmed"], // A's first deposit, to the wallet it came from
            [b1.address, ETH("0.4"), "confirmed"], // B's 2 ETH less its 1.6
            [a2.address, ETH("0.5"), "confirmed"], // A's second deposit, to its own wallet
          ].sort(([p], [q]) => (p < q ? -1 : 1)),
        );
        for (const [address, wei] of refunds as Array<[Address, bigint]>) {
          assertEquals(await client.getBalance({ address }), before.get(address)! + wei, address);
        }
        assertEquals(await funds.balanceOf("@alice", A), 0n);
        assertEquals(await funds.balanceOf("@alice", B), 0n);
        const audit = await engine.db.query<{ x_user_id: string; outcome: string }>(
          "select x_user_id, outcome, reason from chain_link_audit order by id",
        );
        assertEquals(audit.map((r) => [r.x_user_id, r.outcome]), [
          [A, "linked"],
          [B, "linked"],
          [B, "refused"],
          [A, "relinked"],
        ]);
        assertEquals(refused.map((r) => r.reason), ["wallet-in-use"]);
      } finally {
        await engine.stop();
        await engines.cleanup();
      }
    });
  },
});

Deno.test({
  name:
    "accounts: a relinked account wins: the token to its current wallet, the price and holds from its oldest wallets first",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const nft = await deployDemoNft(node.url, CHAIN_ID, escrow.privateKey, [1n]);
      const engines = restartableEngines({ urls: [node.url] });
      const { engine } = await engines.start();
      try {
        await linkWallet(engine, a1, "@alice", A);
        await deposit(node, a1, ETH("1"));
        await linkWallet(engine, a2, "@alice_old", A);
        await deposit(node, a2, ETH("0.5"));
        await linkWallet(engine, b1, "@alice", B);
        await deposit(node, b1, ETH("0.2"));
        const funds = engine.service<Funds>("funds");
        assertEquals(await funds.balanceOf("@alice_old", A), ETH("1.5")); // scanned to the head
        assertEquals(await funds.balanceOf("@alice", B), ETH("0.2"));
        const item = `eip155:${CHAIN_ID}/erc721:${nft}/1`;
        engine.bus.emit("auction.opened", { auctionId: "a1", item, startsAt: "", endsAt: "" });
        const accepted = (auctionId: string, tweetId: string, handle: string, bidderId: string) =>
          engine.bus.emit("bid.accepted", { auctionId, tweetId, handle, bidderId } as never);
        accepted("a1", "t1", "@alice_old", A);
        accepted("a1", "t2", "@alice", B);
        // A leads another auction still open with 0.2 ETH, under its old handle @alice, which
        // is B's now: the auction names the lead by tweet, so the hold is A's, not B's.
        accepted("other", "t9", "@alice", A);
        engine.bus.emit("auction.updated", {
          auctionId: "other",
          item: "Another lot",
          status: "open",
          leader: { handle: "@alice", tweetId: "t9", amountWei: ETH("0.2") },
        } as never);
        const settled: unknown[] = [];
        engine.bus.on("auction.settled", (e) => void settled.push(e.payload));
        engine.bus.emit("auction.closed", {
          auctionId: "a1",
          winner: { handle: "@alice_old", amountWei: ETH("1.2"), tweetId: "t1", bidderId: A },
          runnerUp: null,
          at: T("21:00"),
        });
        await eventually(() => settled.length > 0, "auction.settled");
        const { client } = clientsFor(node);
        const owner = await client.readContract({
          address: nft,
          abi: erc721Abi,
          functionName: "ownerOf",
          args: [1n],
        });
        assertEquals(getAddress(owner), a2.address);
        const movements = await engine.db.query<
          { address: string; kind: string; amount_wei: string }
        >(
          "select address, kind, amount_wei from chain_movements",
        );
        const byKindAndAddress = (p: unknown[], q: unknown[]) =>
          `${p[0]}${p[1]}` < `${q[0]}${q[1]}` ? -1 : 1;
        assertEquals(
          movements.map((m) => [m.kind, m.address, BigInt(m.amount_wei)]).sort(byKindAndAddress),
          [
            ["debit", a1.address, ETH("1")], // the oldest wallet first
            ["debit", a2.address, ETH("0.2")],
            ["refund", a2.address, ETH("0.1")], // 0.3 left, 0.2 of it held for the other lead
            ["refund", b1.address, ETH("0.2")], // B's own deposit, untouched by A's hold
          ].sort(byKindAndAddress),
        );
        assertEquals(await funds.balanceOf("@alice_old", A), ETH("0.2"));
        assertEquals(await funds.balanceOf("@alice", B), 0n);
      } finally {
        await engine.stop();
        await engines.cleanup();
      }
    });
  },
});

Deno.test({
  name:
    "accounts: a reorg that reverses a deposit from an account's older wallet voids the lead it backed",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withAnvil([], async (node) => {
      const { test } = clientsFor(node);
      const clock = virtualClock(Temporal.Instant.from(T("19:00")));
      const engines = withAuction(node, "lot", "A lot");
      const { engine, chain } = await engines.start(clock);
      try {
        const x = tweets(engine, clock);
        const auctions = engine.service<Auctions>("auctions");
        await linkWallet(engine, a1, "@alice", A);
        const beforeDeposit = await test.snapshot();
        await deposit(node, a1, ETH("1"));
        await linkWallet(engine, a2, "@alice_old", A); // the deposit's wallet is no longer current
        await clock.advanceTo(Temporal.Instant.from(T("19:10")));
        x.bid("201", A, "@alice_old", "bid 0.8 ETH");
        await auctions.idle();
        assertEquals(auctions.get("lot")!.leader?.tweetId, "201");

        const reversed: unknown[] = [];
        engine.bus.on("deposit.reversed", (e) => void reversed.push(e.payload.xUserId));
        await test.revert({ id: beforeDeposit });
        await test.mine({ blocks: 4 }); // the other branch is longer
        await chain.sync();
        assertEquals(reversed, [A]);
        await eventually(async () => {
          await auctions.idle();
          return auctions.get("lot")!.leader === null;
        }, "the uncovered lead voided");
        assertEquals(await engine.service<Funds>("funds").balanceOf("@alice_old", A), 0n);
      } finally {
        await engine.stop();
        await engines.cleanup();
      }
    });
  },
});
