/**
 * `main.ts new widget <name> [--dir DIR]`: scaffolds a widget plugin — its face
 * (`mod.ts`, the widget defined with the SDK), a golden-image test, a README —
 * in `plugins/widget-<name>/` or in a folder of the author's (loaded with
 * `"module"`), renders the golden from it, and lists it in the config file
 * (or prints the line to add). Invariants: never overwrites a folder that has
 * files; the name is checked before anything is written; the files import the
 * compositor's face only (relative paths, so the folder can live anywhere).
 */
import { dirname, relative, resolve } from "node:path";
import type { PluginCommand } from "../../core/plugin.ts";
import { isWidget, KIND } from "./widget_kit.ts";
import { renderWidget } from "./widget_testing.ts";

const ROOT = resolve(new URL("../../", import.meta.url).pathname);
const GOLDEN_SIZE = { width: 420, height: 200 };

/** The three files of a new widget; `face` and `auction` are import paths from its folder. */
export function scaffoldFiles(name: string, face: string, auction: string, entry: string) {
  const ident = name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  const mod = `/**
 * widget-${name}: the \`${name}\` widget. Its state counts the lot's accepted bids
 * and keeps the last amount; it draws them on a card, with a dot that pulses
 * with the show's clock. Edit \`draw\` and watch \`main.ts preview --watch\`.
 */
import { z } from "zod";
import { card, cardLabel, defineWidget, font, formatEth, theme, widgetPlugin } from "${face}";
import type {} from "${auction}";

export const ${ident} = defineWidget({
  kind: "${name}",
  /** A scene item's \`props\`: checked for every item, errors name the scene, item and field. */
  config: z.object({ label: z.string().max(40).default("${name.toUpperCase()}") }),
  state: {
    init: () => ({ bids: 0, lastWei: null as bigint | null }),
    on: {
      "bid.accepted": (s, e) => {
        s.bids++;
        s.lastWei = e.payload.amountWei;
      },
    },
  },
  draw(g, box, s, { config, ms }) {
    const k = box.scale;
    card(g, box, k);
    g.textBaseline = "top";
    g.textAlign = "left";
    cardLabel(g, config.label, box.x + 18 * k, box.y + 18 * k, k);
    g.font = font(800, 34, k);
    g.fillStyle = theme.ink;
    const text = s.lastWei === null ? "No bids yet" : formatEth(s.lastWei);
    g.fillText(text, box.x + 18 * k, box.y + 44 * k);
    g.font = font(500, 15, k);
    g.fillStyle = theme.muted;
    g.fillText(\`\${s.bids} \${s.bids === 1 ? "bid" : "bids"}\`, box.x + 18 * k, box.y + 90 * k);
    // Animate from the frame clock (\`ms\`), never from Date.now(): replays draw the same.
    const pulse = 0.5 + 0.5 * Math.sin((ms / 1000) * Math.PI);
    g.beginPath();
    g.arc(box.x + box.width - 26 * k, box.y + 26 * k, (4 + 3 * pulse) * k, 0, Math.PI * 2);
    g.fillStyle = theme.gold;
    g.fill();
  },
});

export default widgetPlugin(${ident});
`;
  const test = `/**
 * The \`${name}\` widget against its golden image (goldens/${name}.png, rendered when it
 * was scaffolded; \`UPDATE_GOLDENS=1\` rewrites it after a change you mean).
 */
import { matchGolden, renderWidget } from "${face}";
import { ${ident} } from "./mod.ts";

const bid = (n: number, eth: bigint) => ({
  type: "bid.accepted",
  payload: { auctionId: "lot-1", tweetId: \`t-\${n}\`, handle: \`@bidder\${n}\`, amountWei: eth * 10n ** 18n },
});

Deno.test("${name}: two bids drawn as the golden says", async () => {
  const frame = await renderWidget(${ident}, {
    width: ${GOLDEN_SIZE.width},
    height: ${GOLDEN_SIZE.height},
    events: [bid(1, 1n), bid(2, 2n)],
  });
  if (frame.failing.length) throw new Error(\`failed to draw: \${frame.failing}\`);
  await matchGolden(frame, new URL("./goldens/", import.meta.url), "${name}");
});
`;
  const readme = `# widget-${name}

The \`${name}\` widget (\`mod.ts\`), made with the widget SDK (\`docs/widgets.md\` in SothebAIs).
Use it in a scene as \`{ "widget": "${name}", "props": { "label": "…" } }\`.

- Listed in the config file as \`${entry}\`.
- See it: \`deno run -A main.ts preview --watch --scene live\` (re-renders \`preview.png\` when a
  file here changes; put the widget in a scene first).
- Test it: \`deno test -A ${name}_test.ts\` (from outside the repository, add \`--config
  <repo>/deno.json\`); \`UPDATE_GOLDENS=1\` rewrites \`goldens/${name}.png\` after a change you mean.
`;
  return { "mod.ts": mod, [`${name}_test.ts`]: test, "README.md": readme };
}

function hasFiles(dir: string): boolean {
  try {
    for (const _ of Deno.readDirSync(dir)) return true;
  } catch { /* no folder yet */ }
  return false;
}

/** Adds `entry` as the last of the config file's `sothebais.plugins`, leaving the rest as written. */
export function addPluginEntry(text: string, entry: string): string {
  const start = text.search(/"plugins"\s*:\s*\[/);
  if (start < 0) throw new Error("no sothebais.plugins list in the config file");
  let depth = 0;
  let inString = false;
  for (let i = text.indexOf("[", start); i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[" || c === "{") depth++;
    else if (c === "]" || c === "}") {
      if (--depth > 0) continue;
      const before = text.slice(0, i).trimEnd();
      const comma = before.endsWith("[") ? "" : ",";
      return `${before}${comma}\n      ${entry}\n    ${text.slice(i)}`;
    }
  }
  throw new Error("the config file's plugins list does not close");
}

export const newCommand: PluginCommand = {
  summary: "scaffold a widget plugin (mod.ts, a golden test, a README) and list it in the config",
  usage: "new widget <name> [--dir DIR] [--no-config]",
  options: {
    dir: { type: "string" },
    "no-config": { type: "boolean", default: false },
  },
  alone: true,
  async run(ctx, values, positionals) {
    const [what, name] = positionals;
    if (what !== "widget" || !name || !KIND.test(name)) {
      console.error("usage: new widget <name> (lower-case letters, digits and dashes)");
      return 2;
    }
    const dir = resolve(
      typeof values.dir === "string" ? values.dir : `${ROOT}/plugins/widget-${name}`,
    );
    if (hasFiles(dir)) {
      console.error(`new widget: ${dir} has files already; choose another --dir or name`);
      return 1;
    }
    const config = resolve(
      typeof values.config === "string"
        ? values.config
        : Deno.env.get("SOTHEBAIS_CONFIG") ?? "deno.json",
    );
    const inPlugins = dir === `${ROOT}/plugins/widget-${name}` && dirname(config) === ROOT;
    const path = (to: string) => {
      const r = relative(dir, to);
      return r.startsWith(".") ? r : `./${r}`;
    };
    const moduleRef = `./${relative(dirname(config), `${dir}/mod.ts`)}`;
    const entry = inPlugins
      ? `{ "name": "widget-${name}", "config": {} }`
      : `{ "module": "${moduleRef}", "config": {} }`;
    const files = scaffoldFiles(
      name,
      path(`${ROOT}/plugins/compositor/mod.ts`),
      path(`${ROOT}/plugins/auction/mod.ts`),
      entry,
    );
    await Deno.mkdir(`${dir}/goldens`, { recursive: true });
    for (const [file, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${file}`, text);
    }
    // In the project's format, so `deno fmt --check` passes on the new files as on the rest.
    await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", ...Object.keys(files).map((f) => `${dir}/${f}`)],
      stdout: "null",
      stderr: "null",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const widget = Object.values(await import(`file://${dir}/mod.ts`)).find(isWidget);
    if (!widget) throw new Error(`${dir}/mod.ts exports no widget`);
    const bid = (n: number) => ({
      type: "bid.accepted",
      payload: {
        auctionId: "lot-1",
        tweetId: `t-${n}`,
        handle: `@bidder${n}`,
        amountWei: BigInt(n) * 10n ** 18n,
      },
    });
    const frame = await renderWidget(widget, { ...GOLDEN_SIZE, events: [bid(1), bid(2)] });
    await Deno.writeFile(`${dir}/goldens/${name}.png`, frame.png);
    ctx.print(`wrote ${dir}/ (mod.ts, ${name}_test.ts, README.md, goldens/${name}.png)`);
    if (values["no-config"]) {
      ctx.print(`add to sothebais.plugins in ${config}: ${entry}`);
      return 0;
    }
    const text = await Deno.readTextFile(config);
    await Deno.writeTextFile(config, addPluginEntry(text, entry));
    ctx.print(`listed in ${config}: ${entry}`);
    return 0;
  },
};
