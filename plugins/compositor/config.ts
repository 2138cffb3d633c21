/**
 * The compositor's config (its deno.json entry): the video profile or explicit
 * geometry, where scenes and assets live and how often they are looked at, the
 * scene per phase, the widgets' render budget and live reload.
 */
import { z } from "zod";
import { PROFILE_NAMES } from "./profiles.ts";

const phaseName = z.enum(["pre-auction", "auction", "post-auction"]);

export const compositorConfig = z.object({
  /** The video profile (`VIDEO_PROFILE` in the shipped configs): canvas size and frame rate. */
  profile: z.enum(PROFILE_NAMES).default("720p30"),
  /** Explicit geometry, over the profile's (tests, odd outputs). */
  width: z.number().int().min(16).max(3840).optional(),
  height: z.number().int().min(16).max(2160).optional(),
  fps: z.number().int().min(1).max(60).optional(),
  /** Folder of scene files; default the project's `scenes/`. */
  scenesDir: z.string().optional(),
  /** Folder of images; default `scenes/assets/`. */
  assetsDir: z.string().optional(),
  /** How often changed scene files are looked for (a good file is on show at once, a bad one kept out). */
  watchScenesMs: z.number().int().min(100).default(1000),
  /** How often changed asset files are looked for. */
  watchAssetsMs: z.number().int().min(100).default(1000),
  initialScene: z.string().default("pre-auction"),
  /** Shown while the slate plugin says the slate is on air. */
  slateScene: z.string().default("slate"),
  /** Scene for each campaign phase. */
  phaseScenes: z.record(phaseName, z.string()).default({
    "pre-auction": "pre-auction",
    auction: "live",
    "post-auction": "post-auction",
  }),
  /** One widget kind's render budget in a frame at 720p, ms (scaled by pixel count). */
  widgetBudgetMs: z.number().min(0.1).max(100).default(2),
  /**
   * Watch the files the widgets were defined in and swap in a new version on a change (state
   * kept), without a restart: for writing widgets against a running engine. Off on air.
   */
  reloadWidgets: z.boolean().default(false),
  /**
   * Keep the last 512 events of each type, so widget code reloaded to read a type it did not
   * starts from the show so far (on with `reloadWidgets`; `preview --watch` sets it).
   */
  reloadHistory: z.boolean().default(false),
  /** Start the frame loop at setup (off for previews and tests that render frame by frame). */
  run: z.boolean().default(true),
});
