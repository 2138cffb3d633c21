/**
 * Linking a wallet to an X account with Sign-In with Ethereum (EIP-4361).
 *
 * The server issues a single-use nonce bound to (wallet, chain, handle, X user
 * id, expiry) and the exact message to sign. Two ways to finish, both real:
 *  - the link page posts the signature; we verify it and show a short code,
 *    which the account then tweets (`link K7Q2MX`) — the tweet proves control
 *    of the X account;
 *  - or the tweet carries the full proof, `link <nonce> <signature>`.
 * Signatures are checked with the public client's `verifySiweMessage`, passing
 * domain and nonce, so ERC-1271 / ERC-6492 smart wallets pass too.
 * A link is the X account's (user id), whatever its handle: a relink replaces
 * that account's current wallet only, and a wallet once linked stays with its
 * account (accounts.ts), so its deposits have one owner.
 * What pairs a wallet with an account is sealed at rest (pairing.ts): a challenge's address,
 * message and signature, a link's and a wallet's address (found by its mac), the audit's
 * addresses. The log names the account, never the wallet.
 */
import { getAddress, type Hex, isAddress, recoverMessageAddress } from "viem";
import { createSiweMessage, generateSiweNonce, parseSiweMessage } from "viem/siwe";
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import type { SecretBox } from "../../core/secret_box.ts";
import { handleKey, isAccountId, linkOf } from "./accounts.ts";
import { auditContext, challengeContext, linkContext, openAddress, sealWallet } from "./pairing.ts";
import { openSealed } from "../../core/sealed_columns.ts";
import type { Rpc } from "./rpc.ts";

export { handleKey };

export interface WalletLinkDeps {
  db: Db;
  rpc: Rpc;
  clock: Clock;
  bus: Bus;
  log: Log;
  /** Seals the pairing at rest (ctx.secrets). */
  box: SecretBox;
  chainId: number;
  /** The host serving the link page, e.g. `auction.example.com` (the SIWE domain). */
  domain: string;
  /** The link page's URL (the SIWE uri). */
  uri: string;
  /** How long a challenge (and its code) stays valid. */
  ttlMs: number;
}

export type Refusal =
  | "malformed"
  | "unknown-nonce"
  | "unknown-code"
  | "replayed"
  | "expired"
  | "wrong-chain"
  | "wrong-domain"
  | "wrong-account"
  | "wallet-in-use"
  | "bad-signature";

export type Outcome<T> = { ok: true } & T | { ok: false; reason: Refusal; message: string };

const refuse = (reason: Refusal, message: string) => ({ ok: false as const, reason, message });

interface ChallengeRow {
  nonce: string;
  address: string;
  handle: string;
  x_user_id: string | null;
  chain_id: string;
  message: string;
  expires_at: Date;
  code: string | null;
  signature: string | null;
  verified_at: Date | null;
  used_at: Date | null;
}

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/I

function newCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
}

/** Step 1: the message to sign, bound to a fresh single-use nonce. */
export async function issueChallenge(
  deps: WalletLinkDeps,
  request: { address: string; handle: string; xUserId?: string; chainId?: number },
): Promise<Outcome<{ nonce: string; message: string; expiresAt: string }>> {
  if (!isAddress(request.address, { strict: false })) return refuse("malformed", "not an address");
  if (!/^@?[A-Za-z0-9_]{1,15}$/.test(request.handle.trim())) {
    return refuse("malformed", "not an X handle");
  }
  if (request.xUserId !== undefined && !/^[0-9]{1,20}$/.test(request.xUserId)) {
    return refuse("malformed", "not an X user id");
  }
  if (request.chainId !== undefined && request.chainId !== deps.chainId) {
    return refuse(
      "wrong-chain",
      `the wallet is on chain ${request.chainId}; switch it to chain ${deps.chainId}`,
    );
  }
  const address = getAddress(request.address);
  const handle = handleKey(request.handle);
  const nonce = generateSiweNonce();
  const issuedAt = new Date(deps.clock.instant().epochMilliseconds);
  const expirationTime = new Date(issuedAt.getTime() + deps.ttlMs);
  const resources = [`https://x.com/${handle.slice(1)}`];
  if (request.xUserId) resources.push(`https://x.com/i/user/${request.xUserId}`);
  const message = createSiweMessage({
    domain: deps.domain,
    address,
    chainId: deps.chainId,
    nonce,
    uri: deps.uri,
    version: "1",
    issuedAt,
    expirationTime,
    statement: `Link this wallet to the X account ${handle}${
      request.xUserId ? ` (user id ${request.xUserId})` : ""
    } for SothebAIs auctions.`,
    requestId: request.xUserId ? `x-user:${request.xUserId}` : `x-handle:${handle}`,
    resources,
  });
  await deps.db.query(
    `insert into chain_challenges (nonce, address, handle, x_user_id, chain_id, message, issued_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      nonce,
      await deps.box.seal(address, challengeContext("address", nonce)),
      handle,
      request.xUserId ?? null,
      deps.chainId,
      await deps.box.seal(message, challengeContext("message", nonce)),
      issuedAt,
      expirationTime,
    ],
  );
  return { ok: true, nonce, message, expiresAt: expirationTime.toISOString() };
}

/** The challenge `column` = `value` names (nonce or code), its address and message opened. */
async function challengeWhere(
  deps: WalletLinkDeps,
  column: "nonce" | "code",
  value: string,
): Promise<ChallengeRow | null> {
  const [row] = await deps.db.query<ChallengeRow>(
    `select * from chain_challenges where ${column} = $1`,
    [value],
  );
  if (!row) return null;
  const where = (c: "address" | "message") => ({
    table: "chain_challenges",
    row: row.nonce,
    context: challengeContext(c, row.nonce),
  });
  return {
    ...row,
    address: await openAddress(deps.box, row.address, where("address")),
    message: await openSealed(deps.box, row.message, where("message")),
  };
}

/** Checks a signed message against its challenge; does not consume it. */
async function checkSigned(
  deps: WalletLinkDeps,
  message: string,
  signature: string,
): Promise<Outcome<{ challenge: ChallengeRow }>> {
  if (!/^0x[0-9a-fA-F]+$/.test(signature)) return refuse("malformed", "the signature is not hex");
  let parsed: ReturnType<typeof parseSiweMessage>;
  try {
    parsed = parseSiweMessage(message);
  } catch {
    return refuse("malformed", "not a Sign-In with Ethereum message");
  }
  if (!parsed.nonce || !parsed.address) return refuse("malformed", "the message has no nonce");
  const challenge = await challengeWhere(deps, "nonce", parsed.nonce);
  if (!challenge) return refuse("unknown-nonce", "this proof was not issued here");
  if (challenge.used_at || challenge.verified_at) {
    return refuse("replayed", "this proof was already used");
  }
  if (parsed.chainId !== deps.chainId) {
    return refuse("wrong-chain", `signed for chain ${parsed.chainId}, expected ${deps.chainId}`);
  }
  if (parsed.domain !== deps.domain) {
    return refuse("wrong-domain", `signed for ${parsed.domain}, expected ${deps.domain}`);
  }
  if (getAddress(parsed.address) !== challenge.address) {
    return refuse("wrong-account", `the challenge was issued to ${challenge.address}`);
  }
  const now = deps.clock.instant().epochMilliseconds;
  if (now >= challenge.expires_at.getTime()) return refuse("expired", "this proof has expired");
  if (message !== challenge.message) {
    return refuse("malformed", "the message differs from the one issued");
  }
  const valid = await deps.rpc.client.verifySiweMessage({
    message,
    signature: signature as Hex,
    domain: deps.domain,
    nonce: challenge.nonce,
    address: challenge.address as Hex,
    time: new Date(now),
  });
  if (!valid) {
    const signer = await recoverMessageAddress({ message, signature: signature as Hex }).catch(
      () => null,
    );
    return signer && signer !== challenge.address
      ? refuse("wrong-account", `signed by ${signer}, not by ${challenge.address}`)
      : refuse("bad-signature", "the signature does not match the message");
  }
  return { ok: true, challenge };
}

/** Step 2 (link page): verify the signature now; hand back the short code to tweet. */
export async function submitSignature(
  deps: WalletLinkDeps,
  proof: { message: string; signature: string },
): Promise<Outcome<{ code: string; handle: string; expiresAt: string }>> {
  const checked = await checkSigned(deps, proof.message, proof.signature);
  if (!checked.ok) return checked;
  const { challenge } = checked;
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newCode();
    try {
      const rows = await deps.db.query(
        `update chain_challenges set verified_at = $2, code = $3, signature = $4
         where nonce = $1 and verified_at is null and used_at is null returning nonce`,
        [
          challenge.nonce,
          new Date(deps.clock.instant().epochMilliseconds),
          code,
          await deps.box.seal(proof.signature, challengeContext("signature", challenge.nonce)),
        ],
      );
      if (rows.length === 0) return refuse("replayed", "this proof was already used");
      return {
        ok: true,
        code,
        handle: challenge.handle,
        expiresAt: challenge.expires_at.toISOString(),
      };
    } catch (error) {
      if (!/unique|duplicate/i.test(String(error))) throw error;
    }
  }
  throw new Error("could not allocate a link code");
}

export interface LinkRequest {
  tweetId: string;
  authorId: string;
  handle: string;
  /** What followed `link` in the tweet: a short code, or `<nonce> <signature>`. */
  proof: string;
}

/** Step 3: the tweet. Completes a code, or verifies a full proof; links, audits, emits. */
export async function completeLink(
  deps: WalletLinkDeps,
  request: LinkRequest,
): Promise<Outcome<{ address: string; previousAddress: string | null }>> {
  const result = await decide(deps, request);
  const at = new Date(deps.clock.instant().epochMilliseconds);
  if (!result.ok) {
    await deps.db.query(
      `insert into chain_link_audit (at, handle, x_user_id, outcome, reason, tweet_id)
       values ($1, $2, $3, 'refused', $4, $5)`,
      [at, handleKey(request.handle), request.authorId, result.reason, request.tweetId],
    );
    deps.bus.emit("wallet.link-refused", {
      tweetId: request.tweetId,
      handle: request.handle,
      reason: result.reason,
      message: result.message,
    });
    return result;
  }
  deps.bus.emit("wallet.linked", {
    handle: request.handle,
    xUserId: request.authorId,
    address: result.address,
    tweetId: request.tweetId,
  });
  // The account, never the wallet: the log must not pair them.
  deps.log.info("wallet linked", {
    handle: request.handle,
    xUserId: request.authorId,
    relinked: result.previousAddress !== null,
  });
  return result;
}

async function decide(
  deps: WalletLinkDeps,
  request: LinkRequest,
): Promise<Outcome<{ address: string; previousAddress: string | null }>> {
  if (!isAccountId(request.authorId)) return refuse("malformed", "not an X user id");
  const text = request.proof.trim();
  const full = text.match(/^([A-Za-z0-9]{8,})[\s.:]+(0x[0-9a-fA-F]{130,})$/);
  const code = text.match(/^[A-Za-z0-9]{6}$/);
  let challenge: ChallengeRow;
  if (full) {
    const row = await challengeWhere(deps, "nonce", full[1]);
    if (!row) return refuse("unknown-nonce", "this proof was not issued here");
    const checked = await checkSigned(deps, row.message, full[2]);
    if (!checked.ok) return checked;
    challenge = checked.challenge;
  } else if (code) {
    const row = await challengeWhere(deps, "code", text.toUpperCase());
    if (!row) return refuse("unknown-code", "no wallet signature is waiting under this code");
    if (row.used_at) return refuse("replayed", "this code was already used");
    if (deps.clock.instant().epochMilliseconds >= row.expires_at.getTime()) {
      return refuse("expired", "this code has expired; sign again on the link page");
    }
    challenge = row;
  } else {
    return refuse("malformed", "tweet `link <code>` with the code from the link page");
  }
  if (challenge.x_user_id && challenge.x_user_id !== request.authorId) {
    return refuse("wrong-account", "this proof names another X account");
  }
  if (handleKey(challenge.handle) !== handleKey(request.handle)) {
    return refuse("wrong-account", `this proof is for ${challenge.handle}`);
  }
  const at = new Date(deps.clock.instant().epochMilliseconds);
  const account = request.authorId;
  const key = handleKey(request.handle);
  const { box } = deps;
  const wallet = await sealWallet(box, challenge.address);
  const [{ id: auditId }] = await deps.db.query<{ id: string }>(
    "select nextval(pg_get_serial_sequence('chain_link_audit', 'id'))::text as id",
  );
  return await deps.db.transaction(async (tx) => {
    // A wallet stays with the account that linked it: two accounts on one balance could each
    // bid it in full, and its deposits must have one owner.
    // The refusal is posted on X: it names no account (that would pair it with this wallet).
    const [owner] = await tx.query<{ x_user_id: string }>(
      "select x_user_id from chain_wallets where address_mac = $1",
      [wallet.mac],
    );
    if (owner && owner.x_user_id !== account) {
      return refuse("wallet-in-use", "this wallet is linked to another X account");
    }
    const used = await tx.query(
      "update chain_challenges set used_at = $2 where nonce = $1 and used_at is null returning nonce",
      [challenge.nonce, at],
    );
    if (used.length === 0) return refuse("replayed", "this proof was already used");
    const previousAddress = (await linkOf(tx, box, key, account))?.address ?? null;
    await tx.query(
      `insert into chain_links (handle_key, handle, x_user_id, address, address_mac, linked_at,
         tweet_id, nonce)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (x_user_id) do update set handle_key = $1, handle = $2, address = $4,
         address_mac = $5, linked_at = $6, tweet_id = $7, nonce = $8`,
      [
        key,
        request.handle,
        account,
        await box.seal(challenge.address, linkContext(account)),
        wallet.mac,
        at,
        request.tweetId,
        challenge.nonce,
      ],
    );
    await tx.query(
      `insert into chain_wallets (address_mac, address, x_user_id, linked_at) values ($1, $2, $3, $4)
       on conflict (address_mac) do update set linked_at = $4`,
      [wallet.mac, wallet.sealed, account, at],
    );
    const sealAudit = (column: "address" | "previous_address", v: string | null) =>
      v === null ? null : box.seal(v, auditContext(column, auditId));
    await tx.query(
      `insert into chain_link_audit (id, at, handle, x_user_id, address, previous_address, outcome,
         tweet_id)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        auditId,
        at,
        key,
        account,
        await sealAudit("address", challenge.address),
        await sealAudit("previous_address", previousAddress),
        previousAddress && previousAddress !== challenge.address ? "relinked" : "linked",
        request.tweetId,
      ],
    );
    return { ok: true as const, address: challenge.address, previousAddress };
  });
}

/**
 * The current wallet of the account a bidder is, or null. With `xUserId`, only that X
 * account's link: a handle that changed owner on X never reaches the previous owner's wallet.
 */
export async function walletOf(
  db: Pick<Db, "query">,
  box: SecretBox,
  handle: string,
  xUserId?: string,
): Promise<string | null> {
  return (await linkOf(db, box, handle, xUserId))?.address ?? null;
}

/**
 * Forgets challenges that expired before `before`, finished or not: a used one is worth
 * nothing once its page stopped asking (the link and the audit keep what was linked), and
 * each one kept is a pairing at rest (sealed, but one fewer is better).
 */
export async function forgetChallenges(db: Db, before: Temporal.Instant): Promise<void> {
  await db.query("delete from chain_challenges where expires_at < $1", [
    new Date(before.epochMilliseconds),
  ]);
}
