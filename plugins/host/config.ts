/**
 * The host's configuration: its handle, the character, the language model
 * (any OpenAI-compatible server, with its timeout and caps), pacing, the
 * repeat window and the posts' budget. Invariants: every field bounded; an
 * empty model URL is no model (the scripted brain speaks).
 */
import { z } from "zod";
import type { TaskKind } from "./scripted.ts";

export const KINDS: TaskKind[] = [
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

export const hostConfig = z.object({
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
});

export type HostConfig = z.output<typeof hostConfig>;
