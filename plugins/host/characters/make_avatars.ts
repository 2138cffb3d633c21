/**
 * Draws the shipped characters' avatars with the canvas: one portrait per
 * character (Marlowe, a silver-haired auctioneer with a monocle and bow tie;
 * Pip, a streamer with headphones and a hoodie) in three moods — idle (mouth
 * closed), talking (mouth open) and excited (brows up, wide grin, sparkles).
 * The moods differ in the face only, so the host widget's switch between them
 * reads as an expression, not a colour change; the live mouth the widget draws
 * over them sits at (0.5, 0.63). Run: `deno run -A plugins/host/characters/make_avatars.ts`.
 * Invariant: writes only scenes/assets/host/<name>-<mood>.png, 512 × 512.
 */
import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";

export type Mood = "idle" | "talking" | "excited";
export const MOODS: Mood[] = ["idle", "talking", "excited"];
const SIZE = 512;

interface Look {
  backdrop: [string, string];
  skin: [string, string];
  hair: string;
  eyes: string;
  outfit: string;
  accent: string;
  /** Draws what makes the character: hair style, glasses or headphones, collar. */
  extras(g: SKRSContext2D, mood: Mood): void;
}

const LOOKS: Record<string, Look> = {
  marlowe: {
    backdrop: ["#2c2a4a", "#0f0e1c"],
    skin: ["#f2cfb4", "#c9977a"],
    hair: "#d9d9de",
    eyes: "#3a4a6a",
    outfit: "#1c2340",
    accent: "#8e1f35",
    extras(g) {
      // Swept silver hair with a side parting, grey sideburns.
      g.fillStyle = this.hair;
      g.beginPath();
      g.ellipse(256, 150, 128, 72, 0, Math.PI, Math.PI * 2);
      g.fill();
      g.beginPath();
      g.ellipse(200, 128, 90, 40, -0.25, 0, Math.PI * 2);
      g.fill();
      g.fillRect(134, 150, 20, 80);
      g.fillRect(358, 150, 20, 80);
      // A monocle on the left eye, its chain to the collar.
      g.strokeStyle = "#d8b46a";
      g.lineWidth = 5;
      g.beginPath();
      g.arc(304, 232, 30, 0, Math.PI * 2);
      g.stroke();
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(330, 250);
      g.quadraticCurveTo(372, 330, 330, 420);
      g.stroke();
      // Grey moustache.
      g.fillStyle = "#bfbfc6";
      g.beginPath();
      g.ellipse(236, 300, 26, 9, 0.2, 0, Math.PI * 2);
      g.ellipse(276, 300, 26, 9, -0.2, 0, Math.PI * 2);
      g.fill();
      // White collar and a burgundy bow tie.
      g.fillStyle = "#f4f1ea";
      g.beginPath();
      g.moveTo(206, 400);
      g.lineTo(256, 452);
      g.lineTo(306, 400);
      g.fill();
      g.fillStyle = this.accent;
      g.beginPath();
      g.moveTo(256, 430);
      g.lineTo(220, 410);
      g.lineTo(220, 450);
      g.closePath();
      g.moveTo(256, 430);
      g.lineTo(292, 410);
      g.lineTo(292, 450);
      g.closePath();
      g.fill();
    },
  },
  pip: {
    backdrop: ["#19b3a6", "#0b3d4a"],
    skin: ["#f7d3b5", "#d69d7a"],
    hair: "#e8702a",
    eyes: "#2a6a3a",
    outfit: "#e2467f",
    accent: "#ffd34d",
    extras(g) {
      // Messy short orange hair: tufts over the forehead.
      g.fillStyle = this.hair;
      g.beginPath();
      g.ellipse(256, 148, 124, 70, 0, Math.PI, Math.PI * 2);
      g.fill();
      for (const [x, r] of [[190, 34], [236, 40], [284, 36], [326, 30]]) {
        g.beginPath();
        g.arc(x, 150, r * 0.7, 0, Math.PI);
        g.fill();
      }
      // Freckles.
      g.fillStyle = "#c77a55";
      for (
        const [x, y] of [[196, 270], [210, 278], [222, 268], [290, 268], [302, 278], [316, 270]]
      ) {
        g.beginPath();
        g.arc(x, y, 3, 0, Math.PI * 2);
        g.fill();
      }
      // Headphones: the band over the head, a cup on each ear.
      g.strokeStyle = "#23232e";
      g.lineWidth = 16;
      g.beginPath();
      g.arc(256, 210, 140, Math.PI * 1.05, Math.PI * 1.95);
      g.stroke();
      g.fillStyle = "#23232e";
      for (const x of [124, 388]) {
        g.beginPath();
        g.ellipse(x, 236, 26, 44, 0, 0, Math.PI * 2);
        g.fill();
      }
      g.fillStyle = this.accent;
      for (const x of [124, 388]) {
        g.beginPath();
        g.ellipse(x, 236, 12, 24, 0, 0, Math.PI * 2);
        g.fill();
      }
      // The hoodie's strings.
      g.strokeStyle = "#f4f1ea";
      g.lineWidth = 5;
      for (const x of [232, 280]) {
        g.beginPath();
        g.moveTo(x, 410);
        g.lineTo(x - 4, 470);
        g.stroke();
      }
    },
  },
};

/** One portrait: backdrop, shoulders, head, the character's extras, then the mood's face. */
export function drawAvatar(name: string, mood: Mood): Uint8Array {
  const look = LOOKS[name];
  if (!look) throw new Error(`no look for ${name}`);
  const c = createCanvas(SIZE, SIZE);
  const g = c.getContext("2d");
  const bg = g.createRadialGradient(256, 200, 40, 256, 256, 380);
  bg.addColorStop(0, look.backdrop[0]);
  bg.addColorStop(1, look.backdrop[1]);
  g.fillStyle = bg;
  g.fillRect(0, 0, SIZE, SIZE);
  g.fillStyle = look.outfit;
  g.beginPath();
  g.ellipse(256, 570, 236, 176, 0, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = look.skin[1];
  g.fillRect(226, 330, 60, 80);
  const skin = g.createRadialGradient(236, 210, 20, 256, 240, 170);
  skin.addColorStop(0, look.skin[0]);
  skin.addColorStop(1, look.skin[1]);
  g.fillStyle = skin;
  g.beginPath();
  g.ellipse(256, 240, 118, 142, 0, 0, Math.PI * 2);
  g.fill();
  face(g, look, mood);
  look.extras(g, mood);
  if (mood === "excited") sparkles(g, look.accent);
  return c.toBuffer("image/png");
}

/** Eyes, brows and mouth by mood: the only part that changes between moods. */
function face(g: SKRSContext2D, look: Look, mood: Mood) {
  const lift = mood === "excited" ? 16 : mood === "talking" ? 5 : 0;
  for (const x of [208, 304]) {
    g.fillStyle = "#ffffff";
    g.beginPath();
    g.ellipse(x, 232, 20, mood === "excited" ? 17 : 13, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = look.eyes;
    g.beginPath();
    g.arc(x, 233, mood === "excited" ? 11 : 9, 0, Math.PI * 2);
    g.fill();
    g.strokeStyle = look.hair === "#d9d9de" ? "#a8a8b0" : "#b5531c";
    g.lineWidth = 7;
    g.beginPath();
    g.moveTo(x - 26, 194 - lift);
    g.quadraticCurveTo(x, 184 - lift * 1.4, x + 24, 192 - lift);
    g.stroke();
  }
  // Nose.
  g.strokeStyle = "#a9735a";
  g.lineWidth = 4;
  g.beginPath();
  g.moveTo(256, 250);
  g.lineTo(246, 282);
  g.lineTo(262, 284);
  g.stroke();
  // Mouth at (0.5, 0.63) of the image, where the widget draws the live mouth.
  const [mx, my] = [256, 322];
  g.fillStyle = "#5a2630";
  g.strokeStyle = "#7a3a3e";
  g.lineWidth = 6;
  if (mood === "idle") {
    g.beginPath();
    g.moveTo(mx - 34, my);
    g.quadraticCurveTo(mx, my + 12, mx + 34, my);
    g.stroke();
  } else if (mood === "talking") {
    g.beginPath();
    g.ellipse(mx, my + 4, 28, 18, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = "#f3efe8";
    g.fillRect(mx - 18, my - 12, 36, 7);
  } else {
    g.beginPath();
    g.moveTo(mx - 46, my - 6);
    g.quadraticCurveTo(mx, my + 58, mx + 46, my - 6);
    g.closePath();
    g.fill();
    g.fillStyle = "#f3efe8";
    g.fillRect(mx - 36, my - 5, 72, 9);
  }
}

function sparkles(g: SKRSContext2D, color: string) {
  g.fillStyle = color;
  for (const [x, y, r] of [[70, 90, 18], [440, 110, 22], [420, 330, 14], [90, 300, 12]]) {
    g.beginPath();
    for (let i = 0; i < 8; i++) {
      const a = (i * Math.PI) / 4;
      const d = i % 2 ? r * 0.35 : r;
      g.lineTo(x + Math.cos(a) * d, y + Math.sin(a) * d);
    }
    g.closePath();
    g.fill();
  }
}

if (import.meta.main) {
  for (const name of Object.keys(LOOKS)) {
    for (const mood of MOODS) {
      const file = new URL(`../../../scenes/assets/host/${name}-${mood}.png`, import.meta.url);
      await Deno.writeFile(file, drawAvatar(name, mood));
      console.log(`wrote ${file.pathname}`);
    }
  }
}
