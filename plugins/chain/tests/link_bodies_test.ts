/**
 * The link page's two JSON steps given hostile bodies (no chain, no database: each is refused
 * before either is asked): fields that are objects, arrays, `null`, an object whose `toString`
 * is no function, `__proto__`, a key not asked for, a chain id that is no number, NUL, long
 * text, a body that is not JSON or not an object, or too large. Each is a 400 (413 for the
 * size) with a JSON reason, never a 500. The same for `/link/status` given hostile queries.
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
      const got = await post(path, JSON.stringify(body));
      assertEquals(got.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(got)}`);
      assertEquals(got.json?.ok, false);
      assert(typeof (got.json?.message ?? got.json?.error) === "string", JSON.stringify(got));
    }
  }
  for (
    const body of [
      "{",
      "null",
      "[1]",
      '"x"',
      "7",
      "",
      '{"__proto__": {"address": "0x1"}}',
      "\u0000",
    ]
  ) {
    for (const path of ["/link/challenge", "/link/signature"]) {
      const got = await post(path, body);
      assertEquals(got.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(got)}`);
    }
  }
  // Only the step's own fields, each of its type; NUL and long text inside the size limit.
  const address = `0x${"1".repeat(40)}`;
  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ["/link/challenge", { address, handle: "@alice", admin: true }, /^unknown field "admin"/],
    ["/link/challenge", { address, handle: "@alice", chainId: "31337" }, /^chainId: /],
    ["/link/challenge", { address, handle: "@alice", chainId: 1.5 }, /^chainId: /],
    ["/link/challenge", { address, handle: "@alice", chainId: null }, /^chainId: /],
    ["/link/challenge", { address: `${address}\u0000`, handle: "@alice" }, /address/],
    ["/link/challenge", { address, handle: "@alice\u0000" }, /handle/],
    ["/link/challenge", { address, handle: "a".repeat(15_000) }, /handle/],
    ["/link/challenge", { address, handle: "@alice", xUserId: "1\u00002" }, /user id/],
    ["/link/signature", { message: "m", signature: "0x00", nonce: "x" }, /^unknown field "nonce"/],
    ["/link/signature", { message: "\u0000".repeat(2_000), signature: "0x00" }, /./],
  ];
  for (const [path, body, reason] of refused) {
    const got = await post(path, JSON.stringify(body));
    const seen = `${path} ${JSON.stringify(body).slice(0, 80)}: ${JSON.stringify(got)}`;
    assertEquals(got.status, 400, seen);
    assert(reason.test(got.json?.message ?? got.json?.error ?? ""), seen);
  }
  const huge = await post("/link/signature", JSON.stringify({ message: "x".repeat(20_000) }));
  assertEquals(huge.status, 413);
});

Deno.test("link status: a hostile query (huge, repeated, non-ASCII, NUL, bad escapes) is a 400", async () => {
  const http = new Hono();
  // No database: a query that reached it would be a 500.
  mountLinkPage(http, () => ({}) as WalletLinkDeps, info);
  const nonce = "a1B2c3D4e5F6g7H8";
  for (
    const query of [
      "",
      "?nonce=",
      `?nonce=${nonce}&nonce=${nonce}`,
      `?nonce=${nonce}&nonce=other`,
      `?nonce=${"a".repeat(100_000)}`,
      `?nonce=${nonce}%00`,
      `?nonce=%00${nonce}`,
      `?nonce=${encodeURIComponent("ñoñoñoñoñoñoñoño")}`,
      `?nonce=${encodeURIComponent("\u202e\ud83d\ude00abcdefgh")}`,
      `?nonce=${nonce}%ZZ`,
      `?nonce=%`,
      `?nonce=${nonce}%E0%A4%A`,
      `?nonce[]=${nonce}`,
      `?${"x=1&".repeat(10_000)}`,
    ]
  ) {
    const res = await http.request(`/link/status${query}`);
    const json = await res.json().catch(() => null);
    assertEquals(res.status, 400, `${query.slice(0, 60)}: ${JSON.stringify(json)}`);
    assert(/^nonce: /.test(json?.message), JSON.stringify(json));
    assertEquals(res.headers.get("cache-control"), "no-store");
  }
});
