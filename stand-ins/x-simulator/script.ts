/**
 * What the simulated crowd tweets, and when: independent Poisson arrivals per
 * kind (exponential gaps from a seeded generator, so a run can be repeated),
 * and one snipe per auction: a bid a few seconds before its end, inside the
 * anti-sniping window, so the show demonstrates an extension. Near the end only
 * the snipe and answers to being outbid come, as in a real room: a steady
 * stream of bids there would extend the auction to its cap every time. Some
 * bids are maximum bids (`bid max …`), which the auction raises by itself, so
 * the show has proxy bids; now and then their bidder cancels one (`cancel max`).
 */
import type { Cancel, Clock } from "../../core/clock.ts";
import { seededRandom } from "../../core/random.ts";

export interface SimTweet {
  author: string;
  text: string;
}

export interface ScriptOptions {
  clock: Clock;
  hostHandle: string;
  bidders: number;
  viewers: number;
  rates: {
    bidsPerMinute: number;
    questionsPerMinute: number;
    chatterPerMinute: number;
    malformedPerMinute: number;
    commandsPerMinute: number;
  };
  outbidResponse: number;
  /** Share of bids (not snipes) that are maximum bids: 10–50% above the minimum. */
  maxBidShare: number;
  /** Chance that a bidder who placed a maximum tweets `cancel max` 10–60 s later. */
  cancelMaxShare: number;
  /** Seconds before an open auction's end when one bidder snipes; 0: never. */
  snipeSecondsBeforeEnd: number;
  /** No spontaneous bids this close to the end (the snipe and outbid answers still come). */
  quietSecondsBeforeEnd: number;
  onlyWhileOpen: boolean;
  openingWei: bigint;
  seed: number;
  send(tweet: SimTweet): void;
  format(wei: bigint): string;
}

/** A crowd that says nothing of itself (tests that place the tweets themselves). */
export const SILENT: ScriptOptions["rates"] = {
  bidsPerMinute: 0,
  questionsPerMinute: 0,
  chatterPerMinute: 0,
  malformedPerMinute: 0,
  commandsPerMinute: 0,
};

export interface AuctionView {
  auctionId: string;
  open: boolean;
  minNextWei: bigint;
  /** Its end as it stands (extensions move it). */
  endsAt: Temporal.Instant;
  leader: string | null;
}

export interface Script {
  start(): void;
  stop(): void;
  /** The auction's state as the stream shows it. */
  auction(state: AuctionView): void;
  /** Someone was outbid: a simulated bidder may answer. */
  outbid(handle: string): void;
}

const QUESTIONS = [
  "who made this piece?",
  "how does the escrow work?",
  "when does the auction end?",
  "what chain is this on?",
  "is there a reserve price?",
  "what happens if I win?",
];
const CHATTER = ["gm 🔥", "this one is beautiful", "LFG", "watching from Lisbon 👀", "wow"];
const MALFORMED = ["bid 2,5", "bid lots", "bid -1 ETH", "bid 1.2.3", "bid 0"];
const COMMANDS = ["help", "history", "remind me", "link"];

export function createScript(o: ScriptOptions): Script {
  const random = seededRandom(o.seed);
  const host = `@${o.hostHandle.replace(/^@/, "")}`;
  const bidders = Array.from({ length: o.bidders }, (_, i) => `@sim_bidder${i + 1}`);
  const viewers = Array.from({ length: o.viewers }, (_, i) => `@sim_viewer${i + 1}`);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const cancels = new Set<Cancel>();
  let open = !o.onlyWhileOpen;
  let minNext = o.openingWei;
  let running = false;
  const sniped = new Set<string>();
  let snipe: Cancel | undefined;
  let endsAt: Temporal.Instant | null = null;
  /** The open auction being bid on, if any. */
  let following: string | null = null;
  const nearEnd = () =>
    endsAt !== null &&
    Temporal.Instant.compare(
        o.clock.instant(),
        endsAt.subtract({ seconds: o.quietSecondsBeforeEnd }),
      ) >= 0;

  const STEP = 10n ** 15n; // amounts are rounded up to 0.001 ETH
  const roundUp = (wei: bigint) => ((wei + STEP - 1n) / STEP) * STEP;

  /** A bid a little above the minimum, in one of the grammar's forms. */
  const bidText = () => {
    const eth = o.format(roundUp(minNext + BigInt(Math.floor(random() * 100)) * STEP));
    return pick([
      `${host} bid ${eth} ETH`,
      `${host} bid ${eth}`,
      `${host} ${eth} eth 🔥`,
      `${host} Ξ${eth}`,
      `gm ${host} I bid ${eth} ETH`,
    ]);
  };

  /** A maximum bid, 10–50% above the minimum (the auction bids for the author up to it). */
  const maxBidText = () => {
    const eth = o.format(
      roundUp(minNext + (minNext * BigInt(10 + Math.floor(random() * 41))) / 100n),
    );
    return pick([`${host} bid max ${eth} ETH`, `${host} bid max ${eth}`]);
  };

  /** `author` bids: now and then a maximum, which they may cancel a little later. */
  const bid = (author: string) => {
    if (o.maxBidShare <= 0 || random() >= o.maxBidShare) {
      o.send({ author, text: bidText() });
      return;
    }
    o.send({ author, text: maxBidText() });
    if (random() >= o.cancelMaxShare) return;
    const cancel = o.clock.after(Math.round(10_000 + random() * 50_000), () => {
      cancels.delete(cancel);
      if (running && open) o.send({ author, text: `${host} cancel max` });
    });
    cancels.add(cancel);
  };

  const every = (perMinute: number, fire: () => void) => {
    if (perMinute <= 0) return;
    const arm = () => {
      const gapMs = Math.max(1, Math.round(-Math.log(1 - random()) * 60_000 / perMinute));
      const cancel = o.clock.after(gapMs, () => {
        cancels.delete(cancel);
        if (!running) return;
        fire();
        arm();
      });
      cancels.add(cancel);
    };
    arm();
  };

  const audience = () => pick(viewers.length ? viewers : bidders);

  return {
    start() {
      running = true;
      every(o.rates.bidsPerMinute, () => {
        if (open && !nearEnd()) bid(pick(bidders));
      });
      every(
        o.rates.questionsPerMinute,
        () => o.send({ author: audience(), text: `${host} ${pick(QUESTIONS)}` }),
      );
      every(
        o.rates.chatterPerMinute,
        () => o.send({ author: audience(), text: `${pick(CHATTER)} ${host}` }),
      );
      every(o.rates.malformedPerMinute, () => {
        if (open) o.send({ author: pick(bidders), text: `${host} ${pick(MALFORMED)}` });
      });
      every(
        o.rates.commandsPerMinute,
        () => o.send({ author: pick([...bidders, ...viewers]), text: `${host} ${pick(COMMANDS)}` }),
      );
    },
    stop() {
      running = false;
      snipe?.();
      for (const cancel of cancels) cancel();
      cancels.clear();
    },
    auction(view) {
      // News of another auction (a campaign's next day, scheduled) leaves the open one open.
      if (!view.open && following !== null && view.auctionId !== following) return;
      following = view.open ? view.auctionId : null;
      open = view.open || !o.onlyWhileOpen;
      minNext = view.minNextWei;
      endsAt = view.open ? view.endsAt : null;
      snipe?.();
      snipe = undefined;
      if (!view.open || !o.snipeSecondsBeforeEnd || sniped.has(view.auctionId)) return;
      const at = view.endsAt.subtract({ seconds: o.snipeSecondsBeforeEnd });
      const others = bidders.filter((b) => b !== view.leader?.toLowerCase());
      snipe = o.clock.at(at, () => {
        snipe = undefined;
        if (!running || !open || !others.length) return;
        sniped.add(view.auctionId);
        o.send({ author: pick(others), text: bidText() });
      });
    },
    outbid(handle) {
      if (!running || !bidders.includes(handle.toLowerCase()) || random() >= o.outbidResponse) {
        return;
      }
      const cancel = o.clock.after(Math.round(3_000 + random() * 27_000), () => {
        cancels.delete(cancel);
        if (running && open) bid(handle);
      });
      cancels.add(cancel);
    },
  };
}
