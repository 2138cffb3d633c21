/**
 * host: the AI character. It turns auction events into spoken lines, answers
 * viewers, and tweets before, during and after each auction. Invariants: every
 * line — from the scripted brain or any OpenAI-compatible model — is checked
 * against the fact sheet by the guard before it is said, captioned or posted;
 * a refused line is kept with its reason (`host_lines`, the `host` service);
 * each line carries the auction version it was grounded on; viewers' words
 * reach a model only as quoted data in the user turn; the host reads the
 * auction and never changes it. See README.md.
 */
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type {} from "../x/mod.ts";
import { type Character, characterUrl, loadCharacter } from "./character.ts";
import { checkCharacter, checkModel } from "./check.ts";
import { type LineRow, listLines } from "./memory.ts";
import { createModelBrain, type ModelHealth } from "./model_brain.ts";
import { startPosts } from "./posts.ts";
import { seededRandom } from "../../core/random.ts";
import { createScriptedBrain } from "./scripted.ts";
import { hostConfig } from "./config.ts";
import { hostEvents } from "./events.ts";
import { hostHealth, hostMetrics } from "./observe.ts";
import { startHostShow } from "./show.ts";
import { type HostStudio, startHostStudio } from "./studio.ts";

/** What other plugins (the panel, the host widget) may ask of the host. */
export interface HostService {
  character(): Character;
  /** Lines newest first; `outcome`: said, refused, dropped or posted. */
  lines(q?: { outcome?: string; limit?: number }): Promise<LineRow[]>;
  model(): ModelHealth;
  /** The auction version the host's facts are at. */
  version(): number;
  /** Resolves when no line is being composed or written. */
  idle(): Promise<void>;
}

declare module "../../core/plugin.ts" {
  interface Services {
    host: HostService;
    hostStudio: HostStudio;
  }
}

export type { HostEvents, HostInterrupted, HostSaid } from "./events.ts";
export { CharacterError, characterSchema } from "./character.ts";
export type { HostStudio, TranscriptLine } from "./studio.ts";

export default definePlugin({
  name: "host",
  events: hostEvents,
  emits: ["host.said", "host.interrupted", "host.refused", "host.posted"],
  // Every event: the show reacts to the auction's, the chain's and the viewers' (show.ts, posts.ts);
  // its own lines, to record what each was grounded on (studio.ts).
  listens: ["*", "host.said", "host.refused", "host.posted"],
  config: hostConfig,
  needs: ["auctions", "x?"],
  provides: ["host", "hostStudio"],
  migrations: new URL("./migrations/", import.meta.url),
  check: async ({ config, timeoutMs }) => [
    ...await checkCharacter(config.character),
    ...await checkModel(config.llm, timeoutMs),
  ],
  async setup({ bus, clock, config, db, log, use, provide, health, metrics }) {
    const character = await loadCharacter(config.character);
    const observe = hostMetrics(metrics);
    const model = createModelBrain(config.llm, character, observe.modelCall);
    const show = await startHostShow({
      bus,
      clock,
      db,
      log,
      auctions: use("auctions"),
      character,
      scripted: createScriptedBrain(character, seededRandom(config.seed)),
      model,
      hostHandle: config.handle,
      gapSeconds: config.gapSeconds,
      idleSeconds: config.idleSeconds,
      repeatWindowMinutes: config.repeatWindowMinutes,
      modelKinds: new Set(config.llm.kinds),
      onReaction: observe.reaction,
      onLine: observe.line,
    });
    // The panel's Host page: the character file (saved in place, live at once), the transcript.
    const studio = startHostStudio({
      bus,
      clock,
      db,
      log,
      file: characterUrl(config.character),
      live: character,
      facts: () => show.facts(),
      version: () => show.version(),
    });
    provide("hostStudio", studio);
    const posts = startPosts({
      bus,
      auctions: use("auctions"),
      clock,
      db,
      log,
      x: use("x"),
      show,
      config: config.posts,
    });
    const modelHealth = hostHealth({
      health,
      metrics,
      model,
      modelName: config.llm.model,
      character,
      version: () => show.version(),
    });
    provide("host", {
      character: () => character,
      lines: (q) => listLines(db, q),
      model: modelHealth,
      version: () => show.version(),
      idle: () => show.idle(),
    });
    log.info(
      model
        ? "host speaks with a language model, every line checked"
        : "host speaks from the scripted brain",
      {
        character: character.name,
        model: model ? config.llm.model : undefined,
      },
    );
    return async () => {
      posts.stop();
      studio.stop();
      show.stop();
      await show.idle();
    };
  },
});
