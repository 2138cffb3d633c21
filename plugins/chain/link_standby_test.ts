/**
 * The link page on a standby: the shell from config alone (no RPC asked when the chain id is
 * configured), nothing that stores or reads a challenge; none with the embedded chain.
 */
import { Hono } from "hono";
import { assert, assertEquals } from "../../core/testing.ts";
import { createLog } from "../../core/log.ts";
import { createMetrics } from "../../core/metrics.ts";
import { systemClock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import { chainConfig } from "./chain_config.ts";
import { linkStandby } from "./link_standby.ts";

const ESCROW = "0x00000000000000000000000000000000000000ab";

async function standbyApp(config: Record<string, unknown>) {
  const http = new Hono();
  const noDb = new Proxy({}, {
    get: () => () => Promise.reject(new Error("a standby's link page reads no database")),
  }) as Db;
  await linkStandby({
    name: "chain",
    config: chainConfig.parse(config),
    clock: systemClock(),
    log: createLog("test", { level: "error" }),
    db: noDb,
    metrics: createMetrics(),
    http,
  });
  return http;
}

Deno.test("link standby: the page, its script and the escrow QR from config; no challenge", async () => {
  // Port 9 (discard): a chain id asked of it would fail the test.
  const http = await standbyApp({
    rpcUrls: "http://127.0.0.1:9",
    chainId: 8453,
    escrowAddress: ESCROW,
    hostHandle: "Show",
  });
  const page = await http.request("/link");
  assertEquals(page.status, 200);
  const html = await page.text();
  assert(html.includes('data-chain="8453"') && html.includes('data-host="@Show"'), html);
  const qr = await http.request("/link/escrow.svg");
  assertEquals(qr.status, 200);
  assert((await qr.text()).startsWith("<svg"));
  assertEquals((await http.request("/link/app.css")).status, 200);
  for (const path of ["/link/challenge", "/link/signature"]) {
    assertEquals((await http.request(path, { method: "POST", body: "{}" })).status, 404);
  }
  assertEquals((await http.request("/link/status?nonce=abcdefgh1234")).status, 404);
});

Deno.test("link standby: the embedded chain is the leader's, no link page", async () => {
  const http = await standbyApp({ hostHandle: "Show" });
  assertEquals((await http.request("/link")).status, 404);
});
