/**
 * Live reload of an author's widget (scaffolded outside the repository, loaded
 * with "module"). As `preview --watch` wires it — the preview's studio (the
 * sample show) and the watcher on its widgets — it misses no edit: one made
 * after the widget was imported but before the watcher's first look, and one
 * that leaves the file's size and mtime as they were (a write in the same mtime
 * tick); an old file nobody touched is not reloaded. In a running engine with
 * the compositor's `reloadWidgets`, an edit is in the frames the loop renders —
 * which the panel's preview and the stream show — without a restart. In both,
 * an edit that makes the widget read a bus event its loaded plugin does not
 * listen to starts from the events of it so far (the preview's sample show) and
 * hears the next one. (The child process: preview_watch_test.ts.)
 */
import { assert, assertEquals, eventually } from "../../core/testing.ts";
import { testEngine } from "../../tests/engine.ts";
import type { Compositor } from "./mod.ts";
import { sampleStudio } from "./preview.ts";
import { watchWidgetFiles, type WidgetReload } from "./widget_reload.ts";
import {
  authorFolder,
  countInBox,
  drawMagenta,
  hearsNewEventType,
  isMagenta,
} from "./tests/watch_author.ts";

/** A copy of the scaffolded widget in its own folder (a fresh module), its files' mtime `mtime`. */
async function copyOfSparkle(home: string, name: string, mtime?: Date): Promise<string> {
  await Deno.mkdir(`${home}/${name}`);
  for (const e of Deno.readDirSync(`${home}/sparkle`)) {
    if (!e.isFile) continue;
    await Deno.copyFile(`${home}/sparkle/${e.name}`, `${home}/${name}/${e.name}`);
    if (mtime) await Deno.utime(`${home}/${name}/${e.name}`, mtime, mtime);
  }
  return `${home}/${name}/mod.ts`;
}

/** The preview's studio on `mod`, and a watcher on it as `preview --watch` starts one. */
async function previewing(home: string, mod: string) {
  const studio = await sampleStudio({
    scene: "live",
    scenesDir: `${home}/scenes`,
    extra: [{ label: "widget-sparkle", specifier: `file://${mod}`, config: {} }],
    watch: true,
  });
  let index = 0;
  const reloads: WidgetReload[] = [];
  return {
    studio,
    reloads,
    frame: () => studio.compositor.render(index++).rgba,
    watch: () =>
      watchWidgetFiles({
        widgets: studio.compositor.widgets,
        everyMs: 50,
        onReload: (r) => reloads.push(r),
      }),
  };
}

Deno.test("live reload misses no edit, and reloaded code hears the events it now reads", async (t) => {
  const { home } = await authorFolder();
  const anHourAgo = new Date(Date.now() - 3_600_000);
  try {
    await t.step("an old file nobody touched is not reloaded at the first look", async () => {
      const p = await previewing(home, await copyOfSparkle(home, "untouched", anHourAgo));
      const watcher = p.watch();
      try {
        await watcher.ready;
        assertEquals(p.reloads, []);
        assert(countInBox(p.frame(), (px) => px.every((v) => v > 200)) > 100, "it is drawn");
      } finally {
        await watcher.stop();
        await p.studio.stop();
      }
    });

    await t.step("an edit between the import and the watcher's first look is drawn", async () => {
      const mod = await copyOfSparkle(home, "early", anHourAgo);
      const p = await previewing(home, mod);
      // The module is imported (the studio runs it); the author saves before the watcher looks.
      await Deno.writeTextFile(mod, drawMagenta(await Deno.readTextFile(mod)));
      const watcher = p.watch();
      try {
        await watcher.ready;
        assertEquals(p.reloads.map((r) => r.error ?? r.kinds.join()), ["sparkle"]);
        assert(countInBox(p.frame(), isMagenta) > 100, "the first frame after the look has it");
      } finally {
        await watcher.stop();
        await p.studio.stop();
      }
    });

    await t.step("an edit that keeps the file's size and mtime is drawn", async () => {
      // An mtime the clock has not passed yet: a later write in its tick would leave it as is.
      const tick = new Date(Date.now() + 30_000);
      const mod = await copyOfSparkle(home, "same-tick", tick);
      const p = await previewing(home, mod);
      const watcher = p.watch();
      try {
        await watcher.ready;
        const before = await Deno.readTextFile(mod);
        const edited = drawMagenta(before);
        assertEquals(edited.length, before.length);
        await Deno.writeTextFile(mod, edited);
        await Deno.utime(mod, tick, tick);
        assertEquals((await Deno.stat(mod)).mtime?.getTime(), tick.getTime());
        await eventually(() => countInBox(p.frame(), isMagenta) > 100, "the edit", 20_000, 50);
      } finally {
        await watcher.stop();
        await p.studio.stop();
      }
    });

    await t.step("reloaded code reading a new event type starts from the show's", async () => {
      const mod = await copyOfSparkle(home, "new-event");
      const p = await previewing(home, mod);
      const watcher = p.watch();
      try {
        await watcher.ready;
        // The sample show's rejected bids went by before the save: the new code is lit by them.
        await hearsNewEventType({ mod, source: await Deno.readTextFile(mod), frame: p.frame });
        assertEquals(p.reloads.at(-1)?.warnings, [], "nothing left for a restart");
      } finally {
        await watcher.stop();
        await p.studio.stop();
      }
    });

    await t.step(
      "an engine with reloadWidgets draws an edit, and the new event, no restart",
      async () => {
        const mod = await copyOfSparkle(home, "engine");
        const engine = await testEngine({
          plugins: {
            compositor: {
              run: false,
              reloadWidgets: true,
              scenesDir: `${home}/scenes`,
              assetsDir: new URL("../../scenes/assets/", import.meta.url).pathname,
              initialScene: "live",
            },
            [mod]: {},
          },
        });
        try {
          const compositor = engine.service<Compositor>("compositor");
          let index = 0;
          const frame = () => compositor.render(index++).rgba;
          assertEquals(countInBox(frame(), isMagenta), 0);
          const source = await Deno.readTextFile(mod);
          await Deno.writeTextFile(mod, drawMagenta(source));
          await eventually(() => countInBox(frame(), isMagenta) > 100, "the edit", 20_000, 50);
          const emit = (type: string, payload: unknown) => engine.bus.emit(type, payload);
          await hearsNewEventType({ mod, source, frame, emit });
        } finally {
          await engine.stop();
        }
      },
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
