/**
 * A local OpenAI-compatible server that lies on purpose, for tests and the
 * benchmark: `POST /v1/chat/completions` answers each request from a script
 * (text, a delay, an HTTP error or garbage). Selected like any model, by
 * `llm.baseUrl` (LLM_BASE_URL) — the host cannot tell it from a real one.
 * Invariants: loopback only, a free port, every request kept for assertions.
 */
import { Hono } from "hono";

export type FakeAnswer =
  | string
  | { text?: string; delayMs?: number; status?: number; raw?: string };

export interface FakeLlm {
  url: string;
  requests: Array<{ system: string; user: string; model: string }>;
  close(): Promise<void>;
}

export function startFakeLlm(
  answer: (req: { system: string; user: string; n: number }) => FakeAnswer,
  port = 0,
): FakeLlm {
  const requests: FakeLlm["requests"] = [];
  const app = new Hono();
  app.post("/v1/chat/completions", async (c) => {
    const body = await c.req.json();
    const content = (role: string) =>
      String(body.messages?.find((m: { role: string }) => m.role === role)?.content ?? "");
    const req = { system: content("system"), user: content("user"), model: String(body.model) };
    requests.push(req);
    const a = answer({ ...req, n: requests.length });
    const o = typeof a === "string" ? { text: a } : a;
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    if (o.status) return c.json({ error: { message: "scripted failure" } }, o.status as 500);
    if (o.raw !== undefined) return c.body(o.raw, 200, { "content-type": "application/json" });
    return c.json({
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices: [{
        index: 0,
        message: { role: "assistant", content: o.text ?? "" },
        finish_reason: "stop",
      }],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    });
  });
  // How many it was asked: for a test that started it in another process (`serve.ts`).
  app.get("/_fake/stats", (c) => c.json({ requests: requests.length }));
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, app.fetch);
  return {
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    close: () => server.shutdown(),
  };
}
