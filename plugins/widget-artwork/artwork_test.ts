import assert from "node:assert/strict";
import { resolveItem } from "./artwork.ts";

Deno.test("the auction's item name resolves through the catalogue, else stands as a title or image", () => {
  const catalogue = { "Dusk #7": { image: "nft/dusk7.png", artist: "Mira" } };
  assert.deepEqual(resolveItem("Dusk #7", catalogue), {
    title: "Dusk #7",
    image: "nft/dusk7.png",
    artist: "Mira",
  });
  assert.deepEqual(resolveItem("Unknown lot", catalogue), { title: "Unknown lot" });
  assert.deepEqual(resolveItem("nft/other.jpg", catalogue), { image: "nft/other.jpg" });
  assert.deepEqual(resolveItem({ title: "T", image: "x.png" }, catalogue), {
    title: "T",
    image: "x.png",
  });
  assert.equal(resolveItem(null, catalogue), null);
});
