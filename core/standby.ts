/**
 * A standby's HTTP: while another engine leads, the plugins that declare `standby(ctx)` serve
 * their read-only pages from the database on an app of their own, beside `/healthz` and
 * `/metrics`; every other route is 503. No plugin's `setup` runs, so nothing here decides,
 * posts, scans, settles or migrates. A plugin whose standby fails to start is logged and left
 * out (its routes answer 503): a standby's pages never keep it from taking over.
 */
import { type Context, Hono } from "hono";
import type { Clock } from "./clock.ts";
import type { LoadedPlugin } from "./config.ts";
import type { Db } from "./db.ts";
import type { Log } from "./log.ts";
import type { Metrics } from "./metrics.ts";
import type { Teardown } from "./plugin.ts";
import { withTimeout } from "./timeout.ts";

export interface StandbyOptions {
  plugins: LoadedPlugin[];
  db: Db;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  /** Adds what every app of the engine serves (health, metrics, the body limit). */
  basics(app: Hono): void;
  /** The answer to a route nobody serves here. */
  unavailable: (c: Context) => Response | Promise<Response>;
}

export interface Standby {
  app: Hono;
  /** Plugins serving pages. */
  serving: string[];
  stop(): Promise<void>;
}

export async function startStandby(o: StandbyOptions): Promise<Standby> {
  const app = new Hono();
  o.basics(app);
  const teardowns: Array<[string, Teardown]> = [];
  for (const { plugin, config } of o.plugins) {
    if (!plugin.standby) continue;
    const log = o.log.child(plugin.name);
    try {
      const teardown = await plugin.standby({
        name: plugin.name,
        config,
        clock: o.clock,
        log,
        db: o.db,
        metrics: o.metrics,
        http: app,
      });
      teardowns.push([plugin.name, teardown ?? (() => {})]);
    } catch (error) {
      log.error("standby pages failed to start", { error });
    }
  }
  app.all("*", o.unavailable);
  return {
    app,
    serving: teardowns.map(([name]) => name),
    async stop() {
      for (const [name, teardown] of teardowns.reverse()) {
        try {
          await withTimeout(Promise.resolve(teardown()), 1500, "timed out");
        } catch (error) {
          o.log.error("standby teardown failed", { plugin: name, error });
        }
      }
      teardowns.length = 0;
    },
  };
}
