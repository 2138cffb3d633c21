/**
 * slate: decides when the stream shows the slate. Automatically while the
 * show's data is stale (an open auction not updated for `auctionStaleSeconds`,
 * a watched health check down: the tweet source, the chain), back once healthy
 * for `recoverSeconds`; and while an operator holds it (the `slate` service,
 * the admin panel). Every change is one `slate.changed` event (the compositor
 * shows the slate scene on it) and one log line; the reasons are drawn on the
 * slate by the `slate-reason` widget, from this plugin's state only. The
 * watched checks are run in process every `checkSeconds` (only those).
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type { SlateChanged, Widgets } from "../compositor/mod.ts";
import { slateReasonWidget } from "./reason_widget.ts";
import { clean } from "./stale.ts";
import { slateState } from "./slate_state.ts";

export type { SlateChanged };

/** The `slate` service: an operator's hold, and what is on air now. */
export interface Slate {
  state(): SlateChanged;
  /** Holds the slate on air until `release()`, whatever the data's health. */
  hold(by: string, reason: string): SlateChanged;
  /** Ends the operator's hold; the slate stays while an automatic reason stands. */
  release(): SlateChanged;
}

declare module "../../core/bus.ts" {
  interface Events {
    "slate.changed": SlateChanged;
  }
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
  setup({ config, bus, clock, log, state, metrics, health, healthOf, provide, use }) {
    const slate = slateState({ bus, clock, log, state }, config);
    const offAuction = bus.on("auction.updated", (e) => {
      const a = e.payload;
      slate.auctionUpdated({ auctionId: a.auctionId, status: a.status, item: a.item });
    });

    // Only the watched checks run, in process (not every check behind /healthz).
    const watched = Object.keys(config.checks);
    let polling = false;
    const poll = async () => {
      if (polling) return;
      polling = true;
      try {
        const results = await healthOf(watched);
        for (const name of watched) {
          const c = results[name];
          const detail = typeof c?.detail === "string" ? clean(c.detail) : undefined;
          slate.checkSeen(name, c ? c.ok === true : undefined, detail);
        }
      } catch (error) {
        log.warn("could not read the watched checks", { error });
      } finally {
        polling = false;
      }
      slate.evaluate();
    };
    // Checks are read once every plugin has started (and registered its own).
    let cancel = () => {};
    const offStarted = bus.on("engine.started", () => {
      cancel = clock.after(0, function tick() {
        void poll();
        cancel = clock.after(config.checkSeconds * 1000, tick);
      });
    });

    const widgets = use("widgets") as Widgets | undefined;
    const unregister = widgets?.register("slate-reason", slateReasonWidget(slate.current)) ??
      (() => {});

    metrics.gauge(
      "sothebais_slate_on",
      "1 while the slate is on air",
      () => slate.current().on ? 1 : 0,
    );
    health("slate", () => {
      const { on, reasons, held } = slate.current();
      return { ok: true, on, reasons, held, checks: slate.checks() };
    });
    provide("slate", {
      state: slate.current,
      hold(by, reason) {
        slate.hold(by, reason);
        return slate.current();
      },
      release() {
        slate.release();
        return slate.current();
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
