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
import { z } from "zod";
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type {} from "../x/mod.ts";
import { type Character, characterUrl, loadCharacter } from "./character.ts";
import { checkModel } from "./check.ts";
import { type LineRow, listLines } from "./memory.ts";
import { createModelBrain, freshModelHealth, type ModelHealth } from "./model_brain.ts";
import { startPosts } from "./posts.ts";
import { seededRandom } from "../../core/random.ts";
import { createScriptedBrain, type TaskKind } from "./scripted.ts";
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

declare module "../../core/bus.ts" {
  interface Events {
    "host.said": {
      text: string;
      utteranceId: string;
      version?: number;
      kind?: string;
      source?: "scripted" | "model";
      mood?: "talking" | "excited";
      voice?: { name: string; speed: number; pitch: number };
    };
    "host.interrupted": { utteranceId: string; reason: string };
    "host.refused": { text: string; reason: string; version: number; source: string; kind: string };
    "host.posted": {
      text: string;
      key: string;
      version: number;
      queued: boolean;
      priority: string;
    };
  }
}

const KINDS: TaskKind[] = [
  "greet",
  "opened",
  "leader",
  "extended",
  "call5",
  "call1",
  "closed",
  "tomorrow",
  "idle",
  "answer",
  "tweet.teaser",
  "tweet.opened",
  "tweet.leader",
  "tweet.last",
  "tweet.result",
];

export default definePlugin({
  name: "host",
  config: z.object({
    handle: z.string().regex(/^@\w{1,15}$/, "an X handle like @SothebAIs").default("@SothebAIs"),
    /** A shipped character (`marlowe`, `pip`) or the path of a character JSON file. */
    character: z.string().min(1).default("marlowe"),
    llm: z.object({
      baseUrl: z.string().url().optional().or(z.literal("").transform(() => undefined)),
      apiKey: z.string().optional(),
      model: z.string().min(1).default("gpt-4o-mini"),
      timeoutSeconds: z.number().positive().max(30).default(3),
      maxCallsPerMinute: z.number().int().positive().default(30),
      maxTokensPerDay: z.number().int().positive().default(200_000),
      /** The tasks the model writes; the rest are scripted. */
      kinds: z.array(z.enum(KINDS as [TaskKind, ...TaskKind[]])).default(KINDS),
    }).prefault({}),
    /** Silence between two lines. */
    gapSeconds: z.number().nonnegative().max(30).default(1.5),
    /** Talk about the artwork after this much silence (pre-auction and live). */
    idleSeconds: z.number().positive().default(40),
    /** No line is said twice within this window. */
    repeatWindowMinutes: z.number().positive().default(30),
    seed: z.number().int().default(1),
    posts: z.object({
      enabled: z.boolean().default(true),
      answersPerHour: z.number().int().min(0).default(6),
      perHandleMinutes: z.number().min(0).default(30),
      leaderEveryMinutes: z.number().positive().default(15),
    }).prefault({}),
  }),
  needs: ["auctions", "x?"],
  provides: ["host", "hostStudio"],
  migrations: new URL("./migrations/", import.meta.url),
  check: ({ config, timeoutMs }) => checkModel(config.llm, timeoutMs),
  async setup({ bus, clock, config, db, log, use, provide, health, metrics }) {
    const character = await loadCharacter(config.character);
    bus.declare(
      "host.said",
      z.object({
        text: z.string().min(1).max(300),
        utteranceId: z.string(),
        version: z.number().int().optional(),
      }),
    );
    bus.declare("host.interrupted", z.object({ utteranceId: z.string(), reason: z.string() }));
    const latency = metrics.summary("host_model_latency_ms", "Language model answer time (ms)");
    const reaction = metrics.summary("host_reaction_ms", "bid.accepted to a queued host line (ms)");
    const lines = metrics.counter("host_lines_total", "Host lines by outcome and source");
    const modelCalls = metrics.counter("host_model_calls_total", "Language model calls by result");
    const model = createModelBrain(config.llm, character, (ms, ok) => {
      latency.observe(ms);
      modelCalls.inc(1, { result: ok ? "ok" : "error" });
    });
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
      onReaction: (ms) => reaction.observe(ms),
      onLine: (outcome, source) => lines.inc(1, { outcome, source }),
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
    const modelHealth = (): ModelHealth => model?.health() ?? freshModelHealth(false);
    metrics.gauge(
      "host_model_up",
      "1 when the last model call answered (or no model is set)",
      () => modelHealth().ok ? 1 : 0,
    );
    health("host", () => {
      const m = modelHealth();
      return {
        // The host keeps talking (scripted) when the model fails: degraded, not down.
        ok: true,
        detail: !m.configured
          ? `scripted brain (${character.name})`
          : m.ok
          ? `model ${config.llm.model} answering (${m.lastLatencyMs ?? "–"} ms)`
          : `model ${config.llm.model} failing (${m.lastError}); the scripted brain speaks`,
        model: m,
        character: character.name,
        version: show.version(),
      };
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
