/**
 * Where the plugin talks to X and as whom: `baseUrl` from config, else api.x.com with credentials,
 * else the listed `fake-x` plugin's server (the demo); neither is an error at start. Without
 * credentials the target is the local fake, which checks only the header's form. With
 * `X_BEARER_TOKEN` beside the user's tokens, reads may go as the app too (its own per-app windows,
 * `x_api.ts` `readAuths`; the reader picks, `read_windows.ts`).
 */
import type { XConfig } from "./config.ts";
import { createXApi, type XApi } from "./x_api.ts";

export interface XConnection {
  api: XApi;
  baseUrl: string;
  /** The app-only token for the filtered stream (the local fake accepts any). */
  streamToken?: string;
}

const LOCAL = { apiKey: "local", apiSecret: "local", accessToken: "local", accessSecret: "local" };

export function connectX(config: XConfig, fakeXUrl: string | undefined): XConnection {
  const hasCredentials = Boolean(config.apiKey || config.bearerToken);
  const baseUrl = config.baseUrl ?? (hasCredentials ? "https://api.x.com" : fakeXUrl);
  if (!baseUrl) {
    throw new Error(
      "x: no X credentials (X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN, X_ACCESS_SECRET) and no fake X: set them, or list the fake-x plugin for a demo",
    );
  }
  return {
    api: createXApi(baseUrl, hasCredentials ? config : LOCAL),
    baseUrl,
    streamToken: config.bearerToken ?? (hasCredentials ? undefined : "local-fake-x"),
  };
}
