/**
 * The event, service and command catalogue: docs/events.md is what `main.ts events` prints
 * for the demo's list (so CI fails when a declaration changes and the page does not), every
 * event and command of every plugin in the repository has one owner, and the checks name
 * what is wrong.
 */
import { assert, assertEquals } from "../core/testing.ts";
import { catalogue, catalogueMarkdown, commandProblems, eventProblems } from "../core/catalogue.ts";
import { coreEvents } from "../core/engine.ts";
import { ownCommands } from "../main.ts";
import type { Plugin } from "../core/plugin.ts";
import { z } from "zod";

const root = new URL("../", import.meta.url);

Deno.test("docs/events.md is what `main.ts events` prints, and the demo's list agrees", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "main.ts", "events", "--config", "deno.json"],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(stderr, "", "the demo's plugins disagree about events");
  assertEquals(out.code, 0);
  // Compared as the formatter leaves it (the checked-in page is formatted like every file).
  const fmt = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "md", "-"],
    cwd: root.pathname,
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = fmt.stdin.getWriter();
  await writer.write(out.stdout);
  await writer.close();
  const printed = new TextDecoder().decode((await fmt.output()).stdout);
  const checkedIn = await Deno.readTextFile(new URL("docs/events.md", root));
  assert(
    printed === checkedIn,
    "docs/events.md is stale: run `deno run -A main.ts events > docs/events.md; deno fmt docs`",
  );
});

/** Every plugin module of the repository (any `mod.ts` whose default export is a plugin). */
async function everyPlugin(): Promise<Plugin[]> {
  const found: Plugin[] = [];
  const skip = new Set(["node_modules", "data", ".git"]);
  const visit = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory && !skip.has(entry.name)) {
        await visit(new URL(`${entry.name}/`, dir));
      } else if (entry.isFile && entry.name === "mod.ts") {
        const plugin = (await import(new URL(entry.name, dir).href)).default;
        if (plugin && typeof plugin.setup === "function" && plugin.name) found.push(plugin);
      }
    }
  };
  await visit(root);
  return found;
}

Deno.test("no event of any plugin in the repository has two owners", async () => {
  const plugins = await everyPlugin();
  assert(plugins.length >= 20, `found only ${plugins.length} plugins`);
  const twice = eventProblems(plugins, coreEvents).filter((p) => p.includes("owned by both"));
  assertEquals(twice, []);
});

Deno.test("no command of any plugin in the repository is added twice, or shadowed by main.ts's", async () => {
  const plugins = await everyPlugin();
  const own = ownCommands();
  assertEquals(commandProblems(plugins, own), []);
  const added = plugins.flatMap((p) => Object.keys(p.commands ?? {}));
  for (const name of ["rehearse", "report", "preview", "fake-x"]) {
    assert(added.includes(name), name);
  }
});

const plugin = (p: Partial<Plugin> & { name: string }): Plugin => ({
  config: z.object({}),
  setup() {},
  ...p,
});

Deno.test("an event owned twice, or heard or sent with no owner listed, is named", () => {
  const a = plugin({ name: "a", events: { "thing.done": z.object({ n: z.number() }) } });
  const b = plugin({
    name: "b",
    events: { "thing.done": z.object({}) },
    emits: ["other.done"],
    listens: ["thing.done", "ghost.seen", "*"],
  });
  assertEquals(eventProblems([a, b], coreEvents), [
    "event thing.done: owned by both a and b",
    "plugin b emits other.done, which no listed plugin owns",
    "plugin b listens to ghost.seen, which no listed plugin owns",
  ]);
  assertEquals(eventProblems([a], coreEvents), []);
});

Deno.test("the catalogue reads owners, fields, emitters, listeners and services from declarations", () => {
  const auction = plugin({
    name: "auction",
    events: {
      "bid.submitted": z.object({
        tweetId: z.string(),
        receivedAt: z.string().optional(),
        amountWei: z.bigint().nullable(),
        tags: z.array(z.enum(["a", "b"])),
      }),
    },
    listens: ["bid.submitted", "engine.started"],
    defines: ["funds"],
    needs: ["funds", "chain?"],
    provides: ["auctions"],
  });
  const x = plugin({ name: "x", emits: ["bid.submitted"], listens: ["*"] });
  const chain = plugin({ name: "chain", provides: ["funds", "chain"] });
  auction.commands = {
    rehearse: { summary: "run a day | a scenario", usage: "rehearse", alone: true, run: () => 0 },
    report: { summary: "print a report", usage: "report", run: () => 0 },
  } as unknown as Plugin["commands"];
  const own = [{ name: "start", summary: "run until stopped" }];
  const c = catalogue([auction, x, chain], coreEvents, own);
  assertEquals(c.events.map((e) => [e.type, e.owner, e.emittedBy, e.listenedBy]), [
    ["bid.submitted", "auction", ["x"], ["auction"]],
    ["engine.started", "core", ["core"], ["auction"]],
  ]);
  assertEquals(c.events[0].fields, [
    { name: "tweetId", type: "string", optional: false },
    { name: "receivedAt", type: "string", optional: true },
    { name: "amountWei", type: "bigint | null", optional: false },
    { name: "tags", type: '("a" | "b")[]', optional: false },
  ]);
  assertEquals(c.hearAll, ["x"]);
  assertEquals(c.services, [
    { name: "auctions", definedBy: "auction", providedBy: ["auction"], neededBy: [] },
    { name: "chain", definedBy: "chain", providedBy: ["chain"], neededBy: ["auction (optional)"] },
    { name: "funds", definedBy: "auction", providedBy: ["chain"], neededBy: ["auction"] },
  ]);
  assertEquals(c.commands, [
    { name: "start", owner: "main.ts", summary: "run until stopped", alone: false },
    { name: "rehearse", owner: "auction", summary: "run a day | a scenario", alone: true },
    { name: "report", owner: "auction", summary: "print a report", alone: false },
  ]);
  const page = catalogueMarkdown(c, "a test");
  assert(/\| `rehearse` +\| auction +\| alone +\| run a day \\\| a scenario +\|/.test(page), page);
  assert(/\| `report` +\| auction +\| migrated +\| print a report +\|/.test(page), page);
  // Two plugins adding one command, or a plugin one of main.ts's: named.
  const again = plugin({ name: "again", commands: auction.commands });
  const shadow = plugin({ name: "shadow", commands: { start: auction.commands!.report } });
  assertEquals(commandProblems([auction, again, shadow], own), [
    "command rehearse: added by both auction and again",
    "command report: added by both auction and again",
    "command start: added by both main.ts and shadow",
  ]);
  assert(/\| `bid\.submitted` +\| auction +\| x +\| auction +\|/.test(page), page);
  assert(page.includes("x hears every event"), page);
});
