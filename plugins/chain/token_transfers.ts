/**
 * Token transfers: the ERC-721 `Transfer` logs of the lots' tokens, scanned over
 * the same blocks as deposits (the deposit scanner's cursor and reorg rewind), so
 * a lot leaving custody is seen without waiting for the next `ownerOf` check.
 */
import { type Address, getAddress, type Hash } from "viem";
import type { Bus } from "../../core/bus.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { erc721Abi, type NftRef } from "./custody.ts";
import type { RangeScan } from "./deposits.ts";
import type { Rpc } from "./rpc.ts";

export interface TokenTransfersOptions {
  db: Db;
  rpc: Rpc;
  bus: Bus;
  log: Log;
  /** The tokens to follow (configured lots and every auction's lot), read at each scan. */
  lots(): Promise<NftRef[]>;
  /** Called for each new transfer, before it is emitted (the custody cache forgets the token). */
  moved(nft: NftRef): void;
}

const transferEvent = erc721Abi.find((item) => item.type === "event" && item.name === "Transfer")!;

export function tokenTransfers(options: TokenTransfersOptions): RangeScan {
  const { db, rpc, bus, log } = options;
  return {
    async scan(from, to, hashes) {
      const lots = await options.lots();
      if (lots.length === 0) return;
      const wanted = new Set(lots.map((l) => `${getAddress(l.contract)}/${l.tokenId}`));
      const contracts = [...new Set(lots.map((l) => getAddress(l.contract)))];
      const logs = await rpc.client.getLogs({
        address: contracts,
        event: transferEvent,
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      const found = logs.filter((l) =>
        !l.removed && wanted.has(`${getAddress(l.address)}/${l.args.tokenId}`)
      );
      // Logs from another branch than the blocks scanned: a reorg during the pass. Nothing is
      // recorded and the cursor does not move; the next pass rewinds and rescans.
      for (const l of found) {
        if (hashes.get(l.blockNumber!) !== l.blockHash) {
          throw new Error(`reorg during the scan (block ${l.blockNumber}); retrying`);
        }
      }
      let recorded = 0;
      for (const l of found) {
        const nft = { contract: getAddress(l.address), tokenId: l.args.tokenId };
        const from = getAddress(l.args.from) as Address;
        const to = getAddress(l.args.to) as Address;
        const inserted = await db.query(
          `insert into chain_token_transfers (tx_hash, log_index, nft_contract, token_id,
             from_address, to_address, block_number, block_hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8)
           on conflict (tx_hash, log_index) do nothing returning tx_hash`,
          [
            l.transactionHash,
            l.logIndex,
            nft.contract,
            nft.tokenId,
            from,
            to,
            l.blockNumber,
            l.blockHash,
          ],
        );
        if (inserted.length === 0) continue; // scanned before (a resumed pass)
        recorded++;
        log.debug("lot token transferred", {
          contract: nft.contract,
          tokenId: nft.tokenId,
          from,
          to,
          txHash: l.transactionHash,
        });
        options.moved(nft);
        bus.emit("token.transferred", {
          contract: nft.contract,
          tokenId: nft.tokenId,
          from,
          to,
          txHash: l.transactionHash as Hash,
        });
      }
      // One line a pass: minting a collection into custody is twenty transfers at once.
      if (recorded) {
        log.info("lot token transfers recorded", { count: recorded, blocks: `${from}–${to}` });
      }
    },
    async rewind(above) {
      const gone = await db.query<{ tx_hash: string; nft_contract: string; token_id: string }>(
        `delete from chain_token_transfers where block_number > $1
         returning tx_hash, nft_contract, token_id`,
        [above],
      );
      for (const row of gone) {
        log.warn("lot token transfer reorged out", {
          txHash: row.tx_hash,
          contract: row.nft_contract,
          tokenId: row.token_id,
        });
        options.moved({ contract: row.nft_contract, tokenId: BigInt(row.token_id) });
      }
    },
  };
}
