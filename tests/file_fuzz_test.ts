/**
 * Hostile files: the config, the scenes, the host's character and rehearsal scenarios, each
 * fuzzed from the shipped files with a seeded generator (so a failure repeats): a field given
 * the wrong type, a hostile value (huge, negative, NUL, a path out of the folder, 200 levels
 * deep, `__proto__`), a field removed, a key added, and the text itself cut, spliced, given
 * a BOM or replaced. Every outcome is the file accepted or the loader's own error, every
 * line of it naming the file or the field, with no stack trace and no other exception; an
 * invalid JSON names its line and column; the same input always gives the same answer. A few
 * go through `main.ts check` / `rehearse` as a person would run them: exit 1, the problem
 * named (a bad scene or character file by its path and field, or its line), no stack.
 */
import { assert, assertEquals } from "../core/testing.ts";
import { ConfigError, loadPlugins, pluginModule, readConfigFile } from "../core/config.ts";
import { seededRandom } from "../core/random.ts";
import { loadScene, parseScene, SceneError } from "../scenes/load_scene.ts";
import { CharacterError, loadCharacter, parseCharacter } from "../plugins/host/character.ts";
import { scenarioProblems } from "../plugins/auction/rehearse.ts";
import { cli, exited, freePort } from "./cli.ts";
import { tempDir } from "./services.ts";

const ROOT = new URL("../", import.meta.url);
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261201);
const EACH = Number(Deno.env.get("FUZZ_EACH") ?? 1000);
const STACK = /^\s+at\s|\.ts:\d+:\d+/m;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const read = async (path: string) =>
  JSON.parse(await Deno.readTextFile(new URL(path, ROOT))) as Json;

function deep(n: number): Json {
  let v: Json = "bottom";
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** A generator of hostile variants of one valid document. */
function mutator(seed: number) {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const hostile = (): Json =>
    pick<() => Json>([
      () => null,
      () => true,
      () => -1,
      () => 0,
      () => 1e308,
      () => -0.5,
      () => 2 ** 53 + 1,
      () => "",
      () => "x".repeat(100_000),
      () => "\u0000",
      () => "../../../etc/passwd",
      () => "/etc/passwd",
      () => "${NOT_SET_ANYWHERE}",
      () => "‮evil‬",
      () => "１２３",
      () => "0x10",
      () => "1e999",
      () => [],
      () => [1, "two", null],
      () => ({}),
      () => ({ __proto__: { polluted: true } } as unknown as Json),
      () => JSON.parse('{"__proto__": {"polluted": true}}'),
      () => deep(200),
    ])();
  /** Every path to a value in the document. */
  const paths = (v: Json, at: Array<string | number> = []): Array<Array<string | number>> => {
    const here = [at];
    if (Array.isArray(v)) return here.concat(...v.map((x, i) => paths(x, [...at, i])));
    if (v && typeof v === "object") {
      return here.concat(...Object.entries(v).map(([k, x]) => paths(x, [...at, k])));
    }
    return here;
  };
  const structural = (doc: Json): Json => {
    const copy = structuredClone(doc);
    const all = paths(copy).filter((p) => p.length > 0);
    for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
      const path = pick(all);
      const parent = path.slice(0, -1).reduce<Json>(
        (v, k) => (v as Record<string, Json>)?.[k as string] ?? null,
        copy,
      );
      if (!parent || typeof parent !== "object") continue;
      const key = path.at(-1)!;
      const what = r();
      const obj = parent as Record<string, Json>;
      if (what < 0.6) obj[key as string] = hostile();
      else if (what < 0.8) {
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete obj[key as string];
      } else if (!Array.isArray(parent)) obj[pick(["confg", "rateLimt", "everySecond", "x"])] = 1;
      else parent.push(hostile());
    }
    return copy;
  };
  const textual = (text: string): string =>
    pick<() => string>([
      () => text.slice(0, Math.floor(r() * text.length)),
      () => {
        const at = Math.floor(r() * text.length);
        return text.slice(0, at) + pick(["}", "{", ",", '"', "\\", "\u0000", ":", "]"]) +
          text.slice(at);
      },
      () => "\uFEFF" + text,
      () => "",
      () => "null",
      () => "[]",
      () => '"just a string"',
      () => text.replace(/,(\s*[}\]])/, ",,$1"),
      () => text.replaceAll('"', "'"),
    ])();
  return { structural, textual, chance: r };
}

/** Runs `load` on each input; asserts the outcome and returns a fingerprint of the answers. */
async function fuzz(
  what: string,
  inputs: Array<{ text: string }>,
  load: (text: string) => Promise<string[] | null>,
  expectLineFor: boolean,
) {
  let accepted = 0;
  let refused = 0;
  const answers: string[] = [];
  for (const { text } of inputs) {
    let lines: string[] | null;
    try {
      lines = await load(text);
    } catch (error) {
      throw new Error(
        `${what}: an unexpected ${(error as Error)?.name} for ${
          JSON.stringify(text.slice(0, 300))
        }: ${(error as Error)?.stack}`,
      );
    }
    if (!lines) {
      accepted++;
      answers.push("ok");
      continue;
    }
    refused++;
    assert(lines.length > 0, `${what}: a refusal without a reason`);
    for (const line of lines) {
      assert(!STACK.test(line), `${what}: a stack trace in ${JSON.stringify(line)}`);
    }
    // Each problem a line naming the file or the field.
    for (const line of lines) {
      assert(/^\S.*: \S/.test(line), `${what}: a line that names nothing: ${JSON.stringify(line)}`);
    }
    let parsedOk = true;
    try {
      JSON.parse(text);
    } catch {
      parsedOk = false;
    }
    if (!parsedOk && expectLineFor) {
      assert(
        lines.some((l) => /invalid JSON at line \d+, column \d+/.test(l)),
        `${what}: invalid JSON without its line: ${lines.join(" | ")}`,
      );
    }
    answers.push(lines.join("\n"));
  }
  return { accepted, refused, answers };
}

const dir = tempDir();
const file = (name: string, text: string) => {
  const path = `${dir.path}/${name}`;
  Deno.writeTextFileSync(path, text);
  return path;
};
const inputsFrom = (base: Json, seed: number) => {
  const m = mutator(seed);
  const text = JSON.stringify(base, null, 2);
  return Array.from({ length: EACH }, () => ({
    text: m.chance() < 0.7 ? JSON.stringify(m.structural(base), null, 2) : m.textual(text),
  }));
};
const refusal = (error: unknown, known: Array<new (...a: never[]) => Error>) => {
  if (known.some((k) => error instanceof k)) return (error as Error).message.split("\n");
  throw error;
};
const env = { PUBLIC_URL: "http://127.0.0.1:8000" };

Deno.test({
  name: `fuzz: ${EACH} hostile config files, each loaded or refused naming the field`,
  sanitizeResources: false,
  async fn() {
    const base = await read("deno.json");
    const inputs = inputsFrom(base, SEED);
    const load = async (text: string) => {
      const path = file("config.json", text);
      try {
        const config = await readConfigFile(path);
        // Each plugin's config, as `start` loads it (modules resolved against the project).
        const entries = config.entries.map((e) => ({
          ...e,
          specifier: e.specifier.replace(`file://${dir.path}/`, ROOT.href),
        }));
        await loadPlugins(entries, env, config.profile);
        return null;
      } catch (error) {
        return refusal(error, [ConfigError]);
      }
    };
    const first = await fuzz("config", inputs, load, true);
    const again = await fuzz("config", inputs.slice(0, 200), load, true);
    assertEquals(again.answers, first.answers.slice(0, 200), "the same file, the same answer");
    assert(first.refused > EACH / 2, `refused ${first.refused} of ${EACH}`);
    console.log(`config: ${first.accepted} accepted, ${first.refused} refused with field names`);
  },
});

Deno.test(`fuzz: ${EACH} hostile scene files, each loaded or refused naming the file and field`, async () => {
  const base = await read("scenes/live.json");
  const inputs = inputsFrom(base, SEED + 1);
  const load = async (text: string) => {
    try {
      await loadScene(file("scene.json", text));
      return null;
    } catch (error) {
      return refusal(error, [SceneError]);
    }
  };
  const first = await fuzz("scene", inputs, load, true);
  assert(first.answers.filter((a) => a !== "ok").every((a) => a.includes("scene.json: ")));
  const again = await fuzz("scene", inputs.slice(0, 200), load, true);
  assertEquals(again.answers, first.answers.slice(0, 200));
  // The parsed half through the validator alone as well (what the panel's scene editor uses).
  for (const { text } of inputs.slice(0, 300)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      continue;
    }
    try {
      parseScene(data, "edited");
    } catch (error) {
      for (const line of refusal(error, [SceneError])) assert(line.startsWith("edited: "), line);
    }
  }
  console.log(`scenes: ${first.accepted} accepted, ${first.refused} refused`);
});

Deno.test(`fuzz: ${EACH} hostile character files, each loaded or refused naming the field`, async () => {
  const base = await read("plugins/host/characters/marlowe.json");
  const inputs = inputsFrom(base, SEED + 2);
  const load = async (text: string) => {
    try {
      await loadCharacter(file("character.json", text));
      return null;
    } catch (error) {
      return refusal(error, [CharacterError]);
    }
  };
  const first = await fuzz("character", inputs, load, true);
  const again = await fuzz("character", inputs.slice(0, 200), load, true);
  assertEquals(again.answers, first.answers.slice(0, 200));
  // Every line names the file; a field's line names the field after it.
  for (const line of first.answers.filter((a) => a !== "ok").flatMap((a) => a.split("\n"))) {
    assert(line.startsWith(`${dir.path}/character.json: `), line);
    const rest = line.slice(`${dir.path}/character.json: `.length);
    assert(/^(character(\.\S+)?|invalid JSON at line \d+, column \d+): \S/.test(rest), line);
  }
  assert(first.refused > EACH / 2, `refused ${first.refused} of ${EACH}`);
  // A path out of the assets folder is refused by name, whatever else is right.
  const escape = structuredClone(base) as Record<string, Record<string, string>>;
  escape.avatar.idle = "../../../etc/passwd.png";
  let said = "";
  try {
    parseCharacter(escape);
  } catch (error) {
    said = refusal(error, [CharacterError]).join("\n");
  }
  assert(said.includes("character.avatar.idle: "), said);
  console.log(`characters: ${first.accepted} accepted, ${first.refused} refused`);
});

Deno.test(`fuzz: ${EACH} hostile rehearsal scenarios, each valid or refused naming the field`, async () => {
  const base = await read("tests/rehearsals/every-reason.json");
  const inputs = inputsFrom(base, SEED + 3);
  const load = (text: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return Promise.resolve(null); // the command's reading: below, through the CLI
    }
    const problems = scenarioProblems(raw);
    return Promise.resolve(problems.length ? problems : null);
  };
  const first = await fuzz("scenario", inputs, load, false);
  const again = await fuzz("scenario", inputs.slice(0, 200), load, false);
  assertEquals(again.answers, first.answers.slice(0, 200));
  for (const a of first.answers.filter((a) => a !== "ok")) assert(a.startsWith("scenario"), a);
  console.log(`scenarios: ${first.accepted} accepted, ${first.refused} refused`);
});

Deno.test({
  name: "hostile files through the CLI: check and rehearse exit 1 naming the problem, no stack",
  sanitizeResources: false,
  async fn() {
    const run = async (args: string[]) => {
      const out = await cli(args, { ...env, DATA_DIR: `${dir.path}/data` }).output();
      // What a person sees: `check` prints its lines, the other commands their errors.
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      return { code: out.code, stderr: said };
    };
    const config = await Deno.readTextFile(new URL("deno.json", ROOT));
    const cut = file("cut.json", config.slice(0, config.indexOf('"plugins"') + 20));
    const checked = await run(["check", "--config", cut]);
    assertEquals(checked.code, 1, checked.stderr);
    assert(/cut\.json: invalid JSON at line \d+, column \d+/.test(checked.stderr), checked.stderr);
    assert(!STACK.test(checked.stderr), checked.stderr);

    const badScenes = `${dir.path}/scenes`;
    Deno.mkdirSync(badScenes, { recursive: true });
    Deno.copyFileSync(new URL("scenes/live.json", ROOT), `${badScenes}/live.json`);
    Deno.writeTextFileSync(
      `${badScenes}/pre-auction.json`,
      '{"name": "pre-auction",\n  "width": }',
    );
    const project = JSON.parse(config);
    for (const p of project.sothebais.plugins) {
      if (p.name === "compositor") p.config.scenesDir = badScenes;
      p.module = p.module ? new URL(p.module, ROOT).href : pluginModule(p.name, ROOT);
      delete p.name;
    }
    const scenesConfig = file("scenes-config.json", JSON.stringify(project));
    const sceneCheck = await run(["check", "--config", scenesConfig, "--timeout", "2"]);
    const out = sceneCheck.stderr;
    assertEquals(sceneCheck.code, 1, out);
    assert(/pre-auction\.json: invalid JSON at line 2, column \d+/.test(out), out);
    assert(!STACK.test(out), out);

    const scenario = file("scenario.json", '{"auctions": [ { "id": 5 } ] }');
    const rehearsed = await run(["rehearse", scenario]);
    assertEquals(rehearsed.code, 1, rehearsed.stderr);
    assert(/^scenario\.\S+: /m.test(rehearsed.stderr), rehearsed.stderr);
    const broken = file("broken-scenario.json", '{"auctions": [\n');
    const unreadable = await run(["rehearse", broken]);
    assertEquals(unreadable.code, 1);
    assert(/invalid JSON at line \d+, column \d+/.test(unreadable.stderr), unreadable.stderr);
    assert(!STACK.test(rehearsed.stderr + unreadable.stderr), rehearsed.stderr + unreadable.stderr);
  },
});

Deno.test({
  name:
    "a character file through the CLI: check reads it as start does, naming the file and field, or the line of invalid JSON, no stack",
  sanitizeResources: false,
  async fn() {
    const project = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
    const withCharacter = (name: string, character: string) => {
      const copy = structuredClone(project);
      for (const p of copy.sothebais.plugins) {
        if (p.name === "host") p.config.character = file(name, character);
        p.module = p.module ? new URL(p.module, ROOT).href : pluginModule(p.name, ROOT);
        delete p.name;
      }
      return file(`config-${name}`, JSON.stringify(copy));
    };
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const child = cli(args, { ...env, DATA_DIR: `${dir.path}/data-cli`, ...extra }).spawn();
      const text = (s: ReadableStream<Uint8Array>) => new Response(s).text();
      // Bounded: a command that hangs is killed, and the test fails on its code.
      const [status, stdout, stderr] = await Promise.all([
        exited(child, 120_000),
        text(child.stdout),
        text(child.stderr),
      ]);
      const said = stdout + stderr;
      assert(!STACK.test(said), said);
      return { code: status.code, said };
    };
    const check = (config: string) => run(["check", "--config", config, "--timeout", "2"]);
    const marlowe = JSON.parse(
      await Deno.readTextFile(new URL("plugins/host/characters/marlowe.json", ROOT)),
    );
    const hostLines = (said: string) => said.split("\n").filter((l) => /^host\s/.test(l));

    // Friendly: a valid file of one's own is read and named.
    const good = await check(withCharacter("good.json", JSON.stringify(marlowe, null, 2)));
    const goodFile = `${dir.path}/good.json`;
    assert(
      hostLines(good.said).some((l) =>
        l.includes(`ok       character Marlowe (${goodFile}) is valid`)
      ),
      good.said,
    );

    // A field out of bounds: the file and the field, and check fails.
    const fast = { ...marlowe, voice: { ...marlowe.voice, speed: 9000 } };
    const fastConfig = withCharacter("fast.json", JSON.stringify(fast, null, 2));
    const bad = await check(fastConfig);
    assertEquals(bad.code, 1, bad.said);
    const problem = hostLines(bad.said).filter((l) => /\sproblem\s/.test(l));
    assertEquals(problem.length, 1, bad.said);
    assert(problem[0].includes(`${dir.path}/fast.json: character.voice.speed: `), problem[0]);

    // Invalid JSON: the file, the line and the column.
    const broken = await check(withCharacter("broken.json", '{"name": "Marlowe",\n  "bio": }'));
    assertEquals(broken.code, 1, broken.said);
    assert(
      new RegExp(`${dir.path}/broken\\.json: invalid JSON at line 2, column \\d+`).test(
        broken.said,
      ),
      broken.said,
    );
    // JSON that is no object, and a file that is not there: named, refused.
    const array = await check(withCharacter("array.json", "[]"));
    assertEquals(array.code, 1);
    assert(array.said.includes(`${dir.path}/array.json: character: `), array.said);
    const missingConfig = withCharacter("gone.json", "{}");
    Deno.removeSync(`${dir.path}/gone.json`);
    const missing = await check(missingConfig);
    assertEquals(missing.code, 1);
    assert(missing.said.includes(`${dir.path}/gone.json: cannot read: `), missing.said);

    // `start` refuses the same file with the same line: one loader for both.
    const started = await run(["start", "--config", fastConfig, "--log", "json"], {
      PORT: String(freePort()),
    });
    assertEquals(started.code, 1, started.said);
    assert(started.said.includes(`${dir.path}/fast.json: character.voice.speed: `), started.said);
  },
});

globalThis.addEventListener("unload", () => dir.remove());
