/**
 * The client address of an HTTP request, as the engine knows it: the peer of the connection
 * (`Deno.serve`'s `info.remoteAddr`, which the engine hands to the app as its env). Behind a
 * reverse proxy that is the proxy's address; no forwarded header is believed (anyone can send
 * one). A request with no connection (in-process, a Unix socket) is "unknown": one address.
 */
import type { Context } from "hono";

export function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: unknown } } | undefined;
  const host = env?.remoteAddr?.hostname;
  return typeof host === "string" && host ? host : "unknown";
}
