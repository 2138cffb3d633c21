/**
 * When auctions open and close: timers armed at each auction's start, end and
 * end + grace; each firing queues a check that opens what is due (behind the
 * custody gate when a chain is there) and closes what may close (the clock, or
 * the tweet source's read-through, as the watermark). Every change is saved
 * before it is announced. A check (or a custody read) that failed for want of
 * the database runs again as soon as the database answers, not at the next timer.
 */
import type { Cancel } from "../../core/clock.ts";
import { auctionById, type AuctionState, close, mayClose, open, withAuction } from "./rules.ts";
import { snapshot, toJson } from "./snapshot.ts";
import { announceClose, type RuntimeState, updated } from "./runtime_state.ts";

const cmp = Temporal.Instant.compare;

/** Queues a check as of `now` (nothing once stopped). */
export function enqueueCheck(st: RuntimeState, now: Temporal.Instant) {
  if (st.stopped) return;
  st.work.run(() => check(st, now)).catch((error) => {
    st.o.log.error("check failed", { error });
    void st.o.store.down()?.then(() => enqueueCheck(st, now));
  });
}

export function arm(st: RuntimeState, s: AuctionState) {
  const { clock } = st.o;
  for (const cancel of st.timers.get(s.rules.id) ?? []) cancel();
  const cancels: Cancel[] = [];
  if (s.status === "scheduled") {
    cancels.push(clock.at(s.rules.startsAt, () => enqueueCheck(st, s.rules.startsAt)));
  }
  if (s.status === "scheduled" || s.status === "open") {
    cancels.push(clock.at(s.endsAt, () => enqueueCheck(st, s.endsAt)));
    const graceEnd = s.endsAt.add({ seconds: s.rules.ingestGraceSeconds });
    cancels.push(clock.at(graceEnd, () => enqueueCheck(st, graceEnd)));
  }
  st.timers.set(s.rules.id, cancels);
}

/** Puts an auction's new state in the market, re-arming its timers when its times moved. */
export function setAuction(st: RuntimeState, s: AuctionState) {
  const before = auctionById(st.market, s.rules.id);
  st.market = withAuction(st.market, s);
  if (
    !before || before.status !== s.status || !before.endsAt.equals(s.endsAt) ||
    !before.rules.startsAt.equals(s.rules.startsAt)
  ) arm(st, s);
}

/** Opens what is due and closes what may close, as of `now`. Runs inside the serial queue. */
export async function check(st: RuntimeState, now: Temporal.Instant) {
  const { bus, store } = st.o;
  const wm = st.o.watermark === "clock" ? now : st.watermark;
  for (const s0 of Object.values(st.market.auctions)) {
    let s = s0;
    const due = s.status === "scheduled" && cmp(now, s.rules.startsAt) >= 0;
    const ended = cmp(now, s.endsAt) >= 0;
    if (due && (ended ? st.blocked.has(s.rules.id) : !(await custodyHolds(st, s, now)))) {
      // Held scheduled: it opens once custody is fixed, or closes unopened at its end.
    } else if (due) {
      st.blocked.delete(s.rules.id);
      s = open(s);
      await store.saveAuction(s);
      setAuction(st, s);
      const p = snapshot(s);
      bus.emit("auction.opened", {
        auctionId: p.auctionId,
        item: p.item,
        startsAt: p.startsAt,
        endsAt: p.endsAt,
      }, now);
      updated(st, s, now);
    }
    if (mayClose(s, now, wm)) {
      s = close(s, now);
      st.blocked.delete(s.rules.id);
      await store.saveAuction(s);
      setAuction(st, s);
      announceClose(st, s, now);
      updated(st, s, now);
    }
  }
}

/** The custody gate: true when the lot may be sold (or there is no chain to ask). */
async function custodyHolds(
  st: RuntimeState,
  s: AuctionState,
  now: Temporal.Instant,
): Promise<boolean> {
  const { o } = st;
  const chain = o.chain?.();
  if (!chain) return true;
  const id = s.rules.id;
  const held = st.blocked.get(id);
  if (held && cmp(now, held.recheckAt) < 0) return false;
  let reason: string | null;
  let back: Promise<void> | undefined;
  try {
    const custody = await chain.checkAuctionCustody(id, s.rules.item);
    reason = !custody || custody.ok ? null : `custody: ${custody.reason}`;
  } catch (error) {
    reason = `custody could not be checked: ${(error as Error).message.split("\n")[0]}`;
    back = o.store.down();
  }
  if (!reason) return true;
  const ms = (o.custodyRecheckSeconds ?? 30) * 1000;
  st.blocked.set(id, { reason, recheckAt: now.add({ milliseconds: ms }) });
  st.rechecks.get(id)?.();
  st.rechecks.set(id, o.clock.after(ms, () => enqueueCheck(st, o.clock.instant())));
  void back?.then(() => {
    const b = st.blocked.get(id);
    if (b?.reason !== reason) return;
    b.recheckAt = o.clock.instant();
    enqueueCheck(st, b.recheckAt);
  });
  if (held?.reason !== reason) {
    const snap = JSON.parse(toJson(snapshot(s)));
    await o.store.saveAuction(s, {
      auctionId: id,
      actor: "system",
      action: { action: "blocked", reason },
      reason,
      at: now,
      before: snap,
      after: snap,
    });
    o.log.warn("auction held back", { auctionId: id, reason });
    o.bus.emit("auction.blocked", { auctionId: id, reason }, now);
  }
  return false;
}
