/**
 * The link page's two JSON steps given hostile bodies (no chain, no database: each is refused
 * before either is asked): fields that are objects, arrays, `null`, an object whose `toString`
 * is no function, `__proto__`, a body that is not JSON or not an object, or too large. Each
 * is a 400 (413 for the size) with a JSON reason, never a 500.
 */
import { Hono } from "hono";
import { assert, assertEquals } from "../../../core/testing.ts";
import { mountLinkPage } from "../link_page.ts";
import type { WalletLinkDeps } from "../wallet_link.ts";

const info = () => ({
  escrow: `0x${"0".repeat(40)}`,
  chainId: 31337,
  confirmations: 2,
  hostHandle: "@SothebAIs",
});

Deno.test("link page: hostile JSON bodies are a 400 with a reason, never a 500", async () => {
  const http = new Hono();
  mountLinkPage(http, () => ({}) as WalletLinkDeps, info, { challenges: 1000, perSeconds: 60 });
  const post = async (path: string, body: string) => {
    const res = await http.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  const hostile: unknown[] = [
    { toString: 0 },
    { toString: 0, valueOf: 0 },
    [],
    ["0x0000000000000000000000000000000000000001"],
    {},
    null,
    true,
    "",
  ];
  for (const v of hostile) {
    for (
      const [path, body] of [
        ["/link/challenge", { address: v, handle: "@alice" }],
        ["/link/challenge", { address: `0x${"1".repeat(40)}`, handle: v }],
        ["/link/challenge", { address: `0x${"1".repeat(40)}`, handle: "@alice", xUserId: v }],
        ["/link/signature", { message: v, signature: "0x00" }],
        ["/link/signature", { message: "hello", signature: v }],
      ] as const
    ) {
      // An xUserId that is false/empty is no user id (the step is then asked of the database).
      if (body && "xUserId" in body && !v) continue;
      const got = await post(path, JSON.stringify(body));
      assertEquals(got.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(got)}`);
      assertEquals(got.json?.ok, false);
      assert(typeof (got.json?.message ?? got.json?.error) === "string", JSON.stringify(got));
    }
  }
  for (const body of ["{", "null", "[1]", '"x"', '{"__proto__": {"address": "0x1"}}', "\u0000"]) {
    for (const path of ["/link/challenge", "/link/signature"]) {
      const got = await post(path, body);
      assertEquals(got.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(got)}`);
    }
  }
  const huge = await post("/link/signature", JSON.stringify({ message: "x".repeat(20_000) }));
  assertEquals(huge.status, 413);
});
