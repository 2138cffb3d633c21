/**
 * The slate's decision, from what was observed: the auctions' last updates,
 * the watched checks' last results, and an operator's hold. `evaluate` is the
 * only writer of what is on air; every change is one `slate.changed` event, one
 * log line and the state key `slate`. Leaving waits for `recoverSeconds` of
 * health, so a flapping source does not flap the show.
 */
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import type { Log } from "../../core/log.ts";
import type { StateStore } from "../../core/state.ts";
import type { SlateChanged } from "../compositor/mod.ts";
import { type AuctionSeen, clean, staleReasons } from "./stale.ts";

export interface SlateRules {
  auctionStaleSeconds: number;
  /** Watched check → its label on the slate. */
  checks: Record<string, string>;
  recoverSeconds: number;
}

export interface SlateState {
  current(): SlateChanged;
  /** The last results of the watched checks (for health). */
  checks(): Record<string, { ok: boolean | undefined; detail?: string }>;
  auctionUpdated(a: { auctionId: string; status: string; item: string }): void;
  /** A watched check's result (undefined: not there); a check going down is logged once. */
  checkSeen(name: string, ok: boolean | undefined, detail?: string): void;
  hold(by: string, reason: string): void;
  release(): void;
  evaluate(): void;
}

export function slateState(
  deps: { bus: Bus; clock: Clock; log: Log; state: StateStore },
  rules: SlateRules,
): SlateState {
  const { bus, clock, log } = deps;
  const auctions = new Map<string, AuctionSeen>();
  const checks = new Map<string, { ok: boolean | undefined; detail?: string }>();
  let held: SlateChanged["held"] = null;
  let current: SlateChanged = { on: false, reasons: [], held: null, since: null };
  let healthySinceMs: number | null = null;
  const nowMs = () => clock.instant().epochMilliseconds;

  const publish = (next: SlateChanged) => {
    const changed = next.on !== current.on || next.held !== current.held ||
      next.reasons.join("\n") !== current.reasons.join("\n");
    current = next;
    if (!changed) return;
    const why = [...next.reasons, ...(next.held ? [`held by ${next.held.by}`] : [])];
    if (next.on) log.warn("slate on air", { reasons: why });
    else log.info("slate off: back to the show");
    bus.emit("slate.changed", next);
    deps.state.set("slate", JSON.stringify(next)).catch(() => {});
  };

  const self: SlateState = {
    current: () => current,
    checks: () => Object.fromEntries(checks),
    auctionUpdated(a) {
      auctions.set(a.auctionId, { status: a.status, item: a.item, updatedMs: nowMs() });
      if (auctions.size > 100) auctions.delete(auctions.keys().next().value!);
      self.evaluate();
    },
    checkSeen(name, ok, detail) {
      if (checks.get(name)?.ok !== ok && ok === false) {
        log.warn("a watched check is down", { check: name, detail });
      }
      checks.set(name, { ok, detail });
    },
    hold(by, reason) {
      held = { by: clean(by), reason: clean(reason), since: clock.instant().toString() };
      self.evaluate();
    },
    release() {
      held = null;
      self.evaluate();
    },
    evaluate() {
      const reasons = staleReasons({
        nowMs: nowMs(),
        auctions,
        auctionStaleSeconds: rules.auctionStaleSeconds,
        checks: Object.entries(rules.checks).map(([name, label]) => ({
          label,
          ok: checks.get(name)?.ok,
        })),
      });
      if (reasons.length) healthySinceMs = null;
      else healthySinceMs ??= nowMs();
      // Leaving waits for `recoverSeconds` of health; the reasons shown are always today's.
      const recovering = !reasons.length && current.reasons.length > 0 &&
        nowMs() - (healthySinceMs ?? 0) < rules.recoverSeconds * 1000;
      const shown = recovering ? current.reasons : reasons;
      const on = held !== null || shown.length > 0;
      publish({
        on,
        reasons: shown,
        held,
        since: on ? (current.since ?? clock.instant().toString()) : null,
      });
    },
  };
  return self;
}
