import { type Address, getAddress, type Hash, parseEther } from "viem";
import type { Events } from "../../../core/bus.ts";
import { erc721Abi } from "../custody.ts";
import { deployDemoNft } from "../embedded_chain.ts";
import { assert, assertEquals, assertMatch } from "../../../core/testing.ts";
import {
  anvilAvailable,
  bidders,
  CHAIN_ID,
  chainEngine,
  clientsFor,
  escrow,
  eventually,
  linkWallet,
  withAnvil,
} from "./chain_kit.ts";

const ready = await anvilAvailable();
const [bob, carol] = bidders;
const custodian = escrow.account.address;
const zero = "0x0000000000000000000000000000000000000000";

interface TransferRow {
  tx_hash: string;
  log_index: number;
  nft_contract: string;
  token_id: string;
  from_address: string;
  to_address: string;
  block_number: string;
  block_hash: string;
}

Deno.test({
  name:
    "token transfers: a lot leaving custody is recorded, emitted and fails custody; reorgs remove rows; settlement's transfer is recorded",
  ignore: !ready,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withAnvil([], async (node) => {
      const { client, test, wallet } = clientsFor(node);
      // The head is cached for the whole test: custody answers change only by invalidation.
      const { engine, chain } = await chainEngine({
        urls: [node.url],
        config: { headCacheMs: 3_600_000 },
      });
      try {
        // sync() joins a pass already running, which may have read the head before the last
        // transaction (the engine's first pass runs at start); the second one starts after it.
        const scanNow = async () => {
          await chain.sync();
          await chain.sync();
        };
        const moved: Events["token.transferred"][] = [];
        engine.bus.on("token.transferred", (e) => void moved.push(e.payload));
        // Lots are known before their tokens are minted: blocks scanned before a lot is known
        // are not scanned again for it (the engine's first pass may run at any time).
        const nft = await deployDemoNft(node.url, CHAIN_ID, escrow.privateKey, []);
        await chain.setLot("a1", { contract: nft, tokenId: 1n });
        await chain.setLot("a2", { contract: nft, tokenId: 2n });
        for (const tokenId of [1n, 2n, 3n]) {
          const hash = await wallet(escrow.account).writeContract({
            address: nft,
            abi: erc721Abi,
            functionName: "mint",
            args: [custodian, tokenId],
          });
          await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
        }
        const rows = () =>
          engine.db.query<TransferRow>(
            "select * from chain_token_transfers order by block_number, log_index",
          );
        const send = async (from: typeof bob | typeof escrow.account, to: Address, id: bigint) => {
          const hash = await wallet(from).writeContract({
            address: nft,
            abi: erc721Abi,
            functionName: "safeTransferFrom",
            args: [from.address, to, id],
          });
          return await client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
        };

        await t.step("the mints of the lots' tokens are recorded; token 3 is no lot", async () => {
          await scanNow();
          assertEquals(
            moved.map((m) => [m.contract, m.tokenId, m.from, m.to]),
            [[nft, 1n, zero, custodian], [nft, 2n, zero, custodian]],
          );
          assertEquals((await rows()).length, 2);
        });

        await t.step("a transfer out of custody: recorded, emitted, custody fails", async () => {
          assertEquals((await chain.checkCustody({ contract: nft, tokenId: 2n })).ok, true);
          const receipt = await send(escrow.account, carol.address, 2n);
          await scanNow();
          assertEquals(moved.at(-1), {
            contract: nft,
            tokenId: 2n,
            from: custodian,
            to: carol.address,
            txHash: receipt.transactionHash,
          });
          const [row] = (await rows()).filter((r) => r.tx_hash === receipt.transactionHash);
          const log = receipt.logs.find((l) => getAddress(l.address) === nft)!;
          assertEquals(row, {
            tx_hash: receipt.transactionHash,
            log_index: log.logIndex,
            nft_contract: nft,
            token_id: "2",
            from_address: custodian,
            to_address: carol.address,
            block_number: String(receipt.blockNumber),
            block_hash: receipt.blockHash,
          });
          // Same cached head as the check above: only the invalidation makes this fresh.
          const check = await chain.checkCustody({ contract: nft, tokenId: 2n });
          assertMatch(check.ok ? "" : check.reason, /owned by 0x/);
          // Scanning the same blocks again records and emits nothing new.
          const count = moved.length;
          await scanNow();
          assertEquals(moved.length, count);
        });

        await t.step("a reorg that drops a recorded transfer removes its row", async () => {
          const snapshot = await test.snapshot();
          const back = await send(carol, custodian, 2n);
          await scanNow();
          assertEquals(moved.at(-1)?.txHash, back.transactionHash);
          assertEquals((await chain.checkCustody({ contract: nft, tokenId: 2n })).ok, true);
          await test.revert({ id: snapshot });
          await test.mine({ blocks: 3 }); // the other branch is longer
          await scanNow();
          const hashes = (await rows()).map((r) => r.tx_hash);
          assert(!hashes.includes(back.transactionHash), "the reorged transfer is gone");
          assertEquals(hashes.length, 3);
          const check = await chain.checkCustody({ contract: nft, tokenId: 2n });
          assertMatch(check.ok ? "" : check.reason, /owned by 0x/);
        });

        await t.step("settlement's transfer to the winner is recorded", async () => {
          await linkWallet(engine, bob, "@bob", "1002");
          const deposit = await wallet(bob).sendTransaction({
            to: custodian,
            value: parseEther("1"),
          });
          await client.waitForTransactionReceipt({ hash: deposit, pollingInterval: 20 });
          await test.mine({ blocks: 2 });
          await scanNow();
          const settled: Events["auction.settled"][] = [];
          engine.bus.on("auction.settled", (e) => void settled.push(e.payload));
          engine.bus.emit(
            "bid.accepted",
            { auctionId: "a1", tweetId: "t1", handle: "@bob", amountWei: parseEther("1") } as never,
          );
          engine.bus.emit("auction.closed", {
            auctionId: "a1",
            winner: { handle: "@bob", amountWei: parseEther("1"), tweetId: "t1" },
            runnerUp: null,
            at: "2026-11-25T21:00:00-05:00",
          } as never);
          await eventually(() => settled.length > 0, "auction.settled");
          const txHash = settled[0].txHash as Hash;
          assert(txHash, "settled with an NFT transfer");
          await scanNow();
          assertEquals(moved.at(-1), {
            contract: nft,
            tokenId: 1n,
            from: custodian,
            to: bob.address,
            txHash,
          });
          const [row] = (await rows()).filter((r) => r.tx_hash === txHash);
          assertEquals([row.token_id, row.to_address], ["1", bob.address]);
        });
      } finally {
        await engine.stop();
      }
    });
  },
});
