/**
 * The host in the studio (the panel's Host page): the character file the
 * engine reads, checked by the same schema as at start (each problem names its
 * field), saved in place (the previous file kept as `<file>.previous`) and
 * taken by the running host at once; and the transcript — every line said,
 * refused, dropped or posted (`host_lines`) beside what it was grounded on:
 * the facts of the auction version it carries.
 *
 * Invariants: a save writes only the one file the config names (no path comes
 * from a request); a refused character changes nothing; a stored file that is
 * not JSON (or too big) is a CharacterError naming it by its name and line; the
 * live character is one object every reader (brains, voice, health) reads at
 * use, so a save replaces its fields in place rather than handing out a new
 * object. Grounds
 * are kept per version as it begins (a bounded ring) and written to
 * `host_grounds` when a line with that version is said, refused or posted; a
 * failed write is logged, never thrown into the show. Versions restart at 0
 * with the engine, so a line's grounds are the row of its version recorded
 * last before it.
 */
import type { Bus } from "../../core/bus.ts";
import type { Clock } from "../../core/clock.ts";
import { nyString } from "../../core/clock.ts";
import type { Db } from "../../core/db.ts";
import type { Log } from "../../core/log.ts";
import { type Character, CharacterError, parseCharacter, readCharacterFile } from "./character.ts";
import type { FactSheet } from "./facts.ts";
import { type LineRow, listLines } from "./memory.ts";

/** What a line was grounded on: the auction as the host saw it at that version. */
export interface Grounds {
  version: number;
  at: string;
  lot: {
    auctionId: string;
    item: string;
    status: string;
    priceWei: string | null;
    leader: string | null;
    bids: number;
    extensions: number;
    endsAt: string;
    secondsLeft: number;
  } | null;
  campaign: { id: string; name: string; day: number; days: number } | null;
}

export interface TranscriptLine extends LineRow {
  grounds: Grounds | null;
}

export interface HostStudio {
  /** The file the engine reads, its text as stored, and whether a save can be undone. */
  readCharacter(): Promise<{ file: string; character: unknown; canUndo: boolean }>;
  /** The engine's own check: each problem `character.<field>: …`; none when it loads. */
  checkCharacter(raw: unknown): string[];
  /** Checks, writes the file (the previous kept) and hands it to the running host. */
  saveCharacter(raw: unknown): Promise<{ before: unknown; after: Character }>;
  /** Puts the file from before the last save back (and on the running host). */
  undoCharacter(): Promise<{ before: unknown; after: Character }>;
  /** The character the host speaks with now. */
  character(): Character;
  /** Lines newest first with their grounds (at most 200). */
  transcript(q?: { outcome?: string; limit?: number }): Promise<TranscriptLine[]>;
  stop(): void;
}

export interface StudioDeps {
  bus: Bus;
  clock: Clock;
  db: Db;
  log: Log;
  /** The character file the engine read at start. */
  file: URL;
  /** The live character object the host's brains and voice read. */
  live: Character;
  facts(): FactSheet;
  version(): number;
}

const RING = 256;

export function groundsOf(f: FactSheet, at: Temporal.Instant): Grounds {
  const l = f.lot;
  return {
    version: f.version,
    at: at.toString(),
    lot: l && {
      auctionId: l.auctionId,
      item: l.item,
      status: l.status,
      priceWei: l.priceWei === null ? null : String(l.priceWei),
      leader: l.leader?.handle ?? null,
      bids: l.bidCount,
      extensions: l.extensions,
      endsAt: nyString(l.endsAt),
      secondsLeft: l.secondsLeft,
    },
    campaign: f.campaign &&
      { id: f.campaign.id, name: f.campaign.name, day: f.campaign.day, days: f.campaign.days },
  };
}

export function startHostStudio(d: StudioDeps): HostStudio {
  const { bus, clock, db, log } = d;
  const path = d.file.pathname;
  const ring = new Map<number, Grounds>();
  const written = new Set<number>();
  let seen = -1;
  const note = () => {
    const v = d.version();
    if (v === seen) return;
    seen = v;
    ring.set(v, groundsOf(d.facts(), clock.instant()));
    written.delete(v); // a version number seen again (never within a run) is a new row
    while (ring.size > RING) ring.delete(ring.keys().next().value!);
  };
  note();
  const persist = (version: unknown) => {
    note();
    if (typeof version !== "number" || written.has(version)) return;
    const g = ring.get(version);
    if (!g) return;
    written.add(version);
    db.query("insert into host_grounds (version, at, facts) values ($1, $2, $3)", [
      version,
      g.at,
      JSON.stringify(g),
    ]).catch((error) => {
      written.delete(version);
      log.warn("could not record what a line was grounded on", { version, error });
    });
  };
  // After the host's own listener (registered first): the version has moved already.
  const offAll = bus.on("*", () => note());
  const offLines = (["host.said", "host.refused", "host.posted"] as const).map((type) =>
    bus.on(type, (e) => persist(e.payload.version))
  );

  const problems = (raw: unknown) => {
    try {
      parseCharacter(raw);
      return [];
    } catch (error) {
      if (error instanceof CharacterError) return error.problems;
      throw error;
    }
  };
  // Named by the file's name only, as the panel shows it: where it sits is no viewer's business.
  const dir = path.slice(0, path.lastIndexOf("/") + 1);
  const readStored = (file = path) =>
    readCharacterFile(file, file.slice(dir.length)).catch((error) => {
      if (!(error instanceof CharacterError)) throw error;
      throw new CharacterError(error.problems.map((p) => p.replaceAll(dir, "")));
    });
  const install = (c: Character) => {
    for (const key of Object.keys(d.live) as Array<keyof Character>) delete d.live[key];
    Object.assign(d.live, c);
    log.info("host character changed in the studio", { character: c.name });
  };

  return {
    async readCharacter() {
      return {
        file: path,
        character: await readStored(),
        canUndo: await Deno.stat(`${path}.previous`).then(() => true, () => false),
      };
    },
    checkCharacter: problems,
    async saveCharacter(raw) {
      const character = parseCharacter(raw);
      const before = await readStored().catch(() => null);
      await Deno.copyFile(path, `${path}.previous`).catch(() => {});
      const tmp = `${path}.${crypto.randomUUID()}.tmp`;
      // What was checked is what is stored: unknown fields dropped, defaults filled.
      await Deno.writeTextFile(tmp, JSON.stringify(character, null, 2) + "\n");
      await Deno.rename(tmp, path);
      install(character);
      return { before, after: character };
    },
    async undoCharacter() {
      const previous = `${path}.previous`;
      if (!(await Deno.stat(previous).then(() => true, () => false))) {
        throw new CharacterError(["character: nothing to undo"]);
      }
      const character = parseCharacter(await readStored(previous));
      const before = await readStored().catch(() => null);
      await Deno.rename(previous, path);
      install(character);
      return { before, after: character };
    },
    character: () => d.live,
    async transcript(q = {}) {
      const lines = await listLines(db, {
        outcome: q.outcome,
        limit: Math.min(200, q.limit ?? 50),
      });
      const versions = [...new Set(lines.map((l) => l.version))];
      if (!versions.length) return [];
      const rows = await db.query<{ version: number; at: Date | string; facts: unknown }>(
        `select version, at, facts from host_grounds
         where version in (${versions.map((_, i) => `$${i + 1}`).join(", ")})
         order by at desc limit 5000`,
        versions,
      );
      const grounds = rows.map((r) => ({
        version: Number(r.version),
        at: new Date(r.at).getTime(),
        facts: (typeof r.facts === "string" ? JSON.parse(r.facts) : r.facts) as Grounds,
      }));
      return lines.map((l) => {
        const at = new Date(l.at).getTime();
        const g = grounds.find((g) => g.version === l.version && g.at <= at);
        return { ...l, grounds: g?.facts ?? null };
      });
    },
    stop() {
      offAll();
      for (const off of offLines) off();
    },
  };
}
