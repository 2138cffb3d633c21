/**
 * Child process for the SIGKILL test: an engine with the x plugin (posting
 * only) queues N posts (idempotent keys, so a restart queues nothing new) and
 * runs until all are sent. Storage and the fake X URL come from the environment.
 */
import { startXEngine } from "./x_engine.ts";

const env = Deno.env.toObject();
const n = Number(env.POSTS);
const engine = await startXEngine({ env, remove: async () => {} }, {
  x: { baseUrl: env.X_API_BASE_URL, tier: "pro", read: false },
});
for (let i = 1; i <= n; i++) {
  await engine.x.post({
    key: `crash-test:${i}`,
    kind: "results",
    priority: "winner",
    text: `Result ${i} of ${n}: exactly once, whatever happens.`,
  });
}
for (;;) {
  const [r] = await engine.db.query<{ n: string }>(
    "select count(*)::int8 as n from x_outbox where status = 'sent'",
  );
  if (Number(r.n) === n) break;
  await new Promise((r) => setTimeout(r, 20));
}
console.log("done");
await engine.stop();
Deno.exit(0);
