/**
 * fake-x: a local stand-in for the X API v2 (see README.md). As a plugin it
 * serves the fake on a free port (unless one is configured) on the engine's
 * clock and provides `fake-x` (its URL), which the x plugin reads from when it
 * has no credentials, and the simulator and the demo tweet into. Tests and
 * `main.ts fake-x` use the server on its own.
 */
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import type { FakeX } from "./fake_x_server.ts";
import { serveFakeX } from "./serve_fake_x.ts";

export { createFakeX, type FakeTweet, type FakeX, type Fault } from "./fake_x_server.ts";
export { type ServedFakeX, serveFakeX } from "./serve_fake_x.ts";
export { type Tier, TIERS } from "./tiers.ts";
import { fakeXCommand } from "./cli.ts";
// The `fake-x` service's shape (its URL) is declared by the x plugin, which reads from it.
import type {} from "../../plugins/x/mod.ts";

/** The variables that configure the real X API: a stand-in for X is refused next to any of them. */
export const X_CREDENTIALS = [
  "X_API_KEY",
  "X_API_SECRET",
  "X_ACCESS_TOKEN",
  "X_ACCESS_SECRET",
  "X_BEARER_TOKEN",
];

/** The served fake: where it answers, and the server itself (its posts, for tests). */
export interface FakeXService {
  url: string;
  fake: FakeX;
}

export default definePlugin({
  name: "fake-x",
  commands: { "fake-x": fakeXCommand },
  config: z.object({
    /** 0: any free port (the engine prints the URL). */
    port: z.coerce.number().int().min(0).max(65535).default(0),
    hostname: z.string().default("127.0.0.1"),
    hostHandle: z.string().regex(/^@?\w{1,15}$/).default("SothebAIs"),
    tier: z.enum(["free", "basic", "pro", "pay-per-use"]).default("pro"),
  }),
  provides: ["fake-x"],
  standIn: { for: "the X API", replacedBy: X_CREDENTIALS },
  setup({ clock, config, log, provide, page }) {
    const served = serveFakeX({
      port: config.port,
      hostname: config.hostname,
      hostHandle: config.hostHandle.replace(/^@/, ""),
      tier: config.tier,
      now: () => clock.instant().epochMilliseconds,
    });
    log.info("serving the fake X API", { url: served.url, tier: config.tier });
    page("fake X", `${served.url}/_fake/posts`);
    const service: FakeXService = { url: served.url, fake: served.fake };
    provide("fake-x", service);
    return () => served.stop();
  },
});
