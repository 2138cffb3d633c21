/**
 * host: the AI character's words. It turns auction events into short spoken
 * lines, answers viewers' questions (with any OpenAI-compatible model when
 * `llm.baseUrl` is set, else from the auction's facts), and emits each line as
 * `host.said` for the voice, the captions and the admin panel. One line at a
 * time: newer news replaces older news of the same kind while it waits.
 * Everything said and asked is kept in `host_memory`, so the host stays
 * consistent across streams and restarts.
 */
import OpenAI from "openai";
import { checkModel } from "./check.ts";
import { z } from "zod";
import { nyString } from "../../core/clock.ts";
import { definePlugin } from "../../core/plugin.ts";
import type {} from "../auction/mod.ts";
import type {} from "../x/mod.ts";
import { factualAnswer, type Line, scriptLines } from "./script_lines.ts";

declare module "../../core/bus.ts" {
  interface Events {
    "host.said": { text: string; utteranceId: string };
  }
}

const DEFAULT_PERSONA = "You are SothebAIs, a warm, quick-witted auctioneer hosting a live NFT " +
  "auction on X. You speak in one or two short sentences, never invent prices or times, and " +
  "always answer from the facts you are given.";

export default definePlugin({
  name: "host",
  config: z.object({
    handle: z.string().default("@SothebAIs"),
    persona: z.string().default(DEFAULT_PERSONA),
    llm: z.object({
      baseUrl: z.string().url().optional(),
      apiKey: z.string().optional(),
      model: z.string().default("gpt-4o-mini"),
      timeoutSeconds: z.number().positive().default(8),
    }).default({ model: "gpt-4o-mini", timeoutSeconds: 8 }),
    /** Silence between two lines. */
    gapSeconds: z.number().nonnegative().default(1.5),
    /** Speaking rate used to estimate how long a line takes. */
    wordsPerMinute: z.number().positive().default(165),
  }),
  needs: ["auctions"],
  migrations: new URL("./migrations/", import.meta.url),
  check: ({ config, timeoutMs }) => checkModel(config.llm, timeoutMs),
  setup({ bus, clock, config, db, log, use }) {
    const auctions = use("auctions");
    const llm = config.llm.baseUrl
      ? new OpenAI({
        baseURL: config.llm.baseUrl,
        apiKey: config.llm.apiKey ?? "none",
        timeout: config.llm.timeoutSeconds * 1000,
        maxRetries: 1,
      })
      : undefined;
    const waiting = new Map<string, Line>();
    let busyUntil = clock.instant();
    let timer: (() => void) | undefined;
    let utterances = 0;

    const remember = (kind: "said" | "question", text: string, handle?: string) =>
      db.query("insert into host_memory (at, kind, handle, text) values ($1, $2, $3, $4)", [
        clock.instant(),
        kind,
        handle ?? null,
        text,
      ]).catch((error) => log.warn("could not remember", { error }));

    const speakNext = () => {
      timer = undefined;
      const line = [...waiting.values()].sort((a, b) => b.priority - a.priority)[0];
      if (!line) return;
      waiting.delete(line.key);
      const seconds = line.text.split(/\s+/).length / config.wordsPerMinute * 60;
      busyUntil = clock.instant().add({
        milliseconds: Math.round((seconds + config.gapSeconds) * 1000),
      });
      bus.emit("host.said", { text: line.text, utteranceId: `u${++utterances}` });
      remember("said", line.text);
      schedule();
    };

    const schedule = () => {
      if (timer || waiting.size === 0) return;
      timer = clock.at(busyUntil, speakNext);
    };

    const say = (line: Line) => {
      waiting.set(line.key, line);
      schedule();
    };

    const answer = async (handle: string, question: string): Promise<string> => {
      const facts = factualAnswer(auctions.list(), clock.instant());
      if (!llm) return `${handle}, ${facts[0].toLowerCase()}${facts.slice(1)}`;
      const memory = await db.query<{ kind: string; handle: string | null; text: string }>(
        "select kind, handle, text from host_memory order by at desc, id desc limit 12",
      );
      const context = [
        `It is ${nyString(clock.instant())} in New York.`,
        `Auctions: ${
          JSON.stringify(auctions.list(), (_k, v) => typeof v === "bigint" ? `${v} wei` : v)
        }`,
        `In short: ${facts}`,
        `What you said and heard lately, newest first:`,
        ...memory.map((m) => `- ${m.kind === "said" ? "you" : m.handle}: ${m.text}`),
      ].join("\n");
      try {
        const completion = await llm.chat.completions.create({
          model: config.llm.model,
          max_tokens: 120,
          messages: [
            { role: "system", content: `${config.persona}\n\n${context}` },
            { role: "user", content: `${handle} asks: ${question}` },
          ],
        });
        const text = completion.choices[0]?.message?.content?.trim();
        if (text) return text.slice(0, 280);
      } catch (error) {
        log.warn("language model unavailable; answering from the facts", { error });
      }
      return `${handle}, ${facts[0].toLowerCase()}${facts.slice(1)}`;
    };

    const offs = [
      bus.on("*", (event) => {
        const line = scriptLines(event, config.handle);
        if (line) say(line);
      }),
      bus.on("host.question", async ({ payload }) => {
        remember("question", payload.text, payload.handle);
        say({
          text: await answer(payload.handle, payload.text),
          priority: 2,
          key: `q:${payload.tweetId}`,
        });
      }),
    ];
    log.info(
      llm ? "host answers with a language model" : "host answers from the facts (no llm.baseUrl)",
      {
        model: llm ? config.llm.model : undefined,
      },
    );
    return () => {
      offs.forEach((off) => off());
      timer?.();
    };
  },
});
