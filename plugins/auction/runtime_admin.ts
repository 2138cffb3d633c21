/**
 * Operator overrides (pause, resume, extend, cancel, void, close, reschedule),
 * each saved with who, when, why, the state before and after, then announced;
 * and the system's own override: voiding the leads a reversed deposit no longer
 * covers, largest first. Both run inside the runtime's serial queue.
 */
import { nyString } from "../../core/clock.ts";
import {
  type AdminAction,
  AdminError,
  applyAdmin,
  auctionById,
  type AuctionState,
  heldElsewhere,
  leaderOf,
} from "./rules.ts";
import { type AuctionSnapshot, snapshot, toJson } from "./snapshot.ts";
import { check, setAuction } from "./runtime_schedule.ts";
import { announceClose, type RuntimeState, updated } from "./runtime_state.ts";
import type { AdminBy } from "./auction_runtime.ts";

/** The named auction, or the only one not closed. */
function find(st: RuntimeState, auctionId: string | null): AuctionState {
  if (auctionId) {
    const s = auctionById(st.market, auctionId);
    if (!s) throw new AdminError(`no auction ${auctionId}`);
    return s;
  }
  const live = Object.values(st.market.auctions).filter((s) =>
    s.status === "open" || s.status === "paused" || s.status === "scheduled"
  );
  if (live.length !== 1) {
    throw new AdminError(`name the auction: ${live.length} are not closed`);
  }
  return live[0];
}

/** What an override would make of the auction now (throws AdminError when it does not fit). */
export function planAdmin(
  st: RuntimeState,
  auctionId: string | null,
  action: AdminAction,
  now: Temporal.Instant,
) {
  const before = find(st, auctionId);
  let after = applyAdmin(before, action, now);
  // Resuming an auction held back by custody leaves it to the gate, not straight open.
  if (after.status === "open" && before.status === "paused" && st.blocked.has(before.rules.id)) {
    after = { ...after, status: "scheduled" };
  }
  return { before, after };
}

/** An override, audited. */
export async function adminNow(
  st: RuntimeState,
  auctionId: string | null,
  action: AdminAction,
  by: AdminBy,
): Promise<AuctionSnapshot> {
  const { bus, clock, log, store } = st.o;
  const now = clock.instant();
  const { before, after } = planAdmin(st, auctionId, action, now);
  await store.saveAuction(after, {
    auctionId: before.rules.id,
    actor: by.actor,
    action,
    reason: by.reason,
    at: now,
    before: JSON.parse(toJson(snapshot(before))),
    after: JSON.parse(toJson(snapshot(after))),
  }, action.action === "void" ? action.tweetId : undefined);
  setAuction(st, after);
  log.info("admin override", { auctionId: before.rules.id, action: action.action, ...by });
  if (action.action === "extend") {
    bus.emit("auction.extended", {
      auctionId: after.rules.id,
      endsAt: nyString(after.endsAt),
      previousEndsAt: nyString(before.endsAt),
    }, now);
  }
  if (after.status === "closed" && before.status !== "closed") announceClose(st, after, now);
  updated(st, after, now);
  await check(st, now);
  return snapshot(st.market.auctions[after.rules.id]);
}

const liveLead = (s: AuctionState) => (s.status === "open" || s.status === "paused") && leaderOf(s);

/** Voids the leads a reversed deposit no longer covers (of the wallet's account). */
export async function voidUncovered(st: RuntimeState, address: string, xUserId?: string | null) {
  const funds = st.o.funds();
  const leaders = new Map<string, string>();
  for (const s of Object.values(st.market.auctions)) {
    const lead = liveLead(s);
    if (lead) leaders.set(lead.bidderId, lead.handle);
  }
  for (const [bidderId, handle] of leaders) {
    const userId = bidderId.startsWith("@") ? undefined : bidderId;
    const wallet = await funds.walletOf(handle, userId);
    const owns = bidderId === xUserId || wallet?.toLowerCase() === address.toLowerCase();
    if (!wallet || !owns) continue;
    const balance = await funds.balanceOf(handle, userId);
    for (;;) {
      if (heldElsewhere(st.market, bidderId, "") <= balance) break;
      const leads = Object.values(st.market.auctions).flatMap((s) => {
        const lead = liveLead(s);
        return lead && lead.bidderId === bidderId ? [{ s, lead }] : [];
      }).sort((a, b) => (b.lead.amountWei > a.lead.amountWei ? 1 : -1));
      if (!leads.length) break; // what remains is held by wins: settlement's business
      const { s, lead } = leads[0];
      await adminNow(st, s.rules.id, { action: "void", tweetId: lead.tweetId }, {
        actor: "system",
        reason: "deposit reversed",
      });
    }
  }
}
