/**
 * The sign-in and setup routes (`/admin/api/login`, `/admin/api/setup/start`, `/finish`) and the
 * request envelope given hostile bodies on a real engine: not JSON, `null`, an array, a number, a
 * string, empty, a field missing or of another type, too long, holding NUL or another control
 * character, a key not asked for (`__proto__` too), a body over the limit. Each is a 400 naming
 * the problem — never answered as a failed sign-in (401), never a 500 — and costs no throttle
 * attempt and no audit row; the friendly bodies still enrol and sign in.
 */
import assert from "node:assert/strict";
import { panelEngine, PASSWORD, sessionHeaders, totpCode } from "./panel_kit.ts";

type Case = [what: string, body: string, message: RegExp];

/** The hostile bodies of a route whose fields are `fields` (each a good value). */
function hostileBodies(fields: Record<string, string>, long: string): Case[] {
  const good = (over: Record<string, unknown>) => JSON.stringify({ ...fields, ...over });
  const [first] = Object.keys(fields);
  return [
    [
      "garbage",
      "name=olga&password=x",
      /^the body is not valid JSON \(.+\): send a JSON object \{/,
    ],
    ["cut short", good({}).slice(0, -3), /^the body is not valid JSON/],
    ["null", "null", /^the body is null, not an object/],
    ["an array", JSON.stringify([fields]), /^the body is an array, not an object/],
    ["a number", "42", /^the body is a number, not an object/],
    ["a string", JSON.stringify(fields[first]), /^the body is a string, not an object/],
    ["true", "true", /^the body is a boolean, not an object/],
    ["empty", "", /^the body is empty/],
    ["an empty object", "{}", new RegExp(`^${first}: missing$`)],
    ["a number field", good({ [first]: 12345 }), new RegExp(`^${first}: a number, not a string$`)],
    ["a null field", good({ [first]: null }), new RegExp(`^${first}: null, not a string$`)],
    ["an array field", good({ [first]: [fields[first]] }), /: an array, not a string$/],
    ["an object field", good({ [first]: { toString: 0 } }), /: an object, not a string$/],
    ["a boolean field", good({ [first]: true }), /: a boolean, not a string$/],
    [
      "a huge field",
      good({ [long]: "x".repeat(5000) }),
      new RegExp(`^${long}: at most \\d+ characters$`),
    ],
    ["a NUL", good({ [first]: `${fields[first]}\u0000` }), /control characters .* are refused$/],
    ["a newline", good({ [first]: `${fields[first]}\n` }), /control characters .* are refused$/],
    ["an extra key", good({ role: "admin" }), /^unknown field "role": send only /],
    ["__proto__", good({}).replace("{", '{"__proto__":{"x":1},'), /^unknown field "__proto__"/],
    ["a huge body", good({ [first]: "x".repeat(100_000) }), /^the request is too big$/],
  ];
}

Deno.test({
  name:
    "sign-in and setup: a body that is not exactly its string fields is a 400, never a failed sign-in",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Two attempts would lock the address: every refusal below must cost none.
    const engine = await panelEngine({
      admin: { login: { attempts: 2, ipAttempts: 2, windowSeconds: 60, lockoutSeconds: 600 } },
    });
    try {
      const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
        const res = await fetch(`${engine.url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: engine.url, ...headers },
          body,
        });
        return { status: res.status, json: await res.json().catch(() => null) };
      };
      const check = async (path: string, cases: Case[], headers?: Record<string, string>) => {
        for (const [what, body, message] of cases) {
          const r = await post(path, body, headers);
          const seen = `${path} ${what}: ${r.status} ${JSON.stringify(r.json)}`;
          assert.equal(r.status, 400, seen);
          assert.equal(r.json?.ok, false, seen);
          assert.match(r.json?.message ?? "", message, seen);
        }
      };
      const login = { name: "olga", password: PASSWORD, code: "123456" };
      await check("/admin/api/login", hostileBodies(login, "password"));
      await check("/admin/api/login", [
        [
          "a NUL password",
          JSON.stringify({ ...login, password: "x\u0000y" }),
          /^password: control/,
        ],
        ["a code missing", JSON.stringify({ name: "olga", password: PASSWORD }), /^code: missing$/],
        [
          "a 257-character password",
          JSON.stringify({ ...login, password: "x".repeat(257) }),
          /^password: at most 256 characters$/,
        ],
      ]);
      const token = await engine.addAccount("olga", "operator");
      await check("/admin/api/setup/start", hostileBodies({ token }, "token"));
      const finish = { token, password: PASSWORD, code: "123456" };
      await check("/admin/api/setup/finish", hostileBodies(finish, "password"));

      // Nothing above was a sign-in: no audit row, no throttle, the account still to enrol.
      const audit = await engine.db.query(
        "select action from admin_audit where action in ('session.sign-in', 'account.setup')",
      );
      assert.deepEqual(audit, []);
      const start = await post("/admin/api/setup/start", JSON.stringify({ token }));
      assert.equal(start.status, 200, JSON.stringify(start.json));
      const done = await post(
        "/admin/api/setup/finish",
        JSON.stringify({ token, password: PASSWORD, code: totpCode(start.json.secret) }),
      );
      assert.equal(done.status, 200, JSON.stringify(done.json));
      // A wrong password is still a failed sign-in (401); the right one signs in.
      const wrong = await post(
        "/admin/api/login",
        JSON.stringify({ ...login, password: "not it at all" }),
      );
      assert.equal(wrong.status, 401);
      assert.match(wrong.json.message, /^Wrong name or password\./);
      const signedIn = await engine.signIn("olga", start.json.secret);

      // The request envelope: the same refusals, and a key other than requestData is one too.
      const as = { ...sessionHeaders(signedIn) };
      const envelope = async (body: string) =>
        await post("/admin/api/requests/GetOverview", body, as);
      for (
        const [body, message] of [
          [
            '{"requestData":{},"requestType":"AuctionOverride"}',
            /^unknown field "requestType": send only requestData$/,
          ],
          ['{"__proto__":{},"requestData":{}}', /^unknown field "__proto__"/],
          ["\u0000", /^the body is not valid JSON/],
        ] as const
      ) {
        const r = await envelope(body);
        assert.equal(r.status, 400, body);
        assert.match(r.json.message, message);
      }
      assert.equal((await envelope('{"requestData":{}}')).status, 200);
      assert.equal((await envelope("{}")).status, 200);
    } finally {
      await engine.stop();
    }
  },
});
