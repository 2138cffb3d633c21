/**
 * Draws the sample assets (an NFT artwork and the host's avatar) so the
 * project ships images it owns. Run once: `deno run -A scenes/make_sample_assets.ts`.
 * Deterministic: a seeded generator, same pixels every run.
 */
import { createCanvas } from "@napi-rs/canvas";

function seeded(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

function artwork(path: string, seed: number) {
  const size = 1024;
  const c = createCanvas(size, size);
  const g = c.getContext("2d");
  const rnd = seeded(seed);
  const sky = g.createLinearGradient(0, 0, 0, size);
  sky.addColorStop(0, "#1b1f4b");
  sky.addColorStop(0.55, "#c2506b");
  sky.addColorStop(1, "#f3a65a");
  g.fillStyle = sky;
  g.fillRect(0, 0, size, size);
  // A sun with rings.
  for (let r = 300; r > 0; r -= 30) {
    g.beginPath();
    g.arc(size * 0.62, size * 0.46, r, 0, Math.PI * 2);
    g.fillStyle = `rgba(255, ${200 - r / 3}, ${120 - r / 4}, ${0.08 + (300 - r) / 900})`;
    g.fill();
  }
  // Layered hills.
  const hills = ["#3b1f47", "#2a1638", "#1a0f26", "#0f0918"];
  hills.forEach((colour, layer) => {
    g.beginPath();
    const base = size * (0.58 + layer * 0.11);
    g.moveTo(0, size);
    for (let x = 0; x <= size; x += 16) {
      const y = base - Math.sin(x / (90 + layer * 40) + layer * 2) * (40 - layer * 6) -
        rnd() * 10;
      g.lineTo(x, y);
    }
    g.lineTo(size, size);
    g.closePath();
    g.fillStyle = colour;
    g.fill();
  });
  // Stars.
  for (let i = 0; i < 140; i++) {
    g.fillStyle = `rgba(255,255,255,${0.3 + rnd() * 0.7})`;
    g.beginPath();
    g.arc(rnd() * size, rnd() * size * 0.4, rnd() * 2.2 + 0.4, 0, Math.PI * 2);
    g.fill();
  }
  // Fine grid: detail that shows whether resampling is crisp.
  g.strokeStyle = "rgba(255,255,255,0.06)";
  g.lineWidth = 1;
  for (let x = 0; x < size; x += 32) {
    g.beginPath();
    g.moveTo(x + 0.5, 0);
    g.lineTo(x + 0.5, size);
    g.stroke();
  }
  Deno.writeFileSync(path, c.toBuffer("image/png"));
}

function avatar(path: string) {
  const size = 512;
  const c = createCanvas(size, size);
  const g = c.getContext("2d");
  const bg = g.createRadialGradient(256, 200, 40, 256, 256, 360);
  bg.addColorStop(0, "#3a3550");
  bg.addColorStop(1, "#15131f");
  g.fillStyle = bg;
  g.fillRect(0, 0, size, size);
  // Shoulders in a dark suit with a gold lapel pin.
  g.fillStyle = "#1d1b28";
  g.beginPath();
  g.ellipse(256, 560, 230, 170, 0, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = "#f1efe9";
  g.beginPath();
  g.moveTo(216, 400);
  g.lineTo(256, 470);
  g.lineTo(296, 400);
  g.fill();
  g.fillStyle = "#d8b46a";
  g.beginPath();
  g.arc(330, 452, 9, 0, Math.PI * 2);
  g.fill();
  // Neck and head.
  g.fillStyle = "#c89478";
  g.fillRect(226, 330, 60, 80);
  const skin = g.createRadialGradient(236, 210, 20, 256, 240, 170);
  skin.addColorStop(0, "#f0c4a4");
  skin.addColorStop(1, "#c98e6f");
  g.fillStyle = skin;
  g.beginPath();
  g.ellipse(256, 240, 118, 142, 0, 0, Math.PI * 2);
  g.fill();
  // Hair.
  g.fillStyle = "#2b2233";
  g.beginPath();
  g.ellipse(256, 150, 126, 76, 0, Math.PI, Math.PI * 2);
  g.fill();
  g.fillRect(130, 140, 252, 26);
  // Eyes, brows, glasses.
  for (const x of [208, 304]) {
    g.fillStyle = "#ffffff";
    g.beginPath();
    g.ellipse(x, 232, 20, 13, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#3b2a22";
    g.beginPath();
    g.arc(x, 233, 9, 0, Math.PI * 2);
    g.fill();
    g.strokeStyle = "#d8b46a";
    g.lineWidth = 5;
    g.beginPath();
    g.arc(x, 232, 34, 0, Math.PI * 2);
    g.stroke();
    g.strokeStyle = "#2b2233";
    g.lineWidth = 7;
    g.beginPath();
    g.moveTo(x - 26, 190);
    g.lineTo(x + 24, 186);
    g.stroke();
  }
  g.strokeStyle = "#d8b46a";
  g.lineWidth = 5;
  g.beginPath();
  g.moveTo(242, 230);
  g.lineTo(270, 230);
  g.stroke();
  // Nose; the mouth is drawn live by the host widget at (0.5, 0.66).
  g.strokeStyle = "#a9735a";
  g.lineWidth = 4;
  g.beginPath();
  g.moveTo(256, 250);
  g.lineTo(246, 290);
  g.lineTo(262, 292);
  g.stroke();
  Deno.writeFileSync(path, c.toBuffer("image/png"));
}

if (import.meta.main) {
  const dir = new URL("./assets/", import.meta.url).pathname;
  artwork(`${dir}nft/sample.png`, 7);
  avatar(`${dir}host/avatar.png`);
  console.log(`wrote ${dir}nft/sample.png and ${dir}host/avatar.png`);
}
