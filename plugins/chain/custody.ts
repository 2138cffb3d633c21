/**
 * NFT custody: before an auction opens, the custody (escrow) account must own
 * the token, or be approved to move it, so that settlement can transfer it.
 */
import { type Address, getAddress, parseAbi } from "viem";
import type { PublicClient } from "viem";

export const erc721Abi = parseAbi([
  "function ownerOf(uint256 tokenId) view returns (address)",
  "function getApproved(uint256 tokenId) view returns (address)",
  "function isApprovedForAll(address owner, address operator) view returns (bool)",
  "function safeTransferFrom(address from, address to, uint256 tokenId)",
  "function mint(address to, uint256 tokenId)",
  "event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)",
]);

export interface NftRef {
  contract: string;
  tokenId: bigint;
}

export type CustodyCheck =
  | { ok: true; owner: Address; via: "owner" | "approved" | "operator" }
  | { ok: false; reason: string };

export async function checkCustody(
  client: PublicClient,
  custody: Address,
  nft: NftRef,
): Promise<CustodyCheck> {
  const address = getAddress(nft.contract);
  const code = await client.getCode({ address });
  if (!code || code === "0x") return { ok: false, reason: `no contract at ${address}` };
  let owner: Address;
  try {
    owner = getAddress(
      await client.readContract({
        address,
        abi: erc721Abi,
        functionName: "ownerOf",
        args: [nft.tokenId],
      }),
    );
  } catch {
    return { ok: false, reason: `token ${nft.tokenId} does not exist on ${address}` };
  }
  if (owner === custody) return { ok: true, owner, via: "owner" };
  const [approved, operator] = await Promise.all([
    client.readContract({
      address,
      abi: erc721Abi,
      functionName: "getApproved",
      args: [nft.tokenId],
    }),
    client.readContract({
      address,
      abi: erc721Abi,
      functionName: "isApprovedForAll",
      args: [owner, custody],
    }),
  ]);
  if (getAddress(approved) === custody) return { ok: true, owner, via: "approved" };
  if (operator) return { ok: true, owner, via: "operator" };
  return {
    ok: false,
    reason:
      `token ${nft.tokenId} is owned by ${owner}, and the custody account ${custody} may not transfer it`,
  };
}
