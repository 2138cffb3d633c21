/**
 * Lots: which token each auction sells, and whether custody can move it. The
 * only file that writes `chain_auction_items` (settlement reads it through
 * `lotOfAuction`). An auction's lot comes from `setLot`, else the first
 * `auction.opened`/`updated` naming a configured item or a CAIP-19 id; an
 * explicit `setLot` wins over what an event recorded. Custody answers are
 * cached per head block, and a seen transfer of the token drops its answer.
 */
import { type Address, getAddress } from "viem";
import type { Db, Queryable } from "../../core/db.ts";
import { caip19 } from "./chain_config.ts";
import { checkCustody, type CustodyCheck, type NftRef } from "./custody.ts";
import type { Rpc } from "./rpc.ts";

export interface Lots {
  /** Records an auction's lot from its item name, unless one is recorded already. */
  recordItem(auctionId: string, item: string): Promise<void>;
  /** Which token an auction sells (replaces what was recorded). */
  set(auctionId: string, lot: NftRef): Promise<void>;
  /** Every token to follow: the configured lots and every auction's. */
  known(): Promise<NftRef[]>;
  /** Can the custody account transfer this token? (cached per head block) */
  checkCustody(nft: NftRef): Promise<CustodyCheck>;
  /** The auction's lot's custody; null: no token known for it. */
  checkAuctionCustody(auctionId: string, item: string): Promise<CustodyCheck | null>;
  /** Lots of auctions not yet settled whose custody fails, as `auctionId: reason`. */
  unsettledProblems(): Promise<{ lots: number; problems: string[] }>;
  /** A transfer of this token was seen: its cached custody answer is stale. */
  moved(nft: NftRef): void;
}

export interface LotsOptions {
  db: Db;
  rpc: Rpc;
  custody: Address;
  /** Item name → token (the config's `lots` and the embedded demo tokens). */
  byItem: Record<string, NftRef>;
  /** The current head, to key the custody cache. */
  head(): Promise<bigint>;
}

/** Item name → token: the config's `lots` (CAIP-19 ids) and the embedded chain's demo tokens. */
export function lotsByItem(
  configured: Record<string, string>,
  embedded: { nft: Address; tokens: bigint[] } | null,
): Record<string, NftRef> {
  const byItem: Record<string, NftRef> = Object.fromEntries(
    Object.entries(configured).map(([item, id]) => [item, caip19(id)!]),
  );
  for (const t of embedded?.tokens ?? []) {
    byItem[`Demo #${t}`] = { contract: embedded!.nft, tokenId: t };
  }
  return byItem;
}

/** The lot recorded for an auction (settlement plans its NFT transfer from it). */
export async function lotOfAuction(q: Queryable, auctionId: string): Promise<NftRef | null> {
  const [row] = await q.query<{ nft_contract: string | null; token_id: string | null }>(
    "select nft_contract, token_id from chain_auction_items where auction_id = $1",
    [auctionId],
  );
  return row?.nft_contract && row.token_id !== null
    ? { contract: row.nft_contract, tokenId: BigInt(row.token_id) }
    : null;
}

export function createLots(options: LotsOptions): Lots {
  const { db, rpc, custody, byItem } = options;
  const cache = new Map<string, Promise<CustodyCheck>>();
  const write = (auctionId: string, lot: NftRef, onConflict: string) =>
    db.query(
      `insert into chain_auction_items (auction_id, nft_contract, token_id) values ($1, $2, $3)
       on conflict (auction_id) ${onConflict}`,
      [auctionId, getAddress(lot.contract), lot.tokenId],
    );
  const lots: Lots = {
    async recordItem(auctionId, item) {
      const lot = byItem[item] ?? caip19(item);
      if (lot) await write(auctionId, lot, "do nothing");
    },
    async set(auctionId, lot) {
      await write(auctionId, lot, "do update set nft_contract = $2, token_id = $3");
    },
    async known() {
      const rows = await db.query<{ nft_contract: string; token_id: string }>(
        "select nft_contract, token_id from chain_auction_items where nft_contract is not null",
      );
      return [
        ...Object.values(byItem),
        ...rows.map((r) => ({ contract: r.nft_contract, tokenId: BigInt(r.token_id) })),
      ];
    },
    async checkCustody(lot) {
      // Cached per block: many parts ask, and nothing can change it within one block.
      const key = `${await options.head()}:${getAddress(lot.contract)}:${lot.tokenId}`;
      let answer = cache.get(key);
      if (!answer) {
        cache.clear();
        answer = checkCustody(rpc.client, custody, lot);
        cache.set(key, answer);
        answer.catch(() => cache.delete(key));
      }
      return await answer;
    },
    async checkAuctionCustody(auctionId, item) {
      const lot = await lotOfAuction(db, auctionId) ?? byItem[item] ?? caip19(item);
      return lot ? await lots.checkCustody(lot) : null;
    },
    async unsettledProblems() {
      // Tokens of auctions not yet settled must stay transferable by custody until they are.
      const rows = await db.query<{ auction_id: string; nft_contract: string; token_id: string }>(
        `select i.auction_id, i.nft_contract, i.token_id from chain_auction_items i
         left join chain_settlements s on s.auction_id = i.auction_id
         where s.auction_id is null and i.nft_contract is not null`,
      );
      const problems: string[] = [];
      for (const row of rows) {
        const check = await lots.checkCustody({
          contract: row.nft_contract,
          tokenId: BigInt(row.token_id),
        });
        if (!check.ok) problems.push(`${row.auction_id}: ${check.reason}`);
      }
      return { lots: rows.length, problems };
    },
    moved(nft) {
      const suffix = `:${getAddress(nft.contract)}:${nft.tokenId}`;
      for (const key of cache.keys()) {
        if (key.endsWith(suffix)) cache.delete(key);
      }
    },
  };
  return lots;
}
