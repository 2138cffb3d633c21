import assert from "node:assert/strict";
import { createCanvas } from "@napi-rs/canvas";
import { createAssets } from "../assets.ts";

function png(width: number, height: number): Uint8Array {
  const c = createCanvas(width, height);
  c.getContext("2d").fillRect(0, 0, width, height);
  return new Uint8Array(c.toBuffer("image/png"));
}

Deno.test("assets are cached, and a changed file is picked up without restart", async () => {
  const dir = Deno.makeTempDirSync();
  const assets = createAssets(dir);
  try {
    Deno.writeFileSync(`${dir}/a.png`, png(10, 10));
    assert.equal(assets.get("a.png"), undefined, "first look starts the load");
    const first = await assets.load("a.png");
    assert.equal(first?.image.width, 10);
    assert.equal(assets.get("a.png"), first, "then it is cached");
    await assets.refresh();
    assert.equal(assets.get("a.png")?.version, 1, "unchanged file is not reloaded");
    Deno.writeFileSync(`${dir}/a.png`, png(20, 8));
    Deno.utimeSync(`${dir}/a.png`, new Date(), new Date(Date.now() + 5000));
    await assets.refresh();
    assert.equal(assets.get("a.png")?.image.width, 20);
    assert.equal(assets.get("a.png")?.version, 2);
  } finally {
    assets.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a missing or broken asset is reported once and keeps the last good image", async () => {
  const dir = Deno.makeTempDirSync();
  const errors: string[] = [];
  const assets = createAssets(dir, { onError: (path) => errors.push(path) });
  try {
    assert.equal(await assets.load("none.png"), undefined);
    Deno.writeFileSync(`${dir}/b.png`, png(4, 4));
    await assets.load("b.png");
    Deno.writeFileSync(`${dir}/b.png`, new TextEncoder().encode("not a png"));
    Deno.utimeSync(`${dir}/b.png`, new Date(), new Date(Date.now() + 5000));
    await assets.refresh();
    assert.equal(assets.get("b.png")?.image.width, 4);
    assert.equal(await assets.load("../etc/passwd"), undefined, "never outside the folder");
    assert.deepEqual(errors, ["none.png", "b.png", "../etc/passwd"]);
  } finally {
    assets.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
