/**
 * A panel that only watches: signs nothing, draws nothing. Connects to the
 * panel's WebSocket with a session, subscribes to the preview, counts frames
 * until stopped (SIGTERM), then prints the count. Used by preview_cost.ts to
 * separate the engine's cost of the preview from a browser's.
 *
 *   deno run -A admin/bench/watch_client.ts <url> <cookie> <csrf>
 */
import { panelSocket } from "../tests/panel_kit.ts";

const [url, cookie, csrf] = Deno.args;
const socket = panelSocket(url, cookie, csrf, ["preview"]);
await socket.identified;
console.log("watching");
Deno.addSignalListener("SIGTERM", () => {
  console.log(`frames ${socket.frames.length}`);
  socket.close();
  Deno.exit(0);
});
await socket.closed;
