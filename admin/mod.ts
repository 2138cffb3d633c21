/**
 * admin: the control room. Serves the Preact panel at /admin with its
 * WebSocket, signs operators in (password + TOTP, sessions, throttling),
 * authorises every request by role, audits every action, and drives the show
 * only through services: `auctions` (overrides), `chain` (claims, custody),
 * `compositor` (preview frames, slate, transitions), `stream` (go live, stop).
 * Accounts come from `main.ts admin …` (there is no default password).
 */
import { definePlugin } from "../core/plugin.ts";
import type { Frames } from "../plugins/compositor/mod.ts";
import { accounts } from "./accounts.ts";
import { auditLog } from "./audit.ts";
import { resealAdmin } from "./sealed.ts";
import { bundler } from "./bundle.ts";
import { adminCommand } from "./cli.ts";
import { adminConfig } from "./config.ts";
import { createHub, HUB_EVENTS } from "./hub.ts";
import { defaultFolder } from "./scenes.ts";
import { mountPanel } from "./http.ts";
import type { RequestDeps, SlateState } from "./requests.ts";
import { sessions as createSessions } from "./sessions.ts";
import { loginThrottle } from "./throttle.ts";

export type { AdminConfig } from "./config.ts";

export default definePlugin({
  name: "admin",
  config: adminConfig,
  // The panel's live feed (hub.ts): the auction's story, the stream's stats, the host's voice.
  listens: HUB_EVENTS,
  needs: [
    "auctions",
    "chain?",
    "compositor?",
    "frames?",
    "stream?",
    "slate?",
    "hostStudio?",
    "speech?",
    "sceneFiles?",
  ],
  migrations: new URL("./migrations/", import.meta.url),
  commands: { admin: adminCommand },
  // TOTP secrets and addresses, sealed at rest (admin/sealed.ts); the engine runs it at start.
  reseal: resealAdmin,
  setup(ctx) {
    const { config, db, clock, http, secrets } = ctx;
    const now = () => clock.instant();
    const store = accounts({
      db,
      now,
      setupMinutes: config.setupLinkMinutes,
      issuer: config.issuer,
      box: secrets,
    });
    const sessions = createSessions({
      db,
      now,
      idleSeconds: config.session.idleSeconds,
      maxSeconds: config.session.maxSeconds,
      box: secrets,
    });
    const audit = auditLog(db, now, secrets);
    const compositor = ctx.use("compositor");
    let slate: SlateState | null = null;
    const deps: RequestDeps = {
      auctions: ctx.use("auctions"),
      chain: ctx.use("chain"),
      compositor,
      stream: ctx.use("stream"),
      slateControl: ctx.use("slate"),
      host: ctx.use("hostStudio"),
      speech: ctx.use("speech"),
      sceneFiles: ctx.use("sceneFiles"),
      audit,
      accounts: store,
      now,
      health: async () => await (await http.request("/healthz")).json(),
      systemHistory: () => hub.systemHistory(),
      statsHistory: () => hub.statsHistory(),
      slate: { get: () => slate, set: (s) => (slate = s) },
      scenes: defaultFolder(config.scenesDir, config.assetsDir),
      notify: (eventType, eventData) => {
        hub.event(eventType === "AuditAppended" ? "audit" : "show", eventType, eventData);
      },
    };
    const hub = createHub({
      bus: ctx.bus,
      log: ctx.log,
      sessions,
      deps,
      frames: ctx.use("frames") as Frames | undefined,
      compositor,
      preview: config.preview,
      sweepMs: config.sweepSeconds * 1000,
    });
    const bundle = bundler(ctx.dataDir);
    mountPanel(http, {
      publicUrl: config.publicUrl,
      sessionIdleSeconds: config.session.idleSeconds,
      sessionMaxSeconds: config.session.maxSeconds,
      accounts: store,
      sessions,
      throttle: loginThrottle({ state: ctx.state, ...config.login }),
      audit,
      hub,
      bundle,
      deps,
    });
    // Built now, off the start path; the first page load waits for it if it is not done.
    let built: { kb: number } | { error: string } | null = null;
    bundle().then(
      (b) => (built = { kb: Math.round(b.js.length / 1024) }),
      (error) => {
        built = { error: String(error?.message ?? error) };
        ctx.log.error("the panel's bundle did not build", { error });
      },
    );
    ctx.health("panel", () => ({
      ok: !(built && "error" in built),
      panels: hub.size(),
      bundle: built === null ? "building" : "error" in built ? built.error : `${built.kb} KB`,
    }));
    return () => hub.stop();
  },
});
