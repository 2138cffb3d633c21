/** Serves a fake X API on a local port (0 = any free port). */
import { createFakeX, type FakeX, type FakeXOptions } from "./fake_x_server.ts";

export interface ServedFakeX {
  fake: FakeX;
  /** e.g. `http://127.0.0.1:41234` — what `X_API_BASE_URL` takes. */
  url: string;
  stop(): Promise<void>;
}

export function serveFakeX(
  options: FakeXOptions & { port?: number; hostname?: string } = {},
): ServedFakeX {
  const fake = createFakeX(options);
  const server = Deno.serve(
    { hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    fake.fetch,
  );
  return {
    fake,
    url: `http://${server.addr.hostname}:${server.addr.port}`,
    stop: () => {
      fake.disconnectStreams();
      return server.shutdown();
    },
  };
}
