/**
 * An independent check of a rehearsal transcript: every fact in every
 * `host.said` / `host.posted` line must be backed by the auction log printed
 * before it (and the scenario it was rehearsed from). It reads only the
 * printed lines — never the guard, the fact sheet or the engine — so a bug in
 * the host's own checks cannot hide here. Invariant: a claim it cannot back is
 * a problem; it does not guess in the host's favour beyond the stated
 * tolerances (a minute on time left, any lot of the day for times).
 */
import { parseEther } from "viem";

type Line = Record<string, unknown>;

interface ScenarioAuction {
  id?: string;
  item: string;
  startsAt: string;
  endsAt: string;
  reserve: string;
}

export interface TranscriptScenario {
  host?: string;
  auction?: ScenarioAuction;
  auctions?: ScenarioAuction[];
  events?: Array<{ at: string; admin?: Record<string, unknown> }>;
}

interface Lot {
  id: string;
  item: string;
  startsAt: Temporal.Instant;
  endsAt: Temporal.Instant;
  reserve: bigint;
  status: "scheduled" | "open" | "paused" | "closed" | "cancelled";
  leader: { handle: string; wei: bigint } | null;
  bids: Array<{ tweetId: string; handle: string; wei: bigint }>;
  result: { winner: string | null; runnerUp: string | null } | null;
}

const wei = (eth: string) => parseEther(eth.replace(/,/g, "").replace(/\s*ETH$/i, ""));
const lower = (s: unknown) => String(s).toLowerCase();

/** h:mm am/pm in New York, as the host says times. */
function nyTime(t: Temporal.Instant): string {
  const z = t.toZonedDateTimeISO("America/New_York");
  return `${z.hour % 12 || 12}:${String(z.minute).padStart(2, "0")} ${z.hour < 12 ? "am" : "pm"}`;
}

/** The problems of a transcript, one per unbacked fact (empty when every fact is backed). */
export function checkTranscript(lines: Line[], scenario: TranscriptScenario): string[] {
  const host = lower(scenario.host ?? "@SothebAIs");
  const lots = new Map<string, Lot>();
  for (const a of scenario.auctions ?? (scenario.auction ? [scenario.auction] : [])) {
    const id = a.id ?? "lot";
    lots.set(id, {
      id,
      item: a.item,
      startsAt: Temporal.Instant.from(a.startsAt),
      endsAt: Temporal.Instant.from(a.endsAt),
      reserve: wei(a.reserve),
      status: "scheduled",
      leader: null,
      bids: [],
      result: null,
    });
  }
  const lotOf = (l: Line) => lots.get(String(l.auctionId)) ?? [...lots.values()][0];
  const admins = (scenario.events ?? []).filter((e) => e.admin);
  const problems: string[] = [];
  /** Viewers who asked the host (a line may address them, never crown them). */
  const askers = new Set<string>();

  for (const l of lines) {
    const at = typeof l.at === "string" ? Temporal.Instant.from(l.at) : null;
    if (at) {
      for (const lot of lots.values()) {
        const cmp = Temporal.Instant.compare(at, lot.startsAt);
        if (lot.status === "scheduled" && cmp >= 0) lot.status = "open";
      }
    }
    if (l.type === "bid.accepted") {
      const lot = lotOf(l);
      const w = BigInt(l.amountWei as string);
      lot.bids.push({ tweetId: String(l.tweetId), handle: lower(l.handle), wei: w });
      lot.leader = { handle: lower(l.handle), wei: w };
      lot.endsAt = Temporal.Instant.from(l.endsAt as string);
      lot.status = "open";
    } else if (l.type === "auction.extended") {
      lotOf(l).endsAt = Temporal.Instant.from(l.endsAt as string);
    } else if (l.type === "auction.closed") {
      const lot = lotOf(l);
      lot.status = "closed";
      lot.result = { winner: l.winner as string | null, runnerUp: l.runnerUp as string | null };
    } else if (l.type === "admin") applyAdmin(l, lots, admins);
    else if (l.type === "host.question") askers.add(lower(l.handle));
    if (l.type === "host.said" || l.type === "host.posted") {
      for (const p of lineProblems(String(l.text), at!, [...lots.values()], host, askers)) {
        problems.push(`${p}: ${l.text} (at ${l.at})`);
      }
    }
  }
  return problems;
}

function applyAdmin(
  l: Line,
  lots: Map<string, Lot>,
  admins: NonNullable<TranscriptScenario["events"]>,
) {
  const lot = l.auctionId
    ? lots.get(String(l.auctionId))
    : [...lots.values()].find((x) => x.status === "open" || x.status === "paused");
  if (!lot) return;
  const e = admins.find((x) =>
    x.admin!.action === l.action && Temporal.Instant.compare(
        Temporal.Instant.from(x.at),
        Temporal.Instant.from(String(l.at)),
      ) === 0
  )?.admin;
  switch (l.action) {
    case "pause":
      lot.status = "paused";
      return;
    case "resume":
      lot.status = "open";
      return;
    case "cancel":
      lot.status = "cancelled";
      return;
    case "void": {
      // The log does not print the new leader: the highest bid left leads (the earlier on a tie).
      lot.bids = lot.bids.filter((b) => b.tweetId !== String(e?.tweetId));
      const top = lot.bids.reduce<Lot["bids"][number] | null>(
        (best, b) => (!best || b.wei > best.wei ? b : best),
        null,
      );
      lot.leader = top && { handle: top.handle, wei: top.wei };
      return;
    }
    case "close":
      // The auction.closed line that follows carries the result.
      return;
    case "reschedule":
      if (e?.startsAt) lot.startsAt = Temporal.Instant.from(String(e.startsAt));
      if (e?.endsAt) lot.endsAt = Temporal.Instant.from(String(e.endsAt));
      lot.status = "scheduled";
      return;
  }
}

function lineProblems(
  text: string,
  at: Temporal.Instant,
  all: Lot[],
  host: string,
  askers: Set<string>,
): string[] {
  const out: string[] = [];
  const live = all.filter((l) => l.status === "open" || l.status === "paused");
  const bidders = new Set(all.flatMap((l) => l.bids.map((b) => b.handle)));
  const handles = [...text.matchAll(/@\w+/g)].map((m) => m[0].toLowerCase());
  for (const h of handles) {
    if (h !== host && !bidders.has(h) && !askers.has(h)) out.push(`${h} never bid nor asked`);
  }

  const amounts = new Set(all.flatMap((l) => [l.reserve, ...l.bids.map((b) => b.wei)]));
  for (const m of text.matchAll(/(at least )?(\d[\d,]*(?:\.\d+)?) ETH/g)) {
    const w = wei(m[2]);
    if (m[1]) {
      const floor = live.some((l) => l.leader ? w > l.leader.wei : w >= l.reserve);
      if (!floor) out.push(`${m[0]} is not above a live price`);
    } else if (!amounts.has(w)) out.push(`${m[0]} is not in the log`);
  }

  if (/\b(wins|won|sold|hammer falls|goes to)\b/i.test(text)) {
    const closed = all.filter((l) => l.result);
    if (!closed.length) out.push("a result before the close");
    const ok = [host, ...closed.flatMap((l) => [l.result!.winner, l.result!.runnerUp])]
      .filter(Boolean).map(lower);
    for (const h of handles) if (!ok.includes(h)) out.push(`${h} in a result`);
    // With another lot still on the block, a result must say which lot it is about.
    const named = closed.some((l) => lower(text).includes(lower(l.item)));
    if (closed.length && live.length && !named) out.push("a result naming no item");
  }

  // A leader claim: the leader of a live lot, at its price.
  for (const m of text.matchAll(/(@\w+) (?:leads|takes the lead|raises to)\D*?([\d.,]+) ETH/g)) {
    const [h, w] = [m[1].toLowerCase(), wei(m[2])];
    const backed = live.some((l) => l.leader?.handle === h && l.leader.wei === w);
    if (!backed) out.push(`${h} at ${m[2]} ETH is not a live leader`);
  }
  for (const m of text.matchAll(/bid to beat is (?:now )?([\d.,]+) ETH/g)) {
    const w = wei(m[1]);
    const backed = live.some((l) => l.leader?.wei === w);
    if (!backed) out.push(`the bid to beat is not ${m[1]} ETH`);
  }
  if (/\b(first bid|opens the bidding|first on the board|we're off)\b/i.test(text)) {
    if (!live.some((l) => l.bids.length === 1)) out.push("not the first bid");
  }
  if (/\bno bids yet\b/i.test(text) && !all.some((l) => l.status !== "closed" && !l.bids.length)) {
    out.push("there are bids");
  }
  if (/\bthe auction is open\b|\bbidding is open\b|\bwe are live\b/i.test(text)) {
    if (!all.some((l) => l.status === "open")) out.push("no lot is open");
  }

  const times = all.flatMap((l) => [nyTime(l.startsAt), nyTime(l.endsAt)]);
  for (const m of text.matchAll(/\b(\d{1,2}:\d{2} [ap]m)\b/g)) {
    if (!times.includes(m[1])) out.push(`${m[1]} is no lot's start or end`);
  }
  const spans = /(?:(\d+) hours? and |(\d+) hours? )?(\d+) (minute|second)s? (?:left|to go)/g;
  const ends = all.filter((l) => l.status !== "closed" && l.status !== "cancelled")
    .map((l) => (l.status === "scheduled" ? l.startsAt : l.endsAt).since(at).total("seconds"));
  for (const m of text.matchAll(/\b(\d+) hours? (?:left|to go)/g)) {
    if (!ends.some((left) => left > 0 && Math.abs(Number(m[1]) * 3600 - left) <= 60)) {
      out.push(`${m[0]} but ${ends.map((s) => Math.round(s)).join("/")} s were left`);
    }
  }
  for (const m of text.matchAll(spans)) {
    const said = Number(m[1] ?? m[2] ?? 0) * 3600 + Number(m[3]) * (m[4] === "minute" ? 60 : 1);
    if (!ends.some((left) => left > 0 && Math.abs(said - left) <= 60)) {
      out.push(`${m[0]} but ${ends.map((s) => Math.round(s)).join("/")} s were left`);
    }
  }
  // Inviting bids past every lot's end (in the grace before the close) invites a bid that cannot count.
  const takesBids = all.some((l) =>
    l.status === "scheduled" ||
    (l.status === "open" && Temporal.Instant.compare(l.endsAt, at) > 0)
  );
  if (/\b(next bid at least|tweet your bid)\b/i.test(text) && !takesBids) {
    out.push("no lot takes bids");
  }
  return out;
}
