/**
 * The outbox sends each post exactly once although its process is SIGKILLed
 * at the worst moments: right after X stored a post but before the answer
 * arrived, and at random times in between.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { serveFakeX } from "../../../stand-ins/fake-x/mod.ts";
import { xStorage } from "./x_engine.ts";

const POSTS = 40;

Deno.test("outbox: exactly once across SIGKILLs", async () => {
  const storage = xStorage();
  let child: Deno.ChildProcess | undefined;
  let posted = 0;
  const killAt = new Set([3, 11, 24]);
  const served = serveFakeX({
    // X's own duplicate refusal would hide a double post; here only the outbox may prevent one.
    refuseDuplicates: false,
    onPost: () => {
      posted++;
      // X has the post; the child dies before it hears the tweet id.
      if (killAt.has(posted)) child?.kill("SIGKILL");
    },
  });
  try {
    let runs = 0;
    let done = false;
    while (!done && runs < 12) {
      runs++;
      child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./outbox_child.ts", import.meta.url).pathname],
        env: { ...storage.env, X_API_BASE_URL: served.url, POSTS: String(POSTS) },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // One run is also killed at a random moment of its own.
      const timer = runs === 2
        ? setTimeout(() => child?.kill("SIGKILL"), 2500 + Math.random() * 1500)
        : undefined;
      const out = await child.output();
      clearTimeout(timer);
      done = new TextDecoder().decode(out.stdout).includes("done");
    }
    ok(done, "the child finished");
    ok(runs >= 4, `killed and restarted (${runs} runs)`);
    // Each kill inside a POST left a row in flight, which was checked against the timeline.
    ok((served.fake.stats().requests["GET /2/users/:id/tweets"] ?? 0) >= killAt.size);
    const texts = served.fake.posts().map((t) => t.text);
    deepStrictEqual(texts.length, POSTS, "no post twice, none lost");
    deepStrictEqual(
      new Set(texts),
      new Set(
        Array.from(
          { length: POSTS },
          (_, i) => `Result ${i + 1} of ${POSTS}: exactly once, whatever happens.`,
        ),
      ),
    );
  } finally {
    await served.stop();
    await storage.remove();
  }
});
