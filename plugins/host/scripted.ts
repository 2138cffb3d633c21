/**
 * The scripted brain: the host's lines from templates and the fact sheet
 * alone, no network. Invariants: every fact in a line is filled from the sheet
 * (a template holds none); a line said within the repeat window is never
 * chosen again while another candidate exists; choices are seeded, so a
 * rehearsal reads the same twice. It is also the fallback for the model.
 */
import { formatEther } from "viem";
import { seededRandom } from "../../core/random.ts";
import type { Character } from "./character.ts";
import { type FactSheet, nyClock } from "./facts.ts";

export type TaskKind =
  | "greet"
  | "opened"
  | "leader"
  | "extended"
  | "call5"
  | "call1"
  | "closed"
  | "tomorrow"
  | "idle"
  | "answer"
  | "tweet.teaser"
  | "tweet.opened"
  | "tweet.leader"
  | "tweet.last"
  | "tweet.result";

export interface Task {
  kind: TaskKind;
  /** The lot the line is about; without it, the lot on the block now. */
  auctionId?: string;
  /** For a leader line: the leader it was outbidding, a proxy raise. */
  previous?: string | null;
  proxy?: boolean;
  /** For an answer: who asked (their words never reach a template). */
  asker?: string;
  question?: string;
}

export const eth = (wei: bigint) => {
  const [whole, dec = ""] = formatEther(wei).split(".");
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${dec ? `.${dec}` : ""} ETH`;
};

/** 300 → "5 minutes", 90 → "90 seconds", 3900 → "1 hour and 5 minutes". */
export function span(seconds: number): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (seconds >= 3600) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return m ? `${plural(h, "hour")} and ${plural(m, "minute")}` : plural(h, "hour");
  }
  if (seconds >= 60 && seconds % 60 === 0) return plural(seconds / 60, "minute");
  if (seconds >= 120) return plural(Math.floor(seconds / 60), "minute");
  return plural(seconds, "second");
}

const at = (t: Temporal.Instant) => {
  const c = nyClock(t);
  return `${c.h12} ${c.suffix}`;
};

export interface ScriptedBrain {
  /** A line for the task from the sheet, avoiding `recent`; null when the sheet cannot support one. */
  line(task: Task, facts: FactSheet, recent: Set<string>): string | null;
}

export function createScriptedBrain(character: Character, rng = seededRandom(1)): ScriptedBrain {
  const fill = (template: string, f: FactSheet) =>
    template
      .replaceAll("{item}", f.lot?.item ?? "tonight's lot")
      .replaceAll("{artist}", f.campaign?.project ?? "the artist")
      .replaceAll("{collection}", f.campaign?.collection ?? "this")
      .replaceAll("{campaign}", f.campaign?.name ?? "this show")
      .replaceAll("{host}", f.hostHandle)
      .replace(/^[a-z]/, (c) => c.toUpperCase());
  const shuffled = <T>(xs: T[]) => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  /** The first candidate not said lately; with a catchphrase tail as a second round of variety. */
  const choose = (candidates: string[], recent: Set<string>, tails = true): string | null => {
    const base = shuffled(candidates.filter(Boolean));
    for (const c of base) if (!recent.has(c)) return c;
    if (tails) {
      for (const c of base) {
        for (const t of shuffled(character.catchphrases)) {
          const s = `${c} ${t}`;
          if (s.length <= 280 && !recent.has(s)) return s;
        }
      }
    }
    return base[0] ?? null;
  };

  return {
    line(task, f, recent) {
      const candidates = templates(task, f, character).map((t) => fill(t, f));
      if (!candidates.length) return null;
      if (task.kind === "idle") {
        // An idle line: a topic, now and then with the state of the room before it.
        // Without a campaign, topics about the collection have nothing true to say.
        const topics = character.idleTopics
          .filter((t) => f.campaign || !t.includes("{collection}"))
          .map((t) => fill(t, f));
        const state = candidates;
        const mixed = [
          ...topics,
          ...state.flatMap((s) => topics.map((t) => `${s} ${t}`)),
        ];
        return choose(mixed, recent);
      }
      return choose(candidates, recent, !task.kind.startsWith("tweet."));
    },
  };
}

/** The candidate lines of a task; empty when the sheet does not support the task. */
function templates(task: Task, f: FactSheet, c: Character): string[] {
  const lot = f.lot;
  const handleCmd = `"${f.hostHandle} bid" with your amount`;
  const name = c.name;
  if (!lot) {
    return task.kind === "idle" || task.kind === "answer"
      ? ["There is no auction on the block right now. Stay tuned."]
      : [];
  }
  const price = lot.priceWei === null ? null : eth(lot.priceWei);
  const leader = lot.leader?.handle;
  const left = span(lot.secondsLeft);
  switch (task.kind) {
    case "greet":
      return [
        `Welcome! I'm ${name}. Today's lot, {item}, opens at ${at(lot.startsAt)} New York time.`,
        `Good to see you. {item} goes on the block at ${at(lot.startsAt)} New York time.`,
        `Hello and welcome. Bidding on {item} opens at ${at(lot.startsAt)}; link your wallet now.`,
        `I'm ${name}, and at ${at(lot.startsAt)} we open the bidding on {item}.`,
      ];
    case "opened":
      if (lot.status !== "open") return [];
      return [
        `Bidding is open on {item}! Tweet ${handleCmd} in ETH. The reserve is ${
          eth(lot.reserveWei)
        }.`,
        `And we are live: {item}, reserve ${eth(lot.reserveWei)}. Tweet ${handleCmd} to bid.`,
        `The auction is open! {item} starts at a reserve of ${eth(lot.reserveWei)}, until ${
          at(lot.endsAt)
        }.`,
      ];
    case "leader":
      return leaderLines(task, lot, price, leader);
    case "extended":
      if (lot.extensions === 0 || lot.status !== "open") return [];
      return [
        `A late bid extends the clock! Bidding now ends at ${at(lot.endsAt)}.`,
        `The clock is extended: ${left} left on {item}.`,
        `Extended! A bid in the last ${
          span(lot.extensionWindowSeconds)
        } buys everyone more time. Now ${left} left.`,
      ];
    case "call5":
      if (lot.status !== "open" || lot.secondsLeft > 315) return [];
      return [
        `The last 5 minutes on {item}! ${leader ? `${leader} leads at ${price}.` : "No bids yet."}`,
        // At its mark exactly 5 minutes; made late (after a restart) the true time left.
        `${left} to go. ${
          leader ? `The bid to beat is ${price}.` : `The reserve is ${eth(lot.reserveWei)}.`
        }`,
        `We are in the last 5 minutes. Next bid at least ${eth(lot.minNextWei)}.`,
      ];
    case "call1":
      if (lot.status !== "open" || lot.secondsLeft > 75) return [];
      return [
        `The last minute! ${leader ? `${leader} leads at ${price}.` : "Still no bids."}`,
        `Final minute on {item}. Next bid at least ${eth(lot.minNextWei)}.`,
        `One last minute, everyone. A bid now extends the clock by ${span(lot.extensionSeconds)}.`,
      ];
    case "closed": {
      if (lot.status !== "closed") return [];
      const w = lot.winner;
      if (!w) {
        return [
          `The auction for {item} has closed without a sale.`,
          `No sale on {item} today; the reserve was ${eth(lot.reserveWei)}.`,
        ];
      }
      const ru = lot.runnerUp
        ? ` ${lot.runnerUp.handle} was the runner-up at ${eth(lot.runnerUp.amountWei)}.`
        : "";
      return [
        `Sold! ${w.handle} wins {item} with ${eth(w.amountWei)}.${ru}`,
        `The hammer falls: {item} goes to ${w.handle} for ${eth(w.amountWei)}.${ru}`,
        `And {item} is sold, to ${w.handle}, at ${eth(w.amountWei)}. Congratulations!${ru}`,
      ];
    }
    case "tomorrow": {
      const next = f.campaign?.nextItem;
      if (!next) return [`Thank you all for bidding on {item}. See you at the next auction.`];
      return [
        `Tomorrow on the block: ${next}. Thank you for bidding today.`,
        `That is our show. Tomorrow we bring you ${next}.`,
      ];
    }
    case "idle":
      return idleState(f, price, leader, left);
    case "answer":
      return answers(task, f, price, leader, left);
    case "tweet.teaser":
    case "tweet.opened":
    case "tweet.leader":
    case "tweet.last":
    case "tweet.result":
      return tweetLines(task.kind, f, handleCmd);
  }
}

/** A new high bid: a first bid, a maximum answering, a leader raising their own, or a new leader. */
function leaderLines(
  task: Task,
  lot: NonNullable<FactSheet["lot"]>,
  price: string | null,
  leader: string | undefined,
): string[] {
  if (!leader || !price || lot.status !== "open") return [];
  const prev = task.previous && task.previous !== leader ? task.previous : null;
  if (task.proxy && prev) {
    return [
      `${leader}'s maximum bid answers at once: ${price}, over ${prev}.`,
      `A standing maximum kicks in: ${leader} leads at ${price}, over ${prev}.`,
      `${prev} is outbid by ${leader}'s maximum, now at ${price}.`,
    ];
  }
  if (task.previous && task.previous === leader) {
    // The leader raised their own bid (or their maximum): not a first bid.
    return [
      `${leader} raises their own bid to ${price}.`,
      `${leader} is still in front, now at ${price}.`,
      `${leader} tops their own bid: ${price}.`,
    ];
  }
  if (!prev) {
    return [
      `We have a first bid: ${price} from ${leader}!`,
      `${leader} opens the bidding at ${price}.`,
      `First on the board: ${leader}, ${price}.`,
      `And we're off! ${leader} leads at ${price}.`,
    ];
  }
  return [
    `${leader} takes the lead with ${price}, over ${prev}!`,
    `New high bid: ${price} from ${leader}. ${prev}, your move.`,
    `${leader} leads at ${price}. ${prev} has been outbid.`,
    `${price} from ${leader}, and ${prev} is no longer in front.`,
    `The bid to beat is now ${price}, held by ${leader}.`,
    `${leader} raises to ${price}! Over to you, ${prev}.`,
    `${prev} is outbid: ${leader} leads at ${price}.`,
    `Up it goes: ${leader} at ${price}, ahead of ${prev}.`,
  ];
}

/** The host's posts on X: the teaser, the opening, a leader update, the last 5 minutes, the result. */
function tweetLines(kind: TaskKind, f: FactSheet, handleCmd: string): string[] {
  const lot = f.lot!;
  const price = lot.priceWei === null ? null : eth(lot.priceWei);
  const leader = lot.leader?.handle;
  switch (kind) {
    case "tweet.teaser":
      return lot.status === "scheduled"
        ? [
          `Today on the block: {item}, from ${
            at(lot.startsAt)
          } New York time. Link your wallet, deposit, and tweet ${handleCmd}.`,
        ]
        : [];
    case "tweet.opened":
      return lot.status === "open"
        ? [
          `Bidding is open on {item} until ${at(lot.endsAt)} New York time. Reserve ${
            eth(lot.reserveWei)
          }. Tweet ${handleCmd}.`,
        ]
        : [];
    case "tweet.leader":
      return lot.status === "open" && leader
        ? [
          `${leader} leads {item} at ${price}, ${span(lot.secondsLeft)} left. Next bid at least ${
            eth(lot.minNextWei)
          }.`,
        ]
        : [];
    case "tweet.last":
      return lot.status === "open"
        ? [
          `The last 5 minutes on {item}! ${
            leader ? `${leader} leads at ${price}.` : "No bids yet."
          } Next bid at least ${eth(lot.minNextWei)}.`,
        ]
        : [];
    case "tweet.result": {
      if (lot.status !== "closed") return [];
      const next = f.campaign?.nextItem ? ` Tomorrow: ${f.campaign.nextItem}.` : "";
      return lot.winner
        ? [
          `Sold! {item} goes to ${lot.winner.handle} for ${
            eth(lot.winner.amountWei)
          }. Thank you all for bidding.${next}`,
        ]
        : [`{item} closed without a sale today. Thank you for watching.${next}`];
    }
  }
  return [];
}

function idleState(
  f: FactSheet,
  price: string | null,
  leader: string | undefined,
  left: string,
): string[] {
  const lot = f.lot!;
  if (lot.status === "open") {
    return leader
      ? [
        `${leader} leads at ${price}.`,
        `${left} left on {item}.`,
        `The bid to beat is ${price}.`,
        `Next bid at least ${eth(lot.minNextWei)}.`,
      ]
      : [
        `No bids yet on {item}.`,
        `The reserve is ${eth(lot.reserveWei)}.`,
        `${left} left to bid.`,
      ];
  }
  if (lot.status === "scheduled") {
    return [
      `Bidding opens at ${at(lot.startsAt)}.`,
      `{item} opens at a reserve of ${eth(lot.reserveWei)}.`,
    ];
  }
  return [`Thank you for bidding on {item}.`];
}

/** A reply from the facts; the question only picks the topic, its words are never used. */
function answers(
  task: Task,
  f: FactSheet,
  price: string | null,
  leader: string | undefined,
  left: string,
) {
  const lot = f.lot!;
  const who = task.asker ? `${task.asker}, ` : "";
  const q = (task.question ?? "").toLowerCase();
  const cap = (s: string) => who ? s : s[0].toUpperCase() + s.slice(1);
  const past = f.past.at(-1);
  if (/yesterday|last (time|auction|night)|previous/.test(q) && past) {
    return [
      past.winner
        ? cap(`${who}yesterday ${past.item} went to ${past.winner} for ${eth(past.amountWei!)}.`)
        : cap(`${who}yesterday ${past.item} closed without a sale.`),
    ];
  }
  if (lot.status === "scheduled") {
    return [
      cap(
        `${who}{item} opens at ${at(lot.startsAt)} New York time, reserve ${eth(lot.reserveWei)}.`,
      ),
    ];
  }
  if (lot.status === "closed") {
    return [
      lot.winner
        ? cap(`${who}{item} sold to ${lot.winner.handle} for ${eth(lot.winner.amountWei)}.`)
        : cap(`${who}{item} closed without a sale.`),
    ];
  }
  if (/how (do|can|to)|bid\?|link|deposit/.test(q)) {
    return [
      cap(
        `${who}link your wallet, deposit to escrow, then tweet "${f.hostHandle} bid" and your amount in ETH.`,
      ),
    ];
  }
  if (/time|left|long|end|when/.test(q)) {
    return [cap(`${who}${left} left; bidding ends at ${at(lot.endsAt)} New York time.`)];
  }
  const state = leader
    ? `${leader} leads at ${price}, with ${left} left. Next bid at least ${eth(lot.minNextWei)}.`
    : `no bids yet; the reserve is ${eth(lot.reserveWei)}, with ${left} left.`;
  return [cap(`${who}${state}`), cap(`${who}on {item}: ${state}`)];
}
