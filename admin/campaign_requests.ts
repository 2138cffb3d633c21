/**
 * The panel's campaign editor on the server: a campaign is checked by the
 * engine's own schema (every problem named by its field), shown as a calendar
 * of its days in New York time (each day's length and UTC offset, so the days
 * a DST switch makes 23 or 25 hours long stand out), saved through the
 * `auctions` service (audited with before and after), and one day rehearsed by
 * `main.ts rehearse` in a process of its own (the show's frame loop never
 * waits for it), one rehearsal at a time, bounded in time and output.
 */
import { nyString } from "../core/clock.ts";
import { type Campaign, campaignSessions, formatEth } from "../plugins/auction/mod.ts";

export interface CalendarDay {
  day: string;
  weekday: string;
  auctionId: string;
  item: string;
  reserve: string;
  startsAt: string;
  endsAt: string;
  maxEndsAt: string;
  /** Hours from this day's 00:00 to the next (23 or 25 on a DST switch). */
  hours: number;
  /** New York's UTC offset at the auction's start. */
  offset: string;
  dst: "starts" | "ends" | null;
}

export function campaignCalendar(c: Campaign): CalendarDay[] {
  return campaignSessions(c).map((s) => {
    const start = s.auction.startsAt.toZonedDateTimeISO("America/New_York");
    const hours = s.dayStart.until(s.nextDayStart).total("hours");
    return {
      day: s.day.toString(),
      weekday: s.day.toLocaleString("en-US", { weekday: "short" }),
      auctionId: s.auction.id,
      item: s.auction.item,
      reserve: formatEth(s.auction.reserveWei),
      startsAt: nyString(s.auction.startsAt),
      endsAt: nyString(s.auction.endsAt),
      maxEndsAt: nyString(s.auction.maxEndsAt),
      hours,
      offset: start.offset,
      dst: hours === 23 ? "starts" : hours === 25 ? "ends" : null,
    };
  });
}

/** A wallet and the tweets of a rehearsal; without them, a sample crowd for the day's rules. */
export interface RehearsalInput {
  wallets?: unknown[];
  events?: unknown[];
}

/** The scenario of one campaign day: its auction exactly as the campaign makes it. */
export function dayScenario(c: Campaign, day: string, input: RehearsalInput, host: string) {
  const s = campaignSessions(c).find((x) => x.day.toString() === day);
  if (!s) return null;
  const a = s.auction;
  const auction = {
    id: a.id,
    item: a.item,
    campaignId: a.campaignId,
    startsAt: nyString(a.startsAt),
    endsAt: nyString(a.endsAt),
    maxEndsAt: nyString(a.maxEndsAt),
    reserve: String(a.reserveWei),
    minIncrementBps: a.minIncrementBps,
    minIncrement: String(a.minIncrementWei),
    extensionWindowSeconds: a.extensionWindowSeconds,
    extensionSeconds: a.extensionSeconds,
    ingestGraceSeconds: a.ingestGraceSeconds,
  };
  if (input.events?.length) {
    return { host, auction, wallets: input.wallets ?? [], events: input.events };
  }
  // A sample crowd: the reserve, a bid below the increment, a raise, a maximum, a late snipe.
  const eth = (wei: bigint) => formatEth(wei).replace(" ETH", "");
  const r = a.reserveWei;
  const at = (t: Temporal.Instant) => nyString(t);
  const minutes = (n: number) => a.startsAt.add({ minutes: n });
  const wallets = ["@rehearsal_a", "@rehearsal_b", "@rehearsal_c"].map((handle, i) => ({
    handle,
    address: `0x${"0".repeat(38)}a${i}`,
    deposit: `${eth(r * 10n + 10n ** 18n)} ETH`,
  }));
  const tweet = (id: number, author: string, text: string, t: Temporal.Instant) => ({
    at: at(t),
    tweet: { id: String(id), author, text: `${host} ${text}` },
  });
  const events = [
    tweet(1, "@rehearsal_a", `bid ${eth(r)}`, minutes(1)),
    tweet(2, "@rehearsal_b", `bid ${eth(r)}`, minutes(2)),
    tweet(3, "@rehearsal_b", `bid ${eth(r * 2n)}`, minutes(3)),
    tweet(4, "@rehearsal_c", `bid max ${eth(r * 4n)}`, minutes(4)),
    tweet(5, "@rehearsal_a", `bid ${eth(r * 3n)}`, a.endsAt.subtract({ seconds: 30 })),
  ];
  return { host, auction, wallets, events };
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;
let rehearsing = false;

/** Runs `main.ts rehearse` on the scenario; its JSON lines, or its problems. */
export async function runRehearsal(
  scenario: unknown,
  timeoutMs = 60_000,
): Promise<{ ok: true; lines: unknown[] } | { ok: false; problems: string[] }> {
  if (rehearsing) {
    return { ok: false, problems: ["a rehearsal is already running: try again when it ends"] };
  }
  rehearsing = true;
  const dir = await Deno.makeTempDir({ prefix: "sothebais-panel-rehearsal-" });
  try {
    const file = `${dir}/scenario.json`;
    await Deno.writeTextFile(file, JSON.stringify(scenario));
    const child = new Deno.Command(Deno.execPath(), {
      // The auction's decisions only: with the host, a long day's idle talk (a line every
      // 40 s of the day) outlasts the time a panel request may take.
      args: ["run", "-A", MAIN, "rehearse", file, "--no-host"],
      // Its own embedded storage: nothing of the engine's environment reaches it.
      env: {
        ...Object.fromEntries(
          ["HOME", "PATH", "DENO_DIR"].flatMap((k) => {
            const v = Deno.env.get(k);
            return v ? [[k, v]] : [];
          }),
        ),
        DATA_DIR: dir,
        LOG_LEVEL: "error",
        NO_COLOR: "1",
      },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const out = await child.output().finally(() => clearTimeout(timer));
    const text = new TextDecoder().decode(out.stdout.subarray(0, 4 * 1024 * 1024));
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-20);
      return {
        ok: false,
        problems: err.length && err[0] ? err : [`the rehearsal ended with code ${out.code}`],
      };
    }
    const lines = text.split("\n").filter(Boolean).slice(0, 5000).map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return { type: "text", text: l.slice(0, 500) };
      }
    });
    return { ok: true, lines };
  } finally {
    rehearsing = false;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
