/** `main.ts fake-x`: runs the fake X API server until stopped. */
import type { PluginCommand } from "../../core/plugin.ts";
import { serveFakeX } from "./serve_fake_x.ts";
import { type Tier, TIERS } from "./tiers.ts";

export const fakeXCommand: PluginCommand = {
  summary: "run a local fake X API v2 server (tests and the demo point X_API_BASE_URL at it)",
  usage:
    "fake-x [--port 0] [--host-handle SothebAIs] [--tier pro]  (port 0: any free one, printed)",
  options: {
    port: { type: "string", default: "0" },
    "host-handle": { type: "string", default: "SothebAIs" },
    tier: { type: "string", default: "pro" },
  },
  // The server on its own, nothing of the engine's.
  alone: true,
  async run(_ctx, values) {
    const tier = String(values.tier) as Tier;
    if (!(tier in TIERS)) {
      console.error(`fake-x: --tier must be one of ${Object.keys(TIERS).join(", ")}`);
      return 2;
    }
    const served = serveFakeX({
      port: Number(values.port),
      hostHandle: String(values["host-handle"]),
      tier,
    });
    console.log(
      `fake X API on ${served.url} (host @${served.fake.host.username}, id ${served.fake.host.id}, tier ${tier}); control API under ${served.url}/_fake/`,
    );
    const { promise, resolve } = Promise.withResolvers<void>();
    Deno.addSignalListener("SIGINT", () => resolve());
    Deno.addSignalListener("SIGTERM", () => resolve());
    await promise;
    await served.stop();
    return 0;
  },
};
