/**
 * Registers the fonts that ship with the project (npm `@fontsource/*`), so
 * frames render the same on every machine. Skia takes the family name from
 * the file ("Inter"), not from the alias.
 */
import { GlobalFonts } from "@napi-rs/canvas";
import { createRequire } from "node:module";

const WEIGHTS = [400, 500, 600, 700, 800];
let registered: string[] | undefined;

/** Registers Inter once per process; returns the families available. */
export function registerFonts(): string[] {
  if (registered) return registered;
  const require = createRequire(import.meta.url);
  const files = require.resolve("@fontsource/inter/package.json").replace(
    /package\.json$/,
    "files/",
  );
  for (const weight of WEIGHTS) {
    for (const subset of ["latin", "latin-ext"]) {
      const ok = GlobalFonts.registerFromPath(
        `${files}inter-${subset}-${weight}-normal.woff2`,
        "Inter",
      );
      if (!ok) throw new Error(`could not register Inter ${subset} ${weight} from ${files}`);
    }
  }
  registered = GlobalFonts.families.map((f) => f.family);
  return registered;
}
