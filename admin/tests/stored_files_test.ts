/**
 * The panel's reads of stored JSON — a scene file (GetScene, save, undo, asset uses) and the
 * host's character file (GetHost, undo) — given hostile files beside friendly ones: cut
 * short, a BOM, a NUL, 200 levels deep, huge, `__proto__`. Invalid JSON is a 400 naming the
 * file by its name (never its folder) and the line and column, never a 500 or a stack; a
 * file over the size a scene or character may have is refused unread; a valid but odd file
 * is shown as it is, and pollutes nothing. Through `dispatch`, the requests' own entry.
 */
import { assert, assertEquals } from "../../core/testing.ts";
import { createBus } from "../../core/bus.ts";
import { virtualClock } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import { createLog } from "../../core/log.ts";
import { type Character, loadCharacter } from "../../plugins/host/character.ts";
import { startHostStudio } from "../../plugins/host/studio.ts";
import { dispatch, type RequestDeps } from "../requests.ts";
import { assetUses, defaultFolder, SceneEditError, undoScene } from "../scenes.ts";
import type { Session } from "../sessions.ts";

const SCENES = new URL("../../scenes/", import.meta.url).pathname;
const STACK = /^\s+at\s|\.ts:\d+:\d+/m;
const deep = (n: number) => "[".repeat(n) + '"bottom"' + "]".repeat(n);

/** Hostile texts: each either invalid JSON (`line`: where it breaks) or valid and odd. */
function hostile(good: string): Array<{ what: string; text: string; line?: number }> {
  const cut = good.slice(0, good.indexOf("\n", 40));
  return [
    { what: "cut short", text: cut, line: cut.split("\n").length },
    { what: "a BOM", text: "\uFEFF" + good, line: 1 },
    { what: "a NUL", text: good.replace(/\n {2}"/, '\n  \u0000"'), line: 2 },
    { what: "a comma too many", text: good.replace(/,\n/, ",,\n"), line: 2 },
    { what: "200 levels deep", text: `{"name": ${deep(200)}}` },
    { what: "__proto__", text: good.replace("{", '{"__proto__": {"polluted": true},') },
  ];
}

const caller = (role: Session["role"]) => ({
  session: { name: "ada", role } as Session,
  ip: null,
});

function studioOn(file: string, live: Character) {
  const clock = virtualClock("2026-03-08T19:00:00Z");
  const log = createLog("test", { level: "error", write: () => {} });
  return startHostStudio({
    bus: createBus(clock, log),
    clock,
    db: { query: () => Promise.resolve([]) } as unknown as Db,
    log,
    file: new URL(`file://${file}`),
    live,
    facts: () => ({ version: 0, lot: null, campaign: null }) as never,
    version: () => 0,
  });
}

function depsWith(dir: string, host?: ReturnType<typeof studioOn>): RequestDeps {
  return {
    scenes: defaultFolder(dir, `${SCENES}assets`),
    host,
    audit: { write: () => Promise.resolve() },
    notify: () => {},
  } as unknown as RequestDeps;
}

Deno.test("panel: a scene file that is not JSON is a 400 naming the file and line, never its folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sothebais-stored-" });
  try {
    const good = await Deno.readTextFile(`${SCENES}live.json`);
    const deps = depsWith(dir);
    await Deno.writeTextFile(`${dir}/live.json`, good);
    const fine = await dispatch("GetScene", { name: "live" }, caller("viewer"), deps);
    assert(fine.ok, JSON.stringify(fine));
    assertEquals((fine.data as { scene: { name: string } }).scene.name, "live");

    for (const { what, text, line } of hostile(good)) {
      await Deno.writeTextFile(`${dir}/live.json`, text);
      const got = await dispatch("GetScene", { name: "live" }, caller("viewer"), deps);
      if (line === undefined) {
        assert(got.ok, `${what}: ${JSON.stringify(got)}`);
        assertEquals(({} as Record<string, unknown>).polluted, undefined, what);
        continue;
      }
      assert(!got.ok, what);
      assertEquals(got.code, 400, `${what}: ${got.message}`);
      assert(
        new RegExp(`^live\\.json: invalid JSON at line ${line}, column \\d+: \\S`).test(
          got.message,
        ),
        `${what}: ${got.message}`,
      );
      assert(!got.message.includes(dir) && !STACK.test(got.message), got.message);
      // Asset uses skip it (the compositor says why the file is kept out).
      assertEquals((await assetUses(deps.scenes)).has("uploads/x.png"), false);
    }

    // Huge: refused before it is read whole.
    await Deno.writeTextFile(`${dir}/live.json`, `{"name": "${"x".repeat(2 * 1024 * 1024)}"}`);
    const huge = await dispatch("GetScene", { name: "live" }, caller("viewer"), deps);
    assert(!huge.ok && huge.code === 400, JSON.stringify(huge).slice(0, 300));
    assert(/^live\.json: \d+ bytes, over the 1048576/.test(huge.message), huge.message);

    // A broken file is mended by a save (it had no scene before); the undo puts it back as
    // it was, and a broken previous file is refused and stays aside.
    await Deno.writeTextFile(`${dir}/live.json`, good.slice(0, 50));
    const scene = JSON.parse(good);
    const saved = await dispatch(
      "SaveScene",
      { name: "live", scene, reason: "mend it" },
      caller("admin"),
      deps,
    );
    assert(saved.ok, JSON.stringify(saved));
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/live.json`)).name, "live");
    await Deno.writeTextFile(`${dir}/live.json.previous`, "\uFEFF" + good);
    const undone = await dispatch(
      "UndoScene",
      { name: "live", reason: "go back" },
      caller("admin"),
      deps,
    );
    assert(!undone.ok && undone.code === 400, JSON.stringify(undone));
    assert(
      /^live\.json\.previous: invalid JSON at line 1, column 1/.test(undone.message),
      undone.message,
    );
    assertEquals(
      await Deno.readTextFile(`${dir}/live.json.previous`),
      "\uFEFF" + good,
      "kept aside",
    );
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/live.json`)).name, "live", "untouched");
    await Deno.writeTextFile(`${dir}/live.json.previous`, good);
    await Deno.writeTextFile(`${dir}/live.json`, "{");
    const back = await undoScene(deps.scenes, "live");
    assertEquals(back.before, null);
    assertEquals((back.after as { name: string }).name, "live");
    let refused: unknown;
    await undoScene(deps.scenes, "live").catch((e) => (refused = e));
    assert(refused instanceof SceneEditError, String(refused));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("panel: the host's character file that is not JSON is a 400 naming the file and line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sothebais-stored-" });
  const file = `${dir}/host.json`;
  const shipped = new URL("../../plugins/host/characters/marlowe.json", import.meta.url);
  const good = await Deno.readTextFile(shipped);
  await Deno.writeTextFile(file, good);
  const studio = studioOn(file, await loadCharacter(shipped.pathname));
  try {
    const deps = depsWith(dir, studio);
    const fine = await dispatch("GetHost", {}, caller("viewer"), deps);
    assert(fine.ok, JSON.stringify(fine));
    assertEquals((fine.data as { file: string }).file, "host.json");

    for (const { what, text, line } of hostile(good)) {
      await Deno.writeTextFile(file, text);
      const got = await dispatch("GetHost", {}, caller("viewer"), deps);
      if (line === undefined) {
        assert(got.ok, `${what}: ${JSON.stringify(got)}`);
        assertEquals(({} as Record<string, unknown>).polluted, undefined, what);
        continue;
      }
      assert(!got.ok, what);
      assertEquals(got.code, 400, `${what}: ${got.message}`);
      assert(
        new RegExp(`^host\\.json: invalid JSON at line ${line}, column \\d+: \\S`).test(
          got.message,
        ),
        `${what}: ${got.message}`,
      );
      assert(!got.message.includes(dir) && !STACK.test(got.message), got.message);
    }
    await Deno.writeTextFile(file, `{"name": "${"x".repeat(2 * 1024 * 1024)}"}`);
    const huge = await dispatch("GetHost", {}, caller("viewer"), deps);
    assert(!huge.ok && huge.code === 400, JSON.stringify(huge).slice(0, 300));
    assert(/^host\.json: cannot read: \d+ bytes, over/.test(huge.message), huge.message);

    // A previous file that is not JSON: the undo is refused, naming it; nothing changes.
    await Deno.writeTextFile(file, good);
    await Deno.writeTextFile(`${file}.previous`, good.slice(0, 60));
    const undone = await dispatch("UndoCharacter", { reason: "go back" }, caller("admin"), deps);
    assert(!undone.ok && undone.code === 400, JSON.stringify(undone));
    assert(
      /^host\.json\.previous: invalid JSON at line \d+, column \d+/.test(undone.message),
      undone.message,
    );
    assertEquals(await Deno.readTextFile(file), good);
    assertEquals(studio.character().name, "Marlowe");
  } finally {
    studio.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
