/**
 * A running engine with the compositor's `reloadWidgets`: an author's widget
 * (loaded with `"module"`) is in the frames the loop renders — which the panel's
 * preview and the stream show — and an edit of its file is in them without a
 * restart (the state kept across a reload: widget_kit_test.ts).
 */
import { assert } from "../../core/testing.ts";
import { testEngine } from "../../tests/engine.ts";
import type { Compositor } from "./mod.ts";
import { authorFolder, BOX } from "./tests/watch_author.ts";

const magentaIn = (rgba: Uint8Array) => {
  let n = 0;
  for (let y = BOX.y; y < BOX.y + BOX.height; y++) {
    for (let x = BOX.x; x < BOX.x + BOX.width; x++) {
      const i = (y * 1280 + x) * 4;
      if (rgba[i] > 200 && rgba[i + 1] < 60 && rgba[i + 2] > 200) n++;
    }
  }
  return n;
};

Deno.test("engine with reloadWidgets: a widget's edit is in the next frames, no restart", async () => {
  const { home } = await authorFolder();
  const engine = await testEngine({
    plugins: {
      compositor: {
        run: false,
        reloadWidgets: true,
        scenesDir: `${home}/scenes`,
        assetsDir: new URL("../../scenes/assets/", import.meta.url).pathname,
        initialScene: "live",
      },
      [`${home}/sparkle/mod.ts`]: {},
    },
  });
  try {
    const compositor = engine.service<Compositor>("compositor");
    const bid = { auctionId: "a", tweetId: "t1", handle: "@ada", amountWei: 3n * 10n ** 18n };
    engine.bus.emit("bid.accepted", bid as never);
    let index = 0;
    assert(magentaIn(compositor.render(index++).rgba) === 0);
    // The watcher takes a folder's first look as its baseline (every 100 ms): let it see this one.
    await new Promise((r) => setTimeout(r, 500));
    const mod = `${home}/sparkle/mod.ts`;
    const source = await Deno.readTextFile(mod);
    await Deno.writeTextFile(
      mod,
      source.replace("g.fillStyle = theme.ink;", 'g.fillStyle = "#ff00ff";'),
    );
    const deadline = Date.now() + 20_000;
    let seen = 0;
    while (Date.now() < deadline && !seen) {
      await new Promise((r) => setTimeout(r, 50));
      seen = magentaIn(compositor.render(index++).rgba);
    }
    assert(seen > 100, "the edited draw is in the engine's frames");
  } finally {
    await engine.stop();
    await Deno.remove(home, { recursive: true });
  }
});
