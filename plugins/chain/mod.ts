/**
 * chain: wallet links (SIWE), escrow deposits, NFT custody and settlement, all
 * through viem. Provides `funds` (balances for the auction) and `chain` (link,
 * custody, deposit-by-tx, settlement and claims for the auction and the admin).
 * With no RPC URL it starts its own anvil with the demo ERC-721 (embedded default).
 */
import { type Address, createPublicClient, getAddress, type Hash, http, isAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import type { BusEvent } from "../../core/bus.ts";
import { definePlugin } from "../../core/plugin.ts";
import { serialQueue } from "../../core/serial_queue.ts";
import { type Funds, FundsUnavailableError } from "../auction/funds.ts";
import { createChainFunds } from "./chain_funds.ts";
import { checkCustody, type CustodyCheck, type NftRef } from "./custody.ts";
import { checkChain } from "./check.ts";
import { createDepositScanner, type SyncReport } from "./deposits.ts";
import { type EmbeddedChain, startEmbeddedChain } from "./embedded_chain.ts";
import { tokenTransfers } from "./token_transfers.ts";
import { mountLinkPage } from "./link_page.ts";
import { createRpc, redactUrl } from "./rpc.ts";
import {
  type ClosedAuction,
  createSettlement,
  type PayoutRow,
  SettlementStopped,
} from "./settlement.ts";
import { linkOf, walletsOf } from "./accounts.ts";
import { recordBid, recordLeader } from "./auction_bidders.ts";
import { completeLink, type LinkRequest, type WalletLinkDeps } from "./wallet_link.ts";

declare module "../../core/bus.ts" {
  interface Events {
    /** `tweetId`: the `link` tweet it answers (the reply goes to that account's tweet). */
    "wallet.linked": { handle: string; xUserId: string; address: string; tweetId?: string };
    "wallet.link-refused": { tweetId: string; handle: string; reason: string; message: string };
    /** The answer to `funds.keep-requested` (a `keep` / `refund` tweet). */
    "funds.kept": { tweetId: string; handle: string; keep: boolean; ok: boolean; message: string };
    /** Credited to the account whose wallet sent it (null: no account linked that wallet yet). */
    "deposit.credited": {
      handle: string | null;
      xUserId?: string | null;
      address: string;
      amountWei: bigint;
      txHash: string;
      stage: "pending" | "final";
    };
    /** `xUserId`: the account that owns the wallet (null: none linked it). */
    "deposit.reversed": {
      txHash: string;
      address: string;
      xUserId?: string | null;
      amountWei: bigint;
    };
    "auction.settled": { auctionId: string; winner: string | null; txHash: string | null };
    /** An ERC-721 Transfer of a lot's token, found by the block scan (addresses checksummed). */
    "token.transferred": {
      contract: string;
      tokenId: bigint;
      from: string;
      to: string;
      txHash: string;
    };
  }
}

export type { CustodyCheck, NftRef };

/** What the auction and the admin can ask of the chain beyond `funds`. */
export interface ChainService {
  escrow: Address;
  chainId: number;
  rpcUrl: string;
  /** Can the custody account transfer this token? Call before opening an auction. */
  checkCustody(nft: NftRef): Promise<CustodyCheck>;
  /** Custody of an auction's lot (`setLot`, `lots[item]` or a CAIP-19 item); null: no token known. */
  checkAuctionCustody(auctionId: string, item: string): Promise<CustodyCheck | null>;
  /** Which token an auction sells (otherwise taken from `lots` or a CAIP-19 item). */
  setLot(auctionId: string, nft: NftRef): Promise<void>;
  /**
   * A bid naming a deposit tx: it must be from a wallet the bidder's X account linked (`xUserId`;
   * without it, the account that linked the handle last) to escrow with `minWei`.
   */
  verifyDepositTx(
    handle: string,
    txHash: string,
    minWei: bigint,
    xUserId?: string,
  ): Promise<DepositTxCheck>;
  /** One deposit pass now (the poll loop runs it too). */
  sync(): Promise<SyncReport>;
  /** Completes a link request (what the `wallet.link-requested` handler does). */
  link(request: LinkRequest): ReturnType<typeof completeLink>;
  /** Runs or resumes the settlement of an auction. */
  settle(auctionId: string): Promise<string>;
  /** Keep an X account's balance in escrow for the next auction instead of refunding it. */
  keepFunds(handle: string, keep: boolean, xUserId?: string): Promise<void>;
  claims(): Promise<PayoutRow[]>;
  retryClaim(payoutId: string): Promise<PayoutRow>;
  /** The embedded chain, when this plugin started one. */
  embedded: Omit<EmbeddedChain, "node" | "escrowKey"> | null;
}

export type DepositTxCheck =
  | { ok: true; amountWei: bigint; stage: string }
  | {
    ok: false;
    reason:
      | "not-found"
      | "not-linked"
      | "wrong-sender"
      | "not-to-escrow"
      | "too-small"
      | "reversed";
    message: string;
  };

declare module "../../core/plugin.ts" {
  interface Services {
    funds: Funds;
    chain: ChainService;
  }
}

/** `eip155:1/erc721:0xabc…/42` → the token. */
function caip19(item: unknown): NftRef | null {
  const m = typeof item !== "string"
    ? null
    : item.match(/^eip155:\d+\/erc721:(0x[0-9a-fA-F]{40})\/(\d+)$/);
  return m ? { contract: getAddress(m[1]), tokenId: BigInt(m[2]) } : null;
}

const config = z.object({
  /** Comma-separated; empty → embedded anvil. */
  rpcUrls: z.string().optional(),
  chainId: z.coerce.number().int().positive().optional(),
  escrowAddress: z.string().refine((a) => isAddress(a), "not an address").optional(),
  escrowPrivateKey: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte hex key").optional(),
  escrowKeyFile: z.string().optional(),
  confirmations: z.coerce.number().int().min(1).default(2),
  pollMs: z.coerce.number().int().positive().default(2000),
  headCacheMs: z.coerce.number().int().min(0).default(1000),
  startBlock: z.coerce.bigint().optional(),
  receiptTimeoutMs: z.coerce.number().int().positive().default(120_000),
  /** The SIWE domain bidders sign for; default: the host of linkUri. */
  linkDomain: z.string().optional(),
  linkUri: z.string().url().default("http://localhost:8000/link"),
  linkTtlMinutes: z.coerce.number().positive().default(15),
  /** The host's X handle (X_HOST_HANDLE): the link page's tweets are addressed to it. */
  hostHandle: z.string().regex(/^@?\w{1,15}$/, "an X handle").default("SothebAIs"),
  /** Link challenges one client address may ask for in a window (each is stored). */
  linkRateLimit: z.object({
    challenges: z.number().int().positive().default(20),
    perSeconds: z.number().int().positive().default(60),
  }).default({ challenges: 20, perSeconds: 60 }),
  /** Auction item name → its token as a CAIP-19 id, `eip155:<chain>/erc721:<contract>/<id>`. */
  lots: z.record(
    z.string(),
    z.string().refine((s) => caip19(s) !== null, "not an eip155 erc721 id"),
  )
    .default({}),
  embedded: z.object({
    blockTimeSeconds: z.number().positive().default(2),
    bidders: z.number().int().min(0).default(5),
    tokens: z.number().int().min(1).default(3),
  }).default({ blockTimeSeconds: 2, bidders: 5, tokens: 3 }),
});

async function readKey(cfg: z.output<typeof config>): Promise<`0x${string}` | undefined> {
  if (cfg.escrowPrivateKey) return cfg.escrowPrivateKey as `0x${string}`;
  if (!cfg.escrowKeyFile) return undefined;
  const key = (await Deno.readTextFile(cfg.escrowKeyFile)).trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error("chain: the escrow key file does not hold a 32-byte hex key");
  }
  return key as `0x${string}`;
}

export default definePlugin({
  name: "chain",
  config,
  provides: ["funds", "chain"],
  migrations: new URL("./migrations/", import.meta.url),
  check: ({ config, timeoutMs }) => checkChain(config, timeoutMs),
  async setup(
    { config: cfg, bus, clock, log, db, metrics, http: app, dataDir, provide, health, page },
  ) {
    let embedded: EmbeddedChain | null = null;
    let urls = (cfg.rpcUrls ?? "").split(",").map((u) => u.trim()).filter(Boolean);
    let chainId = cfg.chainId;
    let key = await readKey(cfg);
    try {
      return await start();
    } catch (error) {
      // Set by start() before it failed, if it got that far: do not leave anvil running.
      await (embedded as EmbeddedChain | null)?.node.stop("SIGTERM");
      throw error;
    }

    async function start() {
      if (urls.length === 0) {
        embedded = await startEmbeddedChain({ dataDir, ...cfg.embedded });
        urls = [embedded.url];
        chainId = embedded.chainId;
        key ??= embedded.escrowKey;
        log.info("embedded anvil started", {
          url: embedded.url,
          nft: embedded.nft,
          bidders: embedded.bidders.length,
        });
      }
      if (!chainId) {
        const probe = createPublicClient({ transport: http(urls[0]) });
        chainId = await probe.getChainId();
      }
      if (!key) throw new Error("chain: set ESCROW_PRIVATE_KEY or an escrow key file");
      const account = privateKeyToAccount(key);
      key = undefined; // the account holds it; nothing else should
      if (cfg.escrowAddress && getAddress(cfg.escrowAddress) !== account.address) {
        throw new Error(
          `chain: the escrow key belongs to ${account.address}, not to ESCROW_ADDRESS ${cfg.escrowAddress}`,
        );
      }
      const escrow = account.address;
      const rpc = createRpc(urls, chainId);
      // A provider down at start is an outage like any other (health, retries), not a failed
      // start; a provider serving another chain is a configuration error.
      const remote = await rpc.client.getChainId().catch((error) => {
        log.warn("the RPC cannot be reached at start; retrying in the poll loop", {
          error: (error as Error).message.split("\n")[0],
        });
        return chainId;
      });
      if (remote !== chainId) {
        throw new Error(`chain: the RPC serves chain ${remote}, CHAIN_ID is ${chainId}`);
      }

      const linkDeps: WalletLinkDeps = {
        db,
        rpc,
        clock,
        bus,
        log,
        chainId,
        domain: cfg.linkDomain ?? new URL(cfg.linkUri).host,
        uri: cfg.linkUri,
        ttlMs: cfg.linkTtlMinutes * 60_000,
      };
      const lots: Record<string, NftRef> = Object.fromEntries(
        Object.entries(cfg.lots).map(([item, id]) => [item, caip19(id)!]),
      );
      if (embedded) {
        for (const t of embedded.tokens) {
          lots[`Demo #${t}`] = { contract: embedded.nft, tokenId: t };
        }
      }
      const custodyCache = new Map<string, Promise<CustodyCheck>>();
      const transfers = tokenTransfers({
        db,
        rpc,
        bus,
        log,
        async lots() {
          const rows = await db.query<{ nft_contract: string; token_id: string }>(
            "select nft_contract, token_id from chain_auction_items where nft_contract is not null",
          );
          return [
            ...Object.values(lots),
            ...rows.map((r) => ({ contract: r.nft_contract, tokenId: BigInt(r.token_id) })),
          ];
        },
        moved(nft) {
          // The custody answer is cached per block; a transfer makes it stale at once.
          const suffix = `:${getAddress(nft.contract)}:${nft.tokenId}`;
          for (const key of custodyCache.keys()) {
            if (key.endsWith(suffix)) custodyCache.delete(key);
          }
        },
      });
      const scanner = createDepositScanner({
        db,
        rpc,
        bus,
        clock,
        log,
        escrow,
        confirmations: cfg.confirmations,
        startBlock: cfg.startBlock ?? (embedded ? 0n : undefined),
        alsoScan: [transfers],
      });
      const funds = createChainFunds({ db, rpc, clock, scanner, headCacheMs: cfg.headCacheMs });
      const settlement = createSettlement({
        db,
        client: rpc.client,
        account,
        bus,
        clock,
        log,
        pollMs: 100,
        receiptTimeoutMs: cfg.receiptTimeoutMs,
      });

      const setLot = async (auctionId: string, lot: NftRef) => {
        await db.query(
          `insert into chain_auction_items (auction_id, nft_contract, token_id) values ($1, $2, $3)
         on conflict (auction_id) do update set nft_contract = $2, token_id = $3`,
          [auctionId, getAddress(lot.contract), lot.tokenId],
        );
      };

      const settle = async (auctionId: string) => {
        const state = await settlement.run(auctionId);
        return state;
      };

      const service: ChainService = {
        escrow,
        chainId,
        rpcUrl: redactUrl(urls[0]),
        async checkCustody(lot) {
          // Cached per block: many parts ask, and nothing can change it within one block.
          const key = `${await funds.head()}:${getAddress(lot.contract)}:${lot.tokenId}`;
          let answer = custodyCache.get(key);
          if (!answer) {
            custodyCache.clear();
            answer = checkCustody(rpc.client, escrow, lot);
            custodyCache.set(key, answer);
            answer.catch(() => custodyCache.delete(key));
          }
          return await answer;
        },
        async checkAuctionCustody(auctionId, item) {
          const [row] = await db.query<{ nft_contract: string | null; token_id: string | null }>(
            "select nft_contract, token_id from chain_auction_items where auction_id = $1",
            [auctionId],
          );
          const lot = row?.nft_contract && row.token_id !== null
            ? { contract: row.nft_contract, tokenId: BigInt(row.token_id) }
            : lots[item] ?? caip19(item);
          return lot ? await service.checkCustody(lot) : null;
        },
        setLot,
        async verifyDepositTx(handle, txHash, minWei, xUserId) {
          const link = await linkOf(db, handle, xUserId);
          if (!link) {
            return { ok: false, reason: "not-linked", message: `${handle} has no linked wallet` };
          }
          const wallets = (await walletsOf(db, link.xUserId)).map((w) => w.address);
          if (!/^0x[0-9a-fA-F]{64}$/.test(txHash)) {
            return { ok: false, reason: "not-found", message: "not a transaction hash" };
          }
          let tracked;
          try {
            tracked = await scanner.track(txHash as Hash);
            await scanner.sync();
          } catch (error) {
            throw new FundsUnavailableError(
              `the chain cannot be read now: ${(error as Error).message.split("\n")[0]}`,
            );
          }
          if (!tracked) {
            return {
              ok: false,
              reason: "not-to-escrow",
              message: "no mined transfer to the escrow with this hash",
            };
          }
          if (!wallets.includes(getAddress(tracked.address))) {
            return {
              ok: false,
              reason: "wrong-sender",
              message: `sent from ${tracked.address}, not from a wallet ${handle} linked`,
            };
          }
          if (tracked.amountWei < minWei) {
            return { ok: false, reason: "too-small", message: `it sent ${tracked.amountWei} wei` };
          }
          const [row] = await db.query<{ stage: string }>(
            "select stage from chain_deposits where tx_hash = $1",
            [txHash],
          );
          if (row.stage === "reversed" || row.stage === "dropped" || row.stage === "failed") {
            return { ok: false, reason: "reversed", message: `this deposit was ${row.stage}` };
          }
          return { ok: true, amountWei: tracked.amountWei, stage: row.stage };
        },
        sync: () => scanner.sync(),
        link: (request) => completeLink(linkDeps, request),
        settle,
        async keepFunds(handle, keep, xUserId) {
          const link = await linkOf(db, handle, xUserId);
          if (!link) throw new Error(`${handle} has no linked wallet`);
          await db.query(
            `insert into chain_account_keep (x_user_id, keep, at) values ($1, $2, $3)
           on conflict (x_user_id) do update set keep = $2, at = $3`,
            [link.xUserId, keep, new Date(clock.instant().epochMilliseconds)],
          );
        },
        claims: () => settlement.claims(),
        retryClaim: (id) => settlement.retryClaim(id),
        embedded: embedded
          ? {
            url: embedded.url,
            chainId: embedded.chainId,
            nft: embedded.nft,
            tokens: embedded.tokens,
            bidders: embedded.bidders,
          }
          : null,
      };
      const wei = z.bigint().nonnegative();
      bus.declare(
        "wallet.linked",
        z.object({
          handle: z.string(),
          xUserId: z.string(),
          address: z.string(),
          tweetId: z.string().optional(),
        }),
      );
      bus.declare(
        "wallet.link-refused",
        z.object({
          tweetId: z.string(),
          handle: z.string(),
          reason: z.string(),
          message: z.string(),
        }),
      );
      bus.declare(
        "deposit.credited",
        z.object({
          handle: z.string().nullable(),
          xUserId: z.string().nullable().optional(),
          address: z.string(),
          amountWei: wei,
          txHash: z.string(),
          stage: z.enum(["pending", "final"]),
        }),
      );
      bus.declare(
        "deposit.reversed",
        z.object({
          txHash: z.string(),
          address: z.string(),
          xUserId: z.string().nullable().optional(),
          amountWei: wei,
        }),
      );
      bus.declare(
        "auction.settled",
        z.object({
          auctionId: z.string(),
          winner: z.string().nullable(),
          txHash: z.string().nullable(),
        }),
      );
      bus.declare(
        "token.transferred",
        z.object({
          contract: z.string(),
          tokenId: z.bigint().nonnegative(),
          from: z.string(),
          to: z.string(),
          txHash: z.string(),
        }),
      );
      provide("funds", funds);
      provide("chain", service);
      mountLinkPage(app, () => linkDeps, () => ({
        escrow: service.escrow,
        chainId: service.chainId,
        confirmations: cfg.confirmations,
        hostHandle: `@${cfg.hostHandle.replace(/^@/, "")}`,
      }), cfg.linkRateLimit);
      page("link page", "/link");

      // The bus delivers concurrently; these handlers write what later ones read (the lot and
      // the bidders before the close), so they run one at a time, in the order emitted.
      const handlers = serialQueue();
      const inOrder = <T extends string>(type: T, handler: (event: BusEvent<T>) => Promise<void>) =>
        bus.on(type, (event) => {
          handlers.run(() => handler(event)).catch((error) =>
            log.error("event handler failed", { event: type, error })
          );
        });
      const offs = [
        inOrder("wallet.link-requested", async (event) => {
          await completeLink(linkDeps, event.payload as LinkRequest);
        }),
        inOrder("funds.keep-requested", async (event) => {
          const { tweetId, handle, keep, authorId } = event.payload as {
            tweetId: string;
            handle: string;
            keep: boolean;
            authorId?: string;
          };
          try {
            await service.keepFunds(handle, keep, authorId);
            bus.emit("funds.kept", {
              tweetId,
              handle,
              keep,
              ok: true,
              message: keep
                ? "your unspent escrow stays for the next auction. Tweet refund to undo."
                : "your unspent escrow will be refunded after each auction.",
            });
          } catch (error) {
            bus.emit("funds.kept", {
              tweetId,
              handle,
              keep,
              ok: false,
              message: `not done: ${(error as Error).message}.`,
            });
          }
        }),
        inOrder("bid.accepted", async (event) => {
          await recordBid(db, event.payload as Parameters<typeof recordBid>[1]);
        }),
        ...(["auction.opened", "auction.updated"] as const).map((type) =>
          inOrder(type, async (event) => {
            const p = event.payload as { auctionId: string; item: string };
            const lot = lots[p.item] ?? caip19(p.item);
            if (!lot) return;
            await db.query(
              `insert into chain_auction_items (auction_id, nft_contract, token_id) values ($1, $2, $3)
             on conflict (auction_id) do nothing`,
              [p.auctionId, getAddress(lot.contract), lot.tokenId],
            );
          })
        ),
        inOrder("auction.updated", async (event) => {
          await recordLeader(
            db,
            event.payload as Parameters<typeof recordLeader>[1],
            new Date(clock.instant().epochMilliseconds),
          );
        }),
        inOrder("auction.closed", async (event) => {
          const p = event.payload as ClosedAuction;
          await settlement.plan(p);
          // Outside the event queue: paying takes blocks, and other events must not wait.
          settlement.run(p.auctionId).catch((error) => {
            if (error instanceof SettlementStopped) return;
            log.error("settlement step failed; it resumes on the next pass", {
              auctionId: p.auctionId,
              error,
            });
          });
        }),
      ];

      // The poll loop: scan deposits, resume unfinished settlements.
      let cancel = () => {};
      let stopped = false;
      let ticking: Promise<void> = Promise.resolve();
      const pass = async () => {
        try {
          await scanner.sync();
        } catch (error) {
          if (stopped) return;
          log.warn("deposit pass failed; retrying", {
            error: (error as Error).message.split("\n")[0],
          });
        }
        if (stopped) return;
        await settlement.resumeAll().catch((error) =>
          stopped || log.error("settlement resume failed", { error })
        );
        if (stopped) return;
        // Challenges nobody finished are of no use a day later.
        await db.query(
          "delete from chain_challenges where used_at is null and expires_at < $1",
          [new Date(clock.instant().epochMilliseconds - 86_400_000)],
        ).catch((error) => stopped || log.warn("challenge cleanup failed", { error }));
        if (!stopped) cancel = clock.after(cfg.pollMs, tick);
      };
      const tick = () => {
        ticking = pass();
        return ticking;
      };
      // The first pass at once: it resumes any settlement a crash interrupted.
      cancel = clock.after(0, tick);

      health("rpc", () => {
        const providers = rpc.providerHealth();
        const last = scanner.last();
        const error = scanner.lastError();
        const up = providers.filter((p) => p.ok).length;
        return {
          ok: !error && up >= rpc.quorum,
          detail: error ??
            (up < rpc.quorum
              ? `${up} of ${providers.length} providers answer; ${rpc.quorum} must agree`
              : undefined),
          chainId,
          providers,
          head: last?.head.toString(),
          finalized: last?.finalized.toString(),
          depositsWaiting: last?.waiting ?? 0,
          embedded: embedded !== null,
        };
      });
      // Tokens of auctions not yet settled must stay transferable by custody until they are.
      health("custody", async () => {
        const lots = await db.query<{ auction_id: string; nft_contract: string; token_id: string }>(
          `select i.auction_id, i.nft_contract, i.token_id from chain_auction_items i
         left join chain_settlements s on s.auction_id = i.auction_id
         where s.auction_id is null and i.nft_contract is not null`,
        );
        const problems: string[] = [];
        for (const lot of lots) {
          const check = await service.checkCustody({
            contract: lot.nft_contract,
            tokenId: BigInt(lot.token_id),
          });
          if (!check.ok) problems.push(`${lot.auction_id}: ${check.reason}`);
        }
        return {
          ok: problems.length === 0,
          detail: problems.join("; ") || undefined,
          lots: lots.length,
        };
      });
      health("settlement", async () => {
        const claims = await settlement.claims();
        const failed = await db.query<{ auction_id: string; error: string | null }>(
          "select auction_id, error from chain_settlements where state = 'failed' order by created_at",
        );
        return {
          ok: failed.length === 0,
          detail: failed.map((f) => `${f.auction_id}: ${f.error}`).join("; ") || undefined,
          openClaims: claims.length,
        };
      });
      const credits = metrics.counter(
        "sothebais_chain_deposits_total",
        "Deposit credit changes, by stage",
      );
      const reversals = metrics.counter(
        "sothebais_chain_deposit_reversals_total",
        "Credited deposits reversed by a reorg",
      );
      offs.push(
        bus.on("deposit.credited", (e) => credits.inc(1, { stage: e.payload.stage })),
        bus.on("deposit.reversed", () => reversals.inc()),
      );
      metrics.gauge(
        "sothebais_chain_head_block",
        "Head block at the last deposit pass",
        () => Number(scanner.last()?.head ?? 0),
      );

      return async () => {
        stopped = true;
        cancel();
        settlement.stop();
        await ticking; // the storage closes after this teardown
        for (const off of offs) off();
        await handlers.drained(); // what the handlers were told is written (the bidders settlement refunds)
        await embedded?.node.stop("SIGTERM"); // anvil writes its state on the way out
      };
    }
  },
});
