/**
 * slate: decides when the stream shows the slate. Automatically while the
 * show's data is stale (an open auction not updated for `auctionStaleSeconds`,
 * a watched health check down: the tweet source, the chain), back once healthy
 * for `recoverSeconds`; and while an operator holds it (the `slate` service,
 * the admin panel). Every change is one `slate.changed` event (the compositor
 * shows the slate scene on it) and one log line; the reasons are drawn on the
 * slate by the `slate-reason` widget, from this plugin's state only.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type { SlateChanged, Widgets } from "../compositor/mod.ts";
import { slateReasonWidget } from "./reason_widget.ts";
import { type AuctionSeen, clean, staleReasons } from "./stale.ts";

export type { SlateChanged };

/** The `slate` service: an operator's hold, and what is on air now. */
export interface Slate {
  state(): SlateChanged;
  /** Holds the slate on air until `release()`, whatever the data's health. */
  hold(by: string, reason: string): SlateChanged;
  /** Ends the operator's hold; the slate stays while an automatic reason stands. */
  release(): SlateChanged;
}

declare module "../../core/plugin.ts" {
  interface Services {
    slate: Slate;
  }
}

const checkName = z.string().regex(/^[a-z0-9-]{1,40}\.[a-z0-9-]{1,40}$/, "a check, e.g. x.source");

export const slateConfig = z.object({
  /** An open auction whose state has not been updated this long is stale. */
  auctionStaleSeconds: z.number().int().min(1).max(86_400).default(600),
  /** `/healthz` checks watched, each with the label shown on the slate when it is down. */
  checks: z.record(checkName, z.string().trim().min(1).max(60)).default({
    "x.source": "the tweet source",
    "chain.rpc": "the chain",
  }),
  /** How often the data's health is looked at. */
  checkSeconds: z.number().min(0.2).max(60).default(2),
  /** Healthy this long before the slate leaves (a flapping source does not flap the show). */
  recoverSeconds: z.number().min(0).max(600).default(5),
});

export default definePlugin({
  name: "slate",
  config: slateConfig,
  emits: ["slate.changed"],
  listens: ["auction.updated", "engine.started"],
  needs: ["widgets?"],
  provides: ["slate"],
  setup({ config, bus, clock, log, http, state, metrics, health, provide, use }) {
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
      state.set("slate", JSON.stringify(next)).catch(() => {});
    };
    const evaluate = () => {
      const reasons = staleReasons({
        nowMs: nowMs(),
        auctions,
        auctionStaleSeconds: config.auctionStaleSeconds,
        checks: Object.entries(config.checks).map(([name, label]) => ({
          label,
          ok: checks.get(name)?.ok,
        })),
      });
      if (reasons.length) healthySinceMs = null;
      else healthySinceMs ??= nowMs();
      // Leaving waits for `recoverSeconds` of health; the reasons shown are always today's.
      const recovering = !reasons.length && current.reasons.length > 0 &&
        nowMs() - (healthySinceMs ?? 0) < config.recoverSeconds * 1000;
      const shown = recovering ? current.reasons : reasons;
      const on = held !== null || shown.length > 0;
      publish({
        on,
        reasons: shown,
        held,
        since: on ? (current.since ?? clock.instant().toString()) : null,
      });
    };

    const offAuction = bus.on("auction.updated", (e) => {
      const a = e.payload;
      auctions.set(a.auctionId, {
        status: a.status,
        item: a.item,
        updatedMs: nowMs(),
      });
      if (auctions.size > 100) auctions.delete(auctions.keys().next().value!);
      evaluate();
    });

    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        const body = await (await http.request("/healthz")).json() as {
          checks?: Record<string, { ok?: unknown; detail?: unknown }>;
        };
        for (const name of Object.keys(config.checks)) {
          const c = body.checks?.[name];
          const ok = c ? c.ok === true : undefined;
          const detail = typeof c?.detail === "string" ? clean(c.detail) : undefined;
          if (checks.get(name)?.ok !== ok && ok === false) {
            log.warn("a watched check is down", { check: name, detail });
          }
          checks.set(name, { ok, detail });
        }
      } catch (error) {
        log.warn("could not read /healthz", { error });
      } finally {
        polling = false;
      }
      evaluate();
    };
    // /healthz is read once every plugin has mounted its routes (a request builds the router).
    let cancel = () => {};
    const offStarted = bus.on("engine.started", () => {
      cancel = clock.after(0, function tick() {
        void poll();
        cancel = clock.after(config.checkSeconds * 1000, tick);
      });
    });

    const widgets = use("widgets") as Widgets | undefined;
    const unregister = widgets?.register("slate-reason", slateReasonWidget(() => current)) ??
      (() => {});

    metrics.gauge("sothebais_slate_on", "1 while the slate is on air", () => current.on ? 1 : 0);
    health("slate", () => ({
      ok: true,
      on: current.on,
      reasons: current.reasons,
      held: current.held,
      checks: Object.fromEntries(checks),
    }));
    provide("slate", {
      state: () => current,
      hold(by, reason) {
        held = { by: clean(by), reason: clean(reason), since: clock.instant().toString() };
        evaluate();
        return current;
      },
      release() {
        held = null;
        evaluate();
        return current;
      },
    });
    return () => {
      cancel();
      offStarted();
      offAuction();
      unregister();
    };
  },
});
