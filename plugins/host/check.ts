/**
 * What `main.ts check` says of the host: its character file, read and validated
 * by the very function `start` uses (`loadCharacter`), each problem a line naming
 * the file and the field; and its language model: with `llm.baseUrl` set, one
 * completion of one token through the same client the host uses, so the URL,
 * the key and the model name are all proven; without, the host answers from
 * the auction's facts.
 */
import OpenAI from "openai";
import type { Finding } from "../../core/plugin.ts";
import { CharacterError, characterUrl, loadCharacter } from "./character.ts";

export async function checkCharacter(nameOrPath: string): Promise<Finding[]> {
  try {
    const character = await loadCharacter(nameOrPath);
    const file = decodeURIComponent(characterUrl(nameOrPath).pathname);
    return [{ status: "ok", text: `character ${character.name} (${file}) is valid` }];
  } catch (error) {
    if (!(error instanceof CharacterError)) throw error;
    return error.problems.map((text) => ({ status: "problem", text }));
  }
}

export async function checkModel(
  llm: { baseUrl?: string; apiKey?: string; model: string },
  timeoutMs: number,
): Promise<Finding[]> {
  if (!llm.baseUrl) {
    return [{
      status: "missing",
      text: "LLM_BASE_URL not set: the host answers from the auction's facts",
    }];
  }
  const where = `model ${llm.model} at ${new URL(llm.baseUrl).host}`;
  const client = new OpenAI({
    baseURL: llm.baseUrl,
    apiKey: llm.apiKey ?? "none",
    timeout: timeoutMs,
    maxRetries: 0,
  });
  const t = performance.now();
  try {
    const answer = await client.chat.completions.create({
      model: llm.model,
      messages: [{ role: "user", content: "Say OK." }],
      max_tokens: 1,
    });
    const text = answer.choices[0]?.message?.content ?? "";
    const ms = Math.round(performance.now() - t);
    return [{ status: "ok", text: `${where} answered ${JSON.stringify(text)} (${ms} ms)` }];
  } catch (error) {
    return [{
      status: "problem",
      text: `${where}: ${(error as Error).message.split("\n")[0]}`,
    }];
  }
}
