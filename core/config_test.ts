import { z } from "zod";
import { assertEquals, assertMatch, assertRejects, assertThrows } from "./testing.ts";
import {
  ConfigError,
  interpolate,
  JsonFileError,
  loadPlugins,
  orderByNeeds,
  parseJson,
  pluginModule,
  readConfigFile,
  readJsonFile,
  readSettings,
} from "./config.ts";
import { definePlugin } from "./plugin.ts";

Deno.test("settings: defaults, and one line per bad variable naming it", () => {
  const s = readSettings({});
  assertEquals([s.PORT, s.HOST, s.DATA_DIR, s.DATABASE_URL], [
    8000,
    "127.0.0.1",
    "./data",
    undefined,
  ]);
  const error = assertThrows(
    () => readSettings({ PORT: "eighty", DATABASE_URL: "not a url", LOG_LEVEL: "loud" }),
    ConfigError,
  ) as ConfigError;
  assertEquals(error.problems.map((p) => p.split(":")[0]).sort(), [
    "env.DATABASE_URL",
    "env.LOG_LEVEL",
    "env.PORT",
  ]);
});

Deno.test("interpolate: ${VAR}, defaults, unset optional, and secrets only from the environment", () => {
  const problems: string[] = [];
  const secrets = new Set<string>();
  const out = interpolate(
    {
      url: "https://${HOST_NAME}/x",
      port: "${PORT:-8080}",
      optional: "${NOT_SET:-}",
      apiKey: "${X_API_KEY}",
      streamKey: "literal-key-in-file",
      list: ["${HOST_NAME}"],
      missing: "${ALSO_NOT_SET}",
    },
    { HOST_NAME: "example.org", X_API_KEY: "k-123456789" },
    "plugin x: config",
    problems,
    secrets,
  );
  assertEquals(out, {
    url: "https://example.org/x",
    port: "8080",
    optional: undefined,
    apiKey: "k-123456789",
    streamKey: undefined,
    list: ["example.org"],
    missing: undefined,
  });
  assertEquals(problems, [
    'plugin x: config.streamKey: a secret must come from the environment, e.g. "${VAR}"',
    "plugin x: config.missing: environment variable ALSO_NOT_SET is not set",
  ]);
  assertEquals([...secrets], ["k-123456789"]);
});

Deno.test("loadPlugins: unknown plugin, bad field and missing secret each give one line", async () => {
  const dir = Deno.makeTempDirSync();
  const mod = `${dir}/good.ts`;
  Deno.writeTextFileSync(
    mod,
    `import { z } from "zod";
     import { definePlugin } from "${new URL("./plugin.ts", import.meta.url).href}";
     export default definePlugin({ name: "good", config: z.object({ every: z.number().positive(), token: z.string() }), setup() {} });`,
  );
  const error = await assertRejects(
    () =>
      loadPlugins([
        {
          label: "nope",
          specifier: new URL("../plugins/nope/mod.ts", import.meta.url).href,
          config: {},
        },
        { label: "good", specifier: `file://${mod}`, config: { every: -1, token: "${TOKEN}" } },
        { label: "good", specifier: `file://${mod}`, config: { every: "x", token: "${TOKEN}" } },
      ], { TOKEN: "t-secret-value" }),
    ConfigError,
  ) as ConfigError;
  assertEquals(error.problems.length, 3);
  assertEquals(error.problems[0].startsWith("plugin nope: unknown plugin"), true);
  assertEquals(error.problems[1].startsWith("plugin good: config.every:"), true);
  assertEquals(error.problems[2].startsWith("plugin good: config.every:"), true);

  const missing = await assertRejects(
    () =>
      loadPlugins([{
        label: "good",
        specifier: `file://${mod}`,
        config: { every: 1, token: "${TOKEN}" },
      }], {}),
    ConfigError,
  ) as ConfigError;
  assertEquals(missing.problems, [
    "plugin good: config.token: environment variable TOKEN is not set",
  ]);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("orderByNeeds: providers first, missing provider and cycles reported", () => {
  const p = (name: string, provides: string[], needs: string[]) => ({
    plugin: definePlugin({ name, config: z.object({}), provides, needs, setup() {} }),
    config: {},
  });
  const problems: string[] = [];
  const ordered = orderByNeeds([
    p("widget", [], ["frames"]),
    p("sink", [], ["frames"]),
    p("compositor", ["frames"], []),
  ], problems);
  assertEquals(ordered.map((l) => l.plugin.name), ["compositor", "widget", "sink"]);
  assertEquals(problems, []);

  const optional = orderByNeeds(
    [p("user", [], ["custody?"]), p("chain", ["custody"], [])],
    problems,
  );
  assertEquals(optional.map((l) => l.plugin.name), ["chain", "user"]);
  assertEquals(orderByNeeds([p("user", [], ["custody?"])], problems).length, 1);
  assertEquals(problems, []);

  orderByNeeds([p("a", [], ["nothing"])], problems);
  assertEquals(problems, ["plugin a: needs service nothing, which no listed plugin provides"]);

  const cycle: string[] = [];
  orderByNeeds([p("a", ["x"], ["y"]), p("b", ["y"], ["x"])], cycle);
  assertEquals(cycle.length, 1);
  assertEquals(cycle[0].includes("cycle"), true);
});

Deno.test("profiles: production refuses stand-ins; any profile refuses one next to the real service's settings", async () => {
  const plugin = (name: string) => ({
    label: name,
    specifier: pluginModule(name, new URL("../", import.meta.url)),
    config: {},
  });
  const standIns = [plugin("fake-x"), plugin("x-simulator")];
  assertEquals((await loadPlugins(standIns, {}, "demo")).plugins.length, 2);

  const production = await assertRejects(
    () => loadPlugins([plugin("heartbeat"), ...standIns], {}, "production"),
    ConfigError,
  ) as ConfigError;
  assertEquals(production.problems, [
    "plugin fake-x: a stand-in for the X API; the production profile never loads one",
    "plugin x-simulator: a stand-in for the X audience; the production profile never loads one",
  ]);

  const beside = await assertRejects(
    () => loadPlugins(standIns, { X_ACCESS_TOKEN: "a-real-token" }, "demo"),
    ConfigError,
  ) as ConfigError;
  assertEquals(beside.problems, [
    "plugin fake-x: a stand-in for the X API, listed while X_ACCESS_TOKEN is set: remove the plugin or unset X_ACCESS_TOKEN",
    "plugin x-simulator: a stand-in for the X audience, listed while X_ACCESS_TOKEN is set: remove the plugin or unset X_ACCESS_TOKEN",
  ]);
  // An empty variable is not a setting.
  assertEquals((await loadPlugins(standIns, { X_API_KEY: "" }, "demo")).plugins.length, 2);
});

Deno.test("config files: the profile is read from the file, demo unless it says production", async () => {
  const { readConfigFile } = await import("./config.ts");
  const root = new URL("../", import.meta.url);
  const demo = await readConfigFile(new URL("deno.json", root));
  const production = await readConfigFile(new URL("sothebais.prod.json", root));
  assertEquals([demo.profile, production.profile], ["demo", "production"]);
  const names = (f: typeof demo) => f.entries.map((e) => e.label);
  for (const standIn of ["fake-x", "x-simulator", "demo"]) {
    assertEquals([names(demo).includes(standIn), names(production).includes(standIn)], [
      true,
      false,
    ]);
    // Listed by name, found in the stand-ins' folder, apart from the production plugins.
    const entry = demo.entries.find((e) => e.label === standIn)!;
    assertEquals(entry.specifier, new URL(`stand-ins/${standIn}/mod.ts`, root).href);
  }
  assertEquals(
    demo.entries.find((e) => e.label === "x")!.specifier,
    new URL("plugins/x/mod.ts", root).href,
  );
  const broken = await assertRejects(
    () => readConfigFile(new URL("README.md", root)),
    ConfigError,
  ) as ConfigError;
  assertEquals(broken.problems.length, 1);
});

Deno.test("settings: TLS needs both the certificate and the key", () => {
  const error = assertThrows(() => readSettings({ TLS_CERT_FILE: "cert.pem" }), ConfigError);
  assertMatch(error.message, /env\.TLS_CERT_FILE: set both TLS_CERT_FILE and TLS_KEY_FILE/);
  assertEquals(
    readSettings({ TLS_CERT_FILE: "c.pem", TLS_KEY_FILE: "k.pem" }).TLS_KEY_FILE,
    "k.pem",
  );
});

Deno.test("unknown keys are errors naming them: a plugin's (nested too) and an entry's", async () => {
  const plugin = (name: string) => pluginModule(name, new URL("../", import.meta.url));
  const error = await assertRejects(
    () =>
      loadPlugins([
        { label: "heartbeat", specifier: plugin("heartbeat"), config: { everySecond: 5 } },
        {
          label: "auction",
          specifier: plugin("auction"),
          config: { rateLimt: { bids: 1 }, rateLimit: { bids: 2, per: 60 } },
        },
      ], {}),
    ConfigError,
  ) as ConfigError;
  assertEquals(error.problems.map((p) => p.split(": unknown key")[0]), [
    "plugin heartbeat: config.everySecond",
    "plugin auction: config.rateLimt",
    "plugin auction: config.rateLimit.per",
  ]);
  // Known keys pass, every default in force.
  await loadPlugins([{ label: "heartbeat", specifier: plugin("heartbeat"), config: {} }], {});

  const dir = Deno.makeTempDirSync();
  const file = `${dir}/sothebais.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ sothebais: { plugins: [{ name: "heartbeat", confg: {} }] } }),
  );
  const entry = await assertRejects(() => readConfigFile(file), ConfigError) as ConfigError;
  assertMatch(entry.problems[0], /sothebais\.plugins\.0: .*confg/);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("invalid JSON in a config file names the file and the line", async () => {
  const dir = Deno.makeTempDirSync();
  const file = `${dir}/broken.json`;
  for (
    const [text, line] of [
      ['{\n  "sothebais": {\n    "plugins": [,]\n  }\n}\n', 3],
      ['{\n  "sothebais": {}\n', 3],
      ['{\n  "a": 1,\n  "b": }\n', 3],
    ] as const
  ) {
    Deno.writeTextFileSync(file, text);
    const error = await assertRejects(() => readConfigFile(file), ConfigError) as ConfigError;
    assertEquals(error.problems.length, 1);
    assertMatch(
      error.problems[0],
      new RegExp(`^${file}: invalid JSON at line ${line}, column \\d+: `),
    );
    assertEquals(error.problems[0].includes("\n"), false);
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("parseJson / readJsonFile: the one JSON reader names the source, its line (offset), a size", async () => {
  assertEquals(parseJson('{"a": [1, 2]}', "x.json"), { a: [1, 2] });
  const bad = assertThrows(() => parseJson('{"a":\n  1,,\n}', "x.json"), JsonFileError);
  assertMatch(bad.message, /^x\.json: invalid JSON at line 2, column \d+: /);
  // A line of a bigger file (a backup's): the line counts from where the text starts.
  const line = assertThrows(() => parseJson('{"end": tru', "b.gz", 41), JsonFileError);
  assertMatch(line.message, /^b\.gz: invalid JSON at line 41, column \d+: /);
  for (const text of ["\uFEFF{}", "{\u0000}", "", '{"a": 1'.slice(0, 5)]) {
    const e = assertThrows(() => parseJson(text, "h.json"), JsonFileError);
    assertMatch(e.message, /^h\.json: invalid JSON at line 1, column \d+: \S/);
  }
  const deep = "[".repeat(200) + "]".repeat(200);
  assertEquals(Array.isArray(parseJson(deep, "d.json")), true);
  const proto = parseJson('{"__proto__": {"polluted": true}}', "p.json") as object;
  assertEquals(Object.hasOwn(proto, "__proto__"), true);
  assertEquals(({} as Record<string, unknown>).polluted, undefined);

  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/big.json`, `"${"x".repeat(2000)}"`);
  assertEquals(await readJsonFile(`${dir}/big.json`, "big.json"), "x".repeat(2000));
  const big = await assertRejects(() => readJsonFile(`${dir}/big.json`, "big.json", 1000));
  assertMatch((big as Error).message, /^big\.json: 2002 bytes, over the 1000 it may have$/);
  const gone = await assertRejects(() => readJsonFile(`${dir}/no.json`, "no.json"), JsonFileError);
  assertMatch((gone as Error).message, /^no\.json: No such file/);
  Deno.removeSync(dir, { recursive: true });
});
