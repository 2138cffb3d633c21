/** The per-handle question limit: a window's share, then silence, then the next window. */
import { assertEquals } from "../../core/testing.ts";
import { memoryState } from "../../core/state_memory.ts";
import { questionGate } from "./question_limit.ts";

Deno.test("questions: at most the limit per handle a window, handles apart, case folded", async () => {
  const state = memoryState();
  let now = 1_000_000;
  const mayAsk = questionGate(state, { questions: 2, windowSeconds: 60 }, () => now);
  const asked = async (h: string, n: number) => {
    const out: boolean[] = [];
    for (let i = 0; i < n; i++) out.push(await mayAsk(h));
    return out;
  };
  assertEquals(await asked("@Spam", 4), [true, true, false, false]);
  assertEquals(await asked("spam", 1), [false], "the same handle, written otherwise");
  assertEquals(await asked("@honest", 2), [true, true], "another handle has its own share");
  now += 60_000;
  assertEquals(await asked("@spam", 3), [true, true, false], "the next window");
  await state.close();
});
