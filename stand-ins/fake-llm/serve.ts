/**
 * The lying model on its own, for a rehearsal or a show run by hand:
 * `deno run -A stand-ins/fake-llm/serve.ts [--port N]` prints
 * `LLM_BASE_URL=http://127.0.0.1:N/v1`; give that to `main.ts rehearse` (or
 * `start`) and the host speaks with a model that lies in every way
 * (`lying_model.ts`). `GET /_fake/stats` says how many it was asked.
 * Invariant: loopback only; it stops on SIGINT or SIGTERM.
 */
import { parseArgs } from "node:util";
import { startFakeLlm } from "./fake_llm.ts";
import { lyingModel } from "./lying_model.ts";

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: "${values.port}" is not a port`);
  Deno.exit(2);
}
const model = startFakeLlm(lyingModel(), port);
console.log(`LLM_BASE_URL=${model.url}`);
const stop = () => void model.close().then(() => Deno.exit(0));
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
