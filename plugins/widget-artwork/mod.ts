/**
 * widget-artwork: draws the lot's NFT image (from `auction.updated`'s item, or
 * the scene item's `src`/`title`/`artist` props) as the `artwork` widget, and
 * serves the lot's image to the public pages at `/artwork/<item>`: only an
 * image the catalogue (or the item itself) names, inside the assets folder —
 * on the leader from the file, on a standby from the leader's mirror of it in
 * the database (images.ts).
 */
import { definePlugin } from "../../core/plugin.ts";
import { mountWidgets, widgetListens } from "../compositor/mod.ts";
import { artwork, artworkSettings, resolveItem } from "./artwork.ts";
import { imageMirror, mirroredImages, mountImageRoute, readImage } from "./images.ts";

export default definePlugin({
  name: "widget-artwork",
  listens: widgetListens(artwork),
  config: artworkSettings,
  needs: ["widgets"],
  migrations: new URL("./migrations/", import.meta.url),
  setup(ctx) {
    const { bus, config, db, log, use, http } = ctx;
    const widgets = use("widgets");
    const dir = () => widgets.assets.dir;
    const { mirror, idle } = imageMirror(db, dir, log);
    mountImageRoute(http, config.items, async (image) => {
      const found = await readImage(dir(), image);
      if (found) void mirror(image);
      return found;
    });
    // What a standby may be asked for: the catalogue's images, and the lot on show.
    for (const item of Object.values(config.items)) if (item.image) void mirror(item.image);
    const off = bus.on("auction.updated", (e) => {
      const image = resolveItem(e.payload.item, config.items)?.image;
      // Not awaited by the bus: an announcement is not held up by a copy of the image.
      if (image) void mirror(image);
    });
    const unmount = mountWidgets(ctx, config, artwork);
    return async () => {
      off();
      unmount();
      await idle();
    };
  },
  // On a standby engine: the same route, from the database.
  standby({ config, db, http }) {
    mountImageRoute(http, config.items, mirroredImages(db));
  },
});
