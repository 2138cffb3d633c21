/**
 * Two viewers' questions put to the host of a running engine, as the x plugin
 * hands them over, for the audio and avatar tests: each answer waited for
 * (said, then played through), then a silence. Invariant: every wait is
 * bounded (core/testing's `eventually`).
 */
import type { Bus } from "../../../core/bus.ts";
import { eventually } from "../../../core/testing.ts";
import type {} from "../mod.ts";

/** Handle, question, tweet id. */
export const QUESTIONS = [
  ["@dan", "when does it open?", "7"],
  ["@erin", "how do I bid?", "8"],
] as const;

export async function askTwoQuestions(o: {
  bus: Pick<Bus, "emit">;
  /** The lines the host said so far (`host.said`), in order. */
  said: ReadonlyArray<{ id: string; text: string }>;
  /** Whether the line `id` has been played through. */
  played: (id: string) => boolean;
  /** Silence after each answer, ms. */
  pauseMs: number;
}): Promise<void> {
  for (const [handle, text, tweetId] of QUESTIONS) {
    o.bus.emit("host.question", { handle, text, tweetId });
    const line = await eventually(
      () => o.said.find((s) => s.text.startsWith(handle)),
      `${handle}'s answer`,
      15_000,
    );
    await eventually(() => o.played(line.id), `${handle}'s answer to be played`, 30_000);
    await new Promise((r) => setTimeout(r, o.pauseMs));
  }
}
