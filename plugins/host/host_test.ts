/**
 * The host against the real auction and a local OpenAI-compatible server: it
 * speaks about bids one line at a time, answers questions with the auction's
 * facts in the prompt, and falls back to the facts when the model is down.
 */
import { Hono } from "hono";
import { assert, assertEquals, assertMatch } from "../../core/testing.ts";
import { virtualClock } from "../../core/clock.ts";
import { testEngine } from "../../tests/engine.ts";
import type {} from "./mod.ts";

const auction = {
  id: "genesis-1",
  item: "Genesis #1",
  startsAt: "2026-03-09T14:00:00-04:00",
  endsAt: "2026-03-09T16:00:00-04:00",
  reserve: "1 ETH",
};

function fakeModel(answer: (system: string, user: string) => string | null) {
  const prompts: Array<{ system: string; user: string }> = [];
  const app = new Hono();
  app.post("/v1/chat/completions", async (c) => {
    const body = await c.req.json();
    const system = body.messages.find((m: { role: string }) => m.role === "system").content;
    const user = body.messages.find((m: { role: string }) => m.role === "user").content;
    prompts.push({ system, user });
    const text = answer(system, user);
    if (text === null) return c.json({ error: { message: "overloaded" } }, 503);
    return c.json({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  return {
    prompts,
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    close: () => server.shutdown(),
  };
}

async function show(llmUrl?: string) {
  const clock = virtualClock("2026-03-09T14:00:00-04:00");
  const engine = await testEngine({
    clock,
    plugins: {
      "funds-book": {},
      auction: { watermark: "clock", auctions: [auction] },
      host: { handle: "@SothebAIs", llm: llmUrl ? { baseUrl: llmUrl, timeoutSeconds: 2 } : {} },
    },
  });
  const said: string[] = [];
  engine.bus.on("host.said", (e) => void said.push(e.payload.text));
  const book = engine.service<{
    link(h: string, a: string): Promise<void>;
    enter(h: string, k: string, w: bigint): Promise<bigint>;
  }>("funds-book");
  for (
    const [handle, address] of [["@alice", "0x" + "a".repeat(40)], ["@bob", "0x" + "b".repeat(40)]]
  ) {
    await book.link(handle, address);
    await book.enter(handle, "deposit", 5n * 10n ** 18n);
  }
  await clock.advance(1000);
  return { clock, engine, said };
}

/** The model answers in real time: advance the show a second at a time until `done`, for at most 10 s. */
async function until(clock: ReturnType<typeof virtualClock>, done: () => boolean) {
  for (let i = 0; i < 200 && !done(); i++) {
    await clock.advance(1000);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let tweet = 100;
function bid(engine: Awaited<ReturnType<typeof show>>["engine"], handle: string, text: string) {
  const at = engine.clock.instant().toString();
  engine.bus.emit("bid.submitted", {
    tweetId: String(++tweet),
    handle,
    text,
    tweetAt: at,
    receivedAt: at,
  });
}

Deno.test("host: one line at a time; a newer lead replaces the one still waiting", async () => {
  const { clock, engine, said } = await show();
  try {
    await clock.advance(30_000); // the opening line is said
    said.length = 0;
    bid(engine, "@alice", "@SothebAIs bid 1.5");
    await engine.service<{ idle(): Promise<void> }>("auctions").idle();
    await clock.advance(100);
    bid(engine, "@bob", "@SothebAIs bid 2");
    bid(engine, "@alice", "@SothebAIs bid 3");
    await engine.service<{ idle(): Promise<void> }>("auctions").idle();
    await clock.advance(60_000);
    assertEquals(said, [
      "We have a first bid: 1.5 ETH from @alice!",
      "@alice takes the lead with 3 ETH, over @bob!",
    ]);
    const memory = await engine.db.query<{ text: string }>(
      "select text from host_memory where kind = 'said' order by id",
    );
    assertEquals(memory.map((m) => m.text).slice(-2), said);
  } finally {
    await engine.stop();
  }
});

Deno.test("host: answers a question with the model, the auction's facts in its prompt", async () => {
  const model = fakeModel((system) =>
    system.includes("1.5 ETH from @alice") ? "Alice leads at 1.5 ETH, darling!" : "I don't know"
  );
  const { clock, engine, said } = await show(model.url);
  try {
    bid(engine, "@alice", "@SothebAIs bid 1.5");
    await engine.service<{ idle(): Promise<void> }>("auctions").idle();
    await clock.advance(30_000);
    engine.bus.emit("host.question", { tweetId: "900", handle: "@carol", text: "who is winning?" });
    await until(clock, () => said.includes("Alice leads at 1.5 ETH, darling!"));
    assert(said.includes("Alice leads at 1.5 ETH, darling!"), said.join(" | "));
    assertEquals(model.prompts.at(-1)!.user, "@carol asks: who is winning?");
    assertMatch(model.prompts.at(-1)!.system, /It is 2026-03-09T14:\d\d:\d\d-04:00 in New York/);
  } finally {
    await engine.stop();
    await model.close();
  }
});

Deno.test("host: with the model down it answers from the facts, never inventing", async () => {
  const model = fakeModel(() => null);
  const { clock, engine, said } = await show(model.url);
  try {
    await clock.advance(30_000);
    engine.bus.emit("host.question", { tweetId: "901", handle: "@dan", text: "how much?" });
    await until(clock, () => said.some((s) => s.startsWith("@dan")));
    const answer = said.find((s) => s.startsWith("@dan"));
    assertMatch(
      answer ?? "",
      /^@dan, no bids yet; the reserve is 1 ETH on Genesis #1, with 1 hours and 5\d minutes left/,
    );
  } finally {
    await engine.stop();
    await model.close();
  }
});
