/**
 * A running engine with the compositor's `reloadWidgets`: an author's widget
 * (loaded with `"module"`) is in the frames the loop renders — which the panel's
 * preview and the stream show — and an edit of its file is in them without a
 * restart (the state kept across a reload: widget_kit_test.ts); an edit that
 * makes it read a bus event its loaded plugin does not listen to hears that
 * event from the next emit on, still without a restart.
 */
import { assert, assertEquals, eventually } from "../../core/testing.ts";
import { testEngine } from "../../tests/engine.ts";
import type { Compositor } from "./mod.ts";
import {
  authorFolder,
  countInBox,
  drawMagenta,
  isCyan,
  isMagenta,
  readRejections,
  REJECTED,
} from "./tests/watch_author.ts";

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
    const frame = () => compositor.render(index++).rgba;
    assertEquals(countInBox(frame(), isMagenta), 0);
    const mod = `${home}/sparkle/mod.ts`;
    const source = await Deno.readTextFile(mod);
    await Deno.writeTextFile(mod, drawMagenta(source));
    await eventually(
      () => countInBox(frame(), isMagenta) > 100,
      "the edited draw in the engine's frames",
      20_000,
      50,
    );

    // Now it reads bid.rejected, which the widget's plugin (as loaded) does not listen to.
    await Deno.writeTextFile(mod, readRejections(source));
    await eventually(() => countInBox(frame(), isCyan) > 100, "the new code on", 20_000, 50);
    assertEquals(countInBox(frame(), isMagenta), 0, "no rejection yet");
    engine.bus.emit("bid.rejected", REJECTED as never);
    assert(countInBox(frame(), isMagenta) > 100, "the next frame shows the rejection it heard");
  } finally {
    await engine.stop();
    await Deno.remove(home, { recursive: true });
  }
});
