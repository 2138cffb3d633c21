/**
 * `main.ts new widget` as a new author would run it, outside the repository:
 * the scaffold lands in their folder (formatted), is listed in their config (loadable),
 * and its own golden test passes at once; an edit of its draw fails that test;
 * a taken folder and a bad name are refused, nothing written.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../../core/testing.ts";
import { loadPlugins, readConfigFile } from "../../core/config.ts";
import { addPluginEntry } from "./new_widget.ts";
import { isWidget } from "./widget_kit.ts";
import { matchGolden, renderWidget } from "./widget_testing.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("new widget: scaffolded outside the repository, listed, and its test passes at once", async () => {
  const home = await Deno.makeTempDir({ prefix: "widget-author-" });
  try {
    const config = `${home}/show.json`;
    const compositor = `${ROOT}plugins/compositor/mod.ts`;
    await Deno.writeTextFile(
      config,
      JSON.stringify({ sothebais: { plugins: [{ module: compositor, config: { run: false } }] } }),
    );
    const made = await run([
      "run",
      "-A",
      "main.ts",
      "new",
      "widget",
      "sparkle",
      "--dir",
      `${home}/sparkle`,
      "--config",
      config,
    ]);
    assertEquals(made.code, 0, made.text);
    assertMatch(made.text, /listed in .*show\.json: \{ "module": "\.\/sparkle\/mod\.ts"/);
    const files = [...Deno.readDirSync(`${home}/sparkle`)].map((e) => e.name).sort();
    assertEquals(files, ["README.md", "goldens", "mod.ts", "sparkle_test.ts"]);
    const formatted = await run(["fmt", "--check", `${home}/sparkle`]);
    assertEquals(formatted.code, 0, formatted.text);

    // Listed: the engine's loader finds it through the config file.
    const { entries } = await readConfigFile(config);
    const { plugins } = await loadPlugins(entries, {});
    assertEquals(plugins.map((p) => p.plugin.name).sort(), ["compositor", "widget-sparkle"]);

    const tested = await run([
      "test",
      "-A",
      "--config",
      `${ROOT}deno.json`,
      `${home}/sparkle/sparkle_test.ts`,
    ]);
    assertEquals(tested.code, 0, tested.text);
    assertMatch(tested.text, /1 passed/);

    // The golden is a real check: the same widget drawing in another colour fails it.
    const source = await Deno.readTextFile(`${home}/sparkle/mod.ts`);
    const edited = source.replace("g.fillStyle = theme.ink;", 'g.fillStyle = "#ff00ff";');
    assert(edited !== source, "the edit applies");
    await Deno.writeTextFile(`${home}/sparkle/mod_edited.ts`, edited);
    const widget = Object.values(await import(`file://${home}/sparkle/mod_edited.ts`)).find(
      isWidget,
    )!;
    const bid = (n: number) => ({
      type: "bid.accepted",
      payload: {
        auctionId: "lot-1",
        tweetId: `t-${n}`,
        handle: `@bidder${n}`,
        amountWei: BigInt(n) * 10n ** 18n,
      },
    });
    const frame = await renderWidget(widget, { width: 420, height: 200, events: [bid(1), bid(2)] });
    await assertRejects(
      () => matchGolden(frame, new URL(`file://${home}/sparkle/goldens/`), "sparkle"),
      Error,
      "of pixels differ",
    );

    // A folder with files is never written over; a bad name is refused before anything is.
    const again = await run([
      "run",
      "-A",
      "main.ts",
      "new",
      "widget",
      "sparkle",
      "--dir",
      `${home}/sparkle`,
      "--config",
      config,
    ]);
    assertEquals(again.code, 1, again.text);
    assertMatch(again.text, /has files already/);
    const bad = await run([
      "run",
      "-A",
      "main.ts",
      "new",
      "widget",
      "../Evil",
      "--dir",
      `${home}/evil`,
      "--config",
      config,
    ]);
    assertEquals(bad.code, 2, bad.text);
    assertEquals([...Deno.readDirSync(home)].map((e) => e.name).sort(), ["show.json", "sparkle"]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("new widget: the entry goes last in sothebais.plugins, the rest of the file as written", () => {
  const text = `{
  "imports": { "a": "npm:a@1" },
  "sothebais": {
    "plugins": [
      { "name": "x", "config": { "s": "a ] } string" } }
    ]
  },
  "tail": [1]
}
`;
  const out = addPluginEntry(text, `{ "name": "widget-y", "config": {} }`);
  const parsed = JSON.parse(out);
  assertEquals(parsed.sothebais.plugins.map((p: { name: string }) => p.name), ["x", "widget-y"]);
  assertEquals(parsed.tail, [1]);
  assert(out.startsWith(`{\n  "imports": { "a": "npm:a@1" },`), out);
  const empty = JSON.parse(addPluginEntry(`{"sothebais":{"plugins":[]}}`, `{ "name": "w" }`));
  assertEquals(empty.sothebais.plugins, [{ name: "w" }]);
});
