/**
 * A test plugin providing the `x` service's posting interface, keeping every
 * post request: the host's tests read what it would have tweeted. Invariant:
 * it only records (the real outbox's budget is the x plugin's own tests' job).
 */
import { z } from "zod";
import { definePlugin } from "../../../core/plugin.ts";
import type { PostRequest, XService } from "../../x/mod.ts";

export const posted: PostRequest[] = [];

export default definePlugin({
  name: "recording-x",
  config: z.object({}),
  provides: ["x"],
  setup({ provide }) {
    const seen = new Set<string>();
    const x: XService = {
      post: (r) => {
        if (seen.has(r.key)) return Promise.resolve(false);
        seen.add(r.key);
        posted.push(r);
        return Promise.resolve(true);
      },
      usage: () => Promise.resolve([]),
      readThrough: () => undefined,
      idle: () => Promise.resolve(),
    };
    provide("x", x);
  },
});
