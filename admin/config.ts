/** The admin plugin's config (`deno.json`). */
import { z } from "zod";

export const adminConfig = z.object({
  /** Where operators reach the panel: setup links, the allowed origin; https → Secure cookies. */
  publicUrl: z.string().url().default("http://127.0.0.1:8000"),
  /** Shown in authenticator apps. */
  issuer: z.string().min(1).max(40).default("SothebAIs"),
  setupLinkMinutes: z.number().int().min(1).max(24 * 60).default(30),
  session: z.object({
    idleSeconds: z.number().int().min(1).default(30 * 60),
    maxSeconds: z.number().int().min(1).default(12 * 60 * 60),
  }).default({ idleSeconds: 30 * 60, maxSeconds: 12 * 60 * 60 }),
  login: z.object({
    /** Failed sign-ins for one account within `windowSeconds` before it is locked. */
    attempts: z.number().int().min(1).default(5),
    /** The same for one address (several people may share one). */
    ipAttempts: z.number().int().min(1).default(20),
    windowSeconds: z.number().int().min(1).default(60),
    lockoutSeconds: z.number().int().min(1).default(5 * 60),
  }).default({ attempts: 5, ipAttempts: 20, windowSeconds: 60, lockoutSeconds: 300 }),
  preview: z.object({
    fps: z.number().min(1).max(10).default(8),
    width: z.number().int().min(160).max(960).default(480),
    type: z.enum(["jpeg", "webp"]).default("jpeg"),
    quality: z.number().int().min(10).max(95).default(70),
  }).default({ fps: 8, width: 480, type: "jpeg", quality: 70 }),
  /** The compositor's scene files and assets (the scene editor); default the project's `scenes/`. */
  scenesDir: z.string().optional(),
  assetsDir: z.string().optional(),
  /** How often open sockets' sessions are checked (idle timeout, logout, a disabled account). */
  sweepSeconds: z.number().min(0.2).default(5),
});

export type AdminConfig = z.output<typeof adminConfig>;
