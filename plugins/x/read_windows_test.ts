/**
 * The shared view of the read windows, per authentication, over a scripted X (no server): each
 * read goes to the window with room, a 429 on the app's window is read again at once as the user,
 * an app token X refuses is set aside and said, headers missing or beyond reason are not believed.
 */
import { deepStrictEqual, ok, rejects } from "node:assert/strict";
import { trackReadWindows } from "./read_windows.ts";
import { resolveLimits } from "./tier_limits.ts";
import { type RateLimit, type ReadAuth, type XApi, XApiError, type XPage } from "./x_api.ts";

const M15 = 900_000;

/** An X whose answer to each read is scripted per authentication. */
function scripted(answer: (auth: ReadAuth, n: number) => RateLimit | undefined | Error) {
  const calls: ReadAuth[] = [];
  const run = (auth: ReadAuth = "user"): Promise<XPage<never>> => {
    calls.push(auth);
    const a = answer(auth, calls.filter((c) => c === auth).length);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve({ items: [], rateLimit: a });
  };
  const api = {
    readAuths: ["user", "app"],
    canPost: true,
    mentions: (_id: string, p: { auth?: ReadAuth }) => run(p.auth),
    search: (_q: string, p: { auth?: ReadAuth }) => run(p.auth),
  } as unknown as XApi;
  return { api, calls };
}

Deno.test("windows: opened together, each read to the one with room, the planner sees the sum", async () => {
  let now = Date.parse("2026-12-02T12:00:00Z");
  const left = { user: 60, app: 60 };
  const x = scripted((auth) => ({ limit: 60, remaining: --left[auth], resetAt: now + M15 }));
  const w = trackReadWindows(x.api, resolveLimits("basic"), () => now);
  // Basic's per-app search number is not documented: one probe a window until X says.
  deepStrictEqual(w.windowOf("search").limit, 61);
  await w.api.search("q", {});
  now += 5000;
  const page = await w.api.search("q", {});
  deepStrictEqual(x.calls, ["user", "app"], "the second read opens the app's window beside it");
  deepStrictEqual(page.rateLimit?.remaining, 118);
  deepStrictEqual(w.windowOf("search").limit, 120, "the app's limit as X's headers gave it");
  for (let i = 0; i < 4; i++) await w.api.search("q", {});
  deepStrictEqual(x.calls.slice(2), ["user", "app", "user", "app"]);
  const status = w.status();
  deepStrictEqual(status.app, "in use");
  deepStrictEqual(status.windows.search.map((s) => [s.auth, s.limit, s.from, s.remaining]), [
    ["user", 60, "headers", 57],
    ["app", 60, "headers", 57],
  ]);
});

Deno.test("windows: a 429 on the app's window reads as the user at once; spent windows ask nothing", async () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  let userLeft = 3;
  const x = scripted((auth, n) =>
    auth === "app"
      ? n === 1
        ? { limit: 10, remaining: 9, resetAt: now + M15 }
        : new XApiError("Too Many Requests", "rate-limited", 429, now + 600_000)
      : { limit: 10, remaining: --userLeft, resetAt: now + M15 }
  );
  const w = trackReadWindows(x.api, resolveLimits("basic"), () => now);
  await w.api.mentions("1", {}); // user, opens
  await w.api.mentions("1", {}); // app, joins
  await w.api.mentions("1", {}); // app (most room): 429 → user, at once
  deepStrictEqual(x.calls, ["user", "app", "app", "user"]);
  deepStrictEqual(w.last("mentions")?.remaining, 1, "the app's spent; the user's one left");
  await w.api.mentions("1", {});
  deepStrictEqual(x.calls.at(-1), "user");
  // Both spent: no request, an error the reader waits on — the first reset of them.
  const before = x.calls.length;
  await rejects(
    w.api.mentions("1", {}),
    (e: XApiError) => e.kind === "rate-limited" && e.resetAt === now + 600_000,
  );
  deepStrictEqual(x.calls.length, before);
});

Deno.test("windows: an app token X refuses (401/403) degrades to the user's, and health says so", async () => {
  let now = Date.parse("2026-12-02T12:00:00Z");
  for (const status of [401, 403]) {
    const x = scripted((auth) =>
      auth === "app"
        ? new XApiError("Unauthorized", "rejected", status)
        : { limit: 60, remaining: 50, resetAt: now + M15 }
    );
    const w = trackReadWindows(x.api, resolveLimits("basic"), () => now);
    await w.api.search("q", {});
    await w.api.search("q", {}); // app: refused → user, same read
    await w.api.search("q", {});
    deepStrictEqual(x.calls, ["user", "app", "user", "user"]);
    const s = w.status();
    deepStrictEqual(s.app, "refused");
    ok(s.appDetail?.includes(`${status}`) && s.appDetail.includes("as the user only"), s.appDetail);
    deepStrictEqual(w.windowOf("search").limit, 60, "planned with the user's window alone");
    now += 3600_000 + 1000;
    deepStrictEqual(w.status().app, "in use", "tried again after an hour");
  }
});

Deno.test("windows: an app window without headers is counted here; a reset beyond a window is not believed", async () => {
  let now = Date.parse("2026-12-02T12:00:00Z");
  const x = scripted((auth) =>
    auth === "app" ? undefined : { limit: 10, remaining: 9, resetAt: now + M15 }
  );
  const w = trackReadWindows(x.api, resolveLimits("basic"), () => now);
  await w.api.mentions("1", {});
  await w.api.mentions("1", {});
  // No headers, no documented number: one read (the probe) in that window.
  const app = w.status().windows.mentions.find((s) => s.auth === "app")!;
  deepStrictEqual([app.limit, app.from, app.remaining], [1, "probe", 0]);
  for (let i = 0; i < 3; i++) await w.api.mentions("1", {});
  deepStrictEqual(x.calls.filter((c) => c === "app").length, 1, "never past what it knows");
  now += M15;
  // A reset a day ahead (a lie): bounded by the window's length.
  const liar = scripted(() => ({ limit: 600, remaining: 599, resetAt: now + 86_400_000 }));
  const l = trackReadWindows(liar.api, resolveLimits("basic"), () => now);
  await l.api.mentions("1", {});
  const reset = Date.parse(l.status().windows.mentions[0].resetAt!);
  ok(reset <= now + M15 + 1000, new Date(reset).toISOString());
});

Deno.test("windows: a stored app limit is planned with at once, X's headers refine it; the probe goes as the app alone", async () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  let appLimit = 45;
  const x = scripted((auth) => ({
    limit: auth === "app" ? appLimit : 60,
    remaining: 10,
    resetAt: now + M15,
  }));
  const learned: Array<[string, number]> = [];
  const w = trackReadWindows(
    x.api,
    resolveLimits("basic"),
    () => now,
    undefined,
    (s, l) => learned.push([s, l]),
  );
  deepStrictEqual(w.appUnknown("search"), true);
  // Hostile stored values are not believed: the limit stays unknown.
  w.useStored({ search: -5, mentions: 1e12 });
  w.useStored({ search: Number.NaN } as never);
  w.useStored({ search: 121 }); // beyond the bound: twice Basic's documented 60 for the user

  deepStrictEqual([w.windowOf("search").limit, w.appUnknown("search")], [61, true]);
  w.useStored({ search: 50 });
  deepStrictEqual([w.windowOf("search").limit, w.appUnknown("search")], [110, false]);
  deepStrictEqual(w.status().windows.search[1].from, "stored");
  // The probe: as the app though the user's window is the first pick, and no read beside it.
  w.probe("search");
  await w.api.search("q", {});
  deepStrictEqual(x.calls, ["app"]);
  deepStrictEqual(w.joining("search"), false, "the user's window is not opened beside the probe");
  // X's header refines the stored 50 (kept); one beyond the bound is not believed (nor kept).
  deepStrictEqual(w.windowOf("search").limit, 105);
  deepStrictEqual(learned, [["search", 45]]);
  appLimit = 5e9;
  await w.api.search("q", {});
  deepStrictEqual(w.windowOf("search").limit, 105);
  deepStrictEqual(learned, [["search", 45]]);
  appLimit = 120; // the bound itself: believed
  await w.api.search("q", {});
  deepStrictEqual([w.windowOf("search").limit, learned.at(-1)], [180, ["search", 120]]);
});

Deno.test("windows: an app header beyond the tier's bound is refused with a warning, planned as before", async () => {
  let now = Date.parse("2026-12-02T12:00:00Z");
  const lines: string[] = [];
  const log = { warn: (m: string, f?: unknown) => lines.push(`${m} ${JSON.stringify(f)}`) };
  // Basic: no per-app figure; a proxy says 1,000,000 (twice the user's 10 is the bound).
  const liar = scripted((auth) => ({
    limit: auth === "app" ? 1_000_000 : 10,
    remaining: 999,
    resetAt: now + M15,
  }));
  const learned: number[] = [];
  const w = trackReadWindows(
    liar.api,
    resolveLimits("basic"),
    () => now,
    log as never,
    (_s, l) => learned.push(l),
  );
  w.probe("mentions");
  await w.api.mentions("1", {});
  await w.api.mentions("1", {});
  const app = w.status().windows.mentions.find((s) => s.auth === "app")!;
  deepStrictEqual([app.limit, app.from, app.remaining], [1, "probe", 0], "still one read a window");
  deepStrictEqual([w.appUnknown("mentions"), learned], [true, []]);
  deepStrictEqual(liar.calls.filter((c) => c === "app").length, 1);
  deepStrictEqual(lines.length, 1, "warned once for the value");
  ok(lines[0].includes("x-rate-limit-limit") && lines[0].includes("1000000"), lines[0]);
  // Pro documents 450 per app: a header above it is refused (planned at 450), one below believed.
  let proLimit = 900;
  const pro = scripted((auth) => ({
    limit: auth === "app" ? proLimit : 300,
    remaining: 100,
    resetAt: now + M15,
  }));
  const p = trackReadWindows(pro.api, resolveLimits("pro"), () => now, log as never);
  p.probe("search");
  await p.api.search("q", {});
  deepStrictEqual(p.status().windows.search.find((s) => s.auth === "app")?.limit, 450);
  proLimit = 400;
  now += 1000;
  p.probe("search");
  await p.api.search("q", {});
  deepStrictEqual(p.status().windows.search.find((s) => s.auth === "app")?.limit, 400);
});
