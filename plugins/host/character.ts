/**
 * Character files: who the host is. A character is a JSON file validated with
 * zod; a bad file is refused with errors naming the field
 * (`character.voice.speed: …`), a file read from disk naming itself first
 * (`path: character.voice.speed: …`, `path: invalid JSON at line 3, column 7: …`).
 * Invariants: the file is at most 1 MiB, every text in it is bounded, avatar
 * paths stay inside the scene assets folder (no `..`, no absolute paths), and
 * nothing in it is a fact — facts come from the fact sheet only, so the
 * character's lines are templates with `{placeholders}` filled from it.
 */
import { z } from "zod";
import { describeIssues, JsonFileError, parseJson } from "../../core/config.ts";

const line = z.string().trim().min(3).max(240);
/** A character's own words hold no facts: numbers come from the fact sheet only. */
const factless = line.regex(
  /^[^0-9]*$/,
  "no digits: facts come from the auction, not the character",
);
const asset = z.string().regex(
  /^(?!\/)(?!.*\.\.)[\w./-]+\.(png|jpg|jpeg|webp)$/,
  "a path inside the scene assets folder, e.g. host/avatar.png",
);

export const characterSchema = z.object({
  name: z.string().trim().min(1).max(40),
  bio: z.string().trim().min(1).max(600),
  style: z.object({
    tone: z.string().trim().min(1).max(200),
    use: z.array(z.string().trim().min(1).max(40)).max(40).default([]),
    avoid: z.array(z.string().trim().min(1).max(40)).max(40).default([]),
  }),
  /** Said now and then after a reaction; no facts in them. */
  catchphrases: z.array(factless).min(3).max(40),
  examples: z.object({
    stream: z.array(line).min(1).max(20),
    tweets: z.array(line).min(1).max(20),
  }),
  /** What it talks about when idle: sentences about the artwork, the artist, the collection, the campaign. */
  idleTopics: z.array(factless).min(6).max(80),
  voice: z.object({
    /** An espeak-ng voice name (`espeak-ng --voices`). */
    name: z.string().regex(
      /^[a-z]{2,3}(-[a-z0-9]{1,8})*(\+[a-z0-9]{1,12})?$/i,
      "an espeak-ng voice like en-us",
    ),
    /** Words per minute. */
    speed: z.number().int().min(80).max(450),
    pitch: z.number().int().min(0).max(99),
  }),
  avatar: z.object({ idle: asset, talking: asset, excited: asset }),
});

export type Character = z.output<typeof characterSchema>;

export class CharacterError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/**
 * Parses a character; throws a CharacterError whose lines name each bad field, after the
 * file it came from when `file` is given.
 */
export function parseCharacter(raw: unknown, file?: string): Character {
  const r = characterSchema.safeParse(raw);
  if (r.success) return r.data;
  const lines = describeIssues("character", r.error);
  throw new CharacterError(file ? lines.map((l) => `${file}: ${l}`) : lines);
}

/** The shipped characters by name, or a file path (JSON). */
export const SHIPPED = ["marlowe", "pip"] as const;

/** The file a character name or path stands for: the one the engine reads. */
export function characterUrl(nameOrPath: string): URL {
  return (SHIPPED as readonly string[]).includes(nameOrPath)
    ? new URL(`./characters/${nameOrPath}.json`, import.meta.url)
    : new URL(nameOrPath, `file://${Deno.cwd()}/`);
}

const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads and validates the character file `start` and `check` both read (the same function):
 * a problem names the file, then the field or the line and column of invalid JSON.
 */
export async function loadCharacter(nameOrPath: string): Promise<Character> {
  const url = characterUrl(nameOrPath);
  const file = decodeURIComponent(url.pathname);
  return parseCharacter(await readCharacterFile(url, file), file);
}

/**
 * A character file's JSON, not yet checked (the studio shows even a bad one): a file too
 * big, unreadable or not JSON is a CharacterError naming `source` (and the line and column).
 */
export async function readCharacterFile(url: URL | string, source: string): Promise<unknown> {
  let text;
  try {
    const { size } = await Deno.stat(url);
    // A character is a few KB: a huge file is a mistake, refused before it is read whole.
    if (size > MAX_FILE_BYTES) {
      throw new Error(`${size} bytes, over the ${MAX_FILE_BYTES} a character file may have`);
    }
    text = await Deno.readTextFile(url);
  } catch (error) {
    throw new CharacterError([
      `${source}: cannot read: ${(error as Error).message.split("\n")[0]}`,
    ]);
  }
  try {
    return parseJson(text, source);
  } catch (error) {
    if (error instanceof JsonFileError) throw new CharacterError([error.message]);
    throw error;
  }
}
