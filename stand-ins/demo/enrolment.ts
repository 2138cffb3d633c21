/**
 * Enrols the simulated bidders the way a person does: the link page's challenge, a signature, a
 * `link <code>` tweet through the fake X server, and an escrow deposit for each bidder whose
 * balance is spent. Funds that cannot be read are unknown, not zero: that bidder waits for the
 * next round rather than depositing twice. While a lot's settlement is unfinished nobody deposits
 * again: a person deposits what came back, so the refund lands first (on any clock). The last
 * deposit of each bidder is kept in
 * `<dataDir>/deposits.json`, so one still confirming after a restart is not sent again.
 */
import { createWalletClient, type Hash, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import type { ServiceOf } from "../../core/plugin.ts";
import type {} from "../../plugins/chain/mod.ts";

export interface EnrolmentOptions {
  chain: ServiceOf<"chain">;
  funds: ServiceOf<"funds">;
  embedded: NonNullable<ServiceOf<"chain">["embedded"]>;
  clock: Clock;
  log: Log;
  dataDir: string;
  /** The engine's own routes (the link page's API). */
  request(path: string, init: RequestInit): Response | Promise<Response>;
  fakeXUrl?: string;
  hostHandle: string;
  bidders: number;
  deposit: string;
  stopped(): boolean;
  /** A lot closed and is not settled yet: its refunds are still on their way. */
  settling(): boolean;
}

/** One round: every bidder not ready yet is linked or funded (errors wait for the next round). */
export function bidderEnrolment(o: EnrolmentOptions): () => Promise<void> {
  const post = async (path: string, body: unknown) => {
    const response = await o.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    if (!json.ok) throw new Error(`${path}: ${json.message ?? response.status}`);
    return json;
  };
  const depositsFile = `${o.dataDir}/deposits.json`;
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
    if (sent !== undefined && o.clock.instant().epochMilliseconds - sent < 60_000) return false;
    if (o.settling()) return false;
    if (await o.funds.balanceOf(handle) > 0n) return false;
    const last = deposits[handle];
    if (!last) return true;
    const check = await o.chain.verifyDepositTx(handle, last, 1n);
    // Mined but not yet confirmed: it will be credited; credited before: it was spent.
    return !(check.ok && check.stage === "seen");
  };

  const link = async (handle: string, account: ReturnType<typeof privateKeyToAccount>) => {
    if (!o.fakeXUrl) throw new Error("no fake X to tweet the link code into");
    const { message } = await post("/link/challenge", {
      address: account.address,
      handle,
      chainId: o.embedded.chainId,
    });
    const { code } = await post("/link/signature", {
      message,
      signature: await account.signMessage({ message }),
    });
    const tweeted = await fetch(`${o.fakeXUrl}/_fake/tweets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ author: handle, text: `@${o.hostHandle} link ${code}` }),
    });
    await tweeted.body?.cancel();
  };

  const enrol = async (i: number) => {
    const handle = `@sim_bidder${i + 1}`;
    const bidder = o.embedded.bidders[i];
    if (!bidder) return;
    const account = privateKeyToAccount(bidder.privateKey);
    // Its deposit waits until the link is read back and recorded.
    if (!(await o.funds.walletOf(handle))) return await link(handle, account);
    if (!(await needsDeposit(handle))) return;
    const wallet = createWalletClient({ account, transport: http(o.embedded.url) });
    deposits[handle] = await wallet.sendTransaction({
      to: o.chain.escrow,
      value: parseEther(o.deposit),
      chain: null,
    });
    sentAt.set(handle, o.clock.instant().epochMilliseconds);
    await Deno.mkdir(o.dataDir, { recursive: true });
    await Deno.writeTextFile(depositsFile, JSON.stringify(deposits));
    o.log.debug("demo deposit sent", { handle, txHash: deposits[handle] });
  };

  return async () => {
    for (let i = 0; i < o.bidders && !o.stopped(); i++) {
      await enrol(i).catch((error) =>
        o.log.warn("demo bidder not ready yet; tried again next round", { i, error })
      );
    }
  };
}
