/**
 * show-log: what the show is doing, one log line a thing, for the person at the
 * terminal: each phase change, each lot opened, extended and closed, each
 * decision (who, how much, or why not), each credited deposit. The line's
 * message is the sentence a person reads; the event itself rides along as one
 * nested field for machines (JSON lines), which the terminal form leaves out; less what must
 * not be logged (`WITHHELD`: never a wallet beside its account).
 * It only listens: everything it says is also in Postgres, written by the owners.
 */
import { formatEther } from "viem";
import { z } from "zod";
import type { Payload } from "../../core/bus.ts";
import { TIME_ZONE } from "../../core/clock.ts";
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type {} from "../chain/mod.ts";

/** `1.25 ETH`, exact from wei. */
export const ethText = (wei: bigint) => `${formatEther(wei)} ETH`;

/** `14:05:30`, New York wall clock, from an event's ISO time. */
export const clockText = (iso: string) =>
  Temporal.Instant.from(iso).toZonedDateTimeISO(TIME_ZONE).toPlainTime()
    .toString({ smallestUnit: "second" });

/** The sentence for each event this plugin tells, by type. */
export const sentences = {
  "campaign.phase": (p: Payload<"campaign.phase">) =>
    `${p.phase} (${p.auctionId}) until ${clockText(p.endsAt)}`,
  "auction.opened": (p: Payload<"auction.opened">) =>
    `${p.auctionId} open: ${p.item}, until ${clockText(p.endsAt)}`,
  "bid.accepted": (p: Payload<"bid.accepted">) =>
    `${p.auctionId}: ${p.proxy ? "proxy bid: " : ""}${p.handle} ` +
    (!p.leads
      ? `bid ${ethText(p.amountWei)}, outbid at once by a maximum`
      : `leads at ${ethText(p.amountWei)}`) +
    (!p.leads || !p.previousLeader
      ? ""
      : p.previousLeader.handle.toLowerCase() === p.handle.toLowerCase()
      ? " (raising their own bid)"
      : ` (outbids ${p.previousLeader.handle})`),
  "bid.rejected": (p: Payload<"bid.rejected">) =>
    `${p.auctionId ?? "no auction"}: ${p.handle} refused (${p.reason}): ${p.message}`,
  "auction.extended": (p: Payload<"auction.extended">) =>
    `${p.auctionId} extended to ${clockText(p.endsAt)} (a bid in the last moments)`,
  "auction.closed": (p: Payload<"auction.closed">) =>
    p.winner
      ? `${p.auctionId} closed: ${p.winner.handle} wins at ${ethText(p.winner.amountWei)}`
      : `${p.auctionId} closed: no sale`,
  "deposit.credited": (p: Payload<"deposit.credited">) =>
    `deposit of ${ethText(p.amountWei)} credited to ${p.handle ?? "an unlinked wallet"}`,
} as const;

/**
 * Fields of an event left out of its log line: a credited deposit names the account, so not the
 * wallet too (which wallet an account holds is not public: plugins/chain/pairing.ts).
 */
const WITHHELD: Partial<Record<keyof typeof sentences, string[]>> = {
  "deposit.credited": ["address"],
};

export default definePlugin({
  name: "show-log",
  config: z.object({
    /** Also tell rejections (a busy show refuses many malformed bids). */
    rejections: z.boolean().default(true),
  }),
  listens: Object.keys(sentences),
  setup({ bus, config, log }) {
    const tell = <T extends keyof typeof sentences>(
      type: T,
      worthTelling: (p: Payload<T>) => boolean = () => true,
    ) =>
      bus.on(type, (event) => {
        if (!worthTelling(event.payload)) return;
        const payload = Object.fromEntries(
          Object.entries(event.payload).filter(([k]) => !WITHHELD[type]?.includes(k)),
        );
        log.info((sentences[type] as (p: Payload<T>) => string)(event.payload), {
          event: { ...event, payload },
        });
      });
    const offs = (Object.keys(sentences) as (keyof typeof sentences)[])
      .filter((type) => config.rejections || type !== "bid.rejected")
      // Final credit repeats the pending one: a person needs it once.
      .map((type) =>
        type === "deposit.credited" ? tell(type, (p) => p.stage === "pending") : tell(type)
      );
    return () => offs.forEach((off) => off());
  },
});
