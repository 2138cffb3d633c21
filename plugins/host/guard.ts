/**
 * The guard: every line from any brain is checked against the fact sheet
 * before it is said, captioned or posted. Invariants: a line passes only if
 * each amount, handle, time, duration, count, day and item name in it matches
 * the sheet, it claims no winner before the close and no leader but the
 * leader, it quotes nothing but an item or the bid command, it repeats no run
 * of the viewer's words, and it is plain readable text (Latin script, no
 * markup, no role markers, no refusals). Anything unexplained fails: a digit
 * left over once every fact is accounted for is a failure, not a pass. The
 * reason names what failed, for the rejection log.
 */
import { parseEther } from "viem";
import { type FactSheet, knownAmounts, knownHandles, knownItems, nyClock } from "./facts.ts";

export type Verdict = { ok: true; text: string } | { ok: false; reason: string };

export interface GuardContext {
  /** The viewer the line answers (a handle they may be named by). */
  asker?: string;
  /** The viewer's words: a line may not repeat a run of them. */
  viewerText?: string;
  /** URLs a line may carry (tweets: the link page). */
  urls?: string[];
}

const MAX_CHARS = 280;
const NUMBER_WORDS: Record<string, number> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  ninety: 90,
};
const UNIT = String
  .raw`(?:eth|ether|Ξ|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|bids?|bidders?|extensions?|lots?)`;
const SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1, d: 86400 };

/** Normalises a model's answer to one plain line (NFKC, one space, trimmed). */
export function normaliseLine(raw: string): string {
  return raw.normalize("NFKC").replace(/\s+/g, " ").trim().replace(/^["“](.*)["”]$/, "$1");
}

export function checkLine(raw: string, f: FactSheet, ctx: GuardContext = {}): Verdict {
  const text = normaliseLine(raw);
  const form = checkForm(text, ctx);
  if (form) return { ok: false, reason: form };
  // Number words before a unit become digits, so "two ETH" is checked like "2 ETH".
  let rest = text.replace(
    new RegExp(String.raw`\b(${Object.keys(NUMBER_WORDS).join("|")})(?=\s+${UNIT}\b)`, "gi"),
    (w) => String(NUMBER_WORDS[w.toLowerCase()]),
  );
  const steps = [
    checkEcho,
    checkItems,
    checkHandles,
    checkClaims,
    strikeHandles,
    checkAmounts,
    checkTimes,
    checkDurations,
    checkCounts,
  ];
  for (const step of steps) {
    const r = step(rest, f, ctx);
    if (typeof r === "object") return { ok: false, reason: r.reason };
    rest = r;
  }
  const digit = rest.match(/\d[\d.,:]*/);
  if (digit) return { ok: false, reason: `number "${digit[0]}" is not a fact of this auction` };
  return { ok: true, text };
}

type Step = (rest: string, f: FactSheet, ctx: GuardContext) => string | { reason: string };

function checkForm(text: string, ctx: GuardContext): string | null {
  if (text.length < 8) return "too short to be a line";
  if (text.length > MAX_CHARS) return `too long (${text.length} characters, at most ${MAX_CHARS})`;
  if (text.split(" ").length < 3) return "fewer than three words";
  const bad = text.match(/[^\p{Script=Latin}0-9\s!-~’‘“”—–…·Ξ\p{Extended_Pictographic}\u{FE0F}]/u);
  if (bad) return `character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase()} is not allowed`;
  if (/[<>{}[\]`|\\]/.test(text)) return "markup or code in the line";
  const letters = text.replace(/[^\p{L}]/gu, "").length;
  if (letters < text.replace(/\s/g, "").length * 0.5) return "not enough words (garbage)";
  if (/\b(system|assistant|user|developer)\s*:/i.test(text)) return "a role marker in the line";
  if (
    /\b(as an ai|language model|i cannot|i can['’]t (help|do|say)|i['’]m sorry, but)\b/i.test(text)
  ) {
    return "a refusal, not a line";
  }
  for (const url of text.match(/\b(?:https?:\/\/|www\.)\S+/gi) ?? []) {
    if (!(ctx.urls ?? []).some((u) => url.replace(/[.,!?)]+$/, "") === u)) {
      return `link ${url} is not allowed`;
    }
  }
  if (/\$\s?\d|\d\s?(usd|dollars?|€|eur)\b/i.test(text)) return "a money amount not in ETH";
  return null;
}

/** A run of four words (12+ characters) or 18 letters of the viewer's own text is an echo. */
const checkEcho: Step = (rest, _f, ctx) => {
  if (!ctx.viewerText) return rest;
  const norm = (s: string) =>
    s.normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}@]+/gu, " ").trim();
  const said = ` ${norm(rest)} `;
  const words = norm(ctx.viewerText).split(" ").filter(Boolean);
  for (let i = 0; i + 4 <= words.length; i++) {
    const run = words.slice(i, i + 4).join(" ");
    if (run.length >= 12 && said.includes(` ${run} `)) {
      return { reason: `repeats the viewer's words "${run}"` };
    }
  }
  const v = norm(ctx.viewerText).replace(/ /g, "");
  const s = norm(rest).replace(/ /g, "");
  for (let i = 0; i + 18 <= v.length; i += 2) {
    if (s.includes(v.slice(i, i + 18))) return { reason: "repeats the viewer's words" };
  }
  return rest;
};

/** Item names are struck out (so their numbers count as explained); ids and unknown quotes fail. */
const checkItems: Step = (rest, f) => {
  const items = knownItems(f).sort((a, b) => b.length - a.length);
  let out = rest;
  for (const item of items) {
    out = out.replace(new RegExp(escape(item), "gi"), " ITEM ");
  }
  const ids = [
    f.lot?.auctionId,
    ...f.others.map((o) => o.auctionId),
    ...f.past.map((p) => p.auctionId),
  ]
    .filter((id): id is string => !!id && !items.some((i) => i.toLowerCase() === id.toLowerCase()));
  for (const id of ids) {
    if (new RegExp(String.raw`(^|[^\w-])${escape(id)}($|[^\w-])`, "i").test(out)) {
      return { reason: `names a lot by its id "${id}"` };
    }
  }
  for (const q of out.match(/[“"]([^”"]*)[”"]/g) ?? []) {
    const inner = q.slice(1, -1).trim();
    const command = inner.toLowerCase().startsWith(f.hostHandle.toLowerCase() + " bid") &&
      /^@\w+ bid( max)?( <amount>| [\d.]+)?( eth)?$/i.test(inner);
    if (inner !== "ITEM" && !command) return { reason: `quotes "${inner}", which is no item` };
  }
  if (/#\s?\d/.test(out)) return { reason: `names an item that is not in this campaign` };
  return out;
};

const checkHandles: Step = (rest, f, ctx) => {
  const known = knownHandles(f);
  if (ctx.asker) known.add(ctx.asker.toLowerCase());
  for (const m of rest.matchAll(/@(\S*)/g)) {
    const handle = m[1].match(/^\w{1,15}/)?.[0];
    if (!handle) return { reason: `"@${m[1]}" is not a handle` };
    if (!known.has(`@${handle.toLowerCase()}`)) {
      return { reason: `handle @${handle} is not a bidder, a past winner or the asker` };
    }
  }
  return rest;
};

/** Checked handles are struck out, so digits in them (@sim_bidder4) count as explained. */
const strikeHandles: Step = (rest) => rest.replace(/@\w{1,15}/g, " HANDLE ");

/** Winner, leader, phase and "no bids" claims must match the state. */
const checkClaims: Step = (rest, f, ctx) => {
  const lot = f.lot;
  const handles = [...rest.matchAll(/@(\w{1,15})/g)].map((m) => `@${m[1].toLowerCase()}`);
  const lower = rest.toLowerCase();
  const closed = lot?.status === "closed";
  if (
    /\b(won|wins|winner|winners|sold|hammer (falls|comes down)|takes (it|the lot) home|goes to @\w+)\b/i
      .test(
        rest,
      )
  ) {
    const aboutPast = f.past.length > 0 &&
      /\b(yesterday|last time|previous|earlier|day before)\b/i.test(rest);
    const allowed = new Set<string>([f.hostHandle.toLowerCase()]);
    if (closed && lot.winner) {
      allowed.add(lot.winner.handle.toLowerCase());
      if (lot.runnerUp) allowed.add(lot.runnerUp.handle.toLowerCase());
    }
    if (aboutPast) {
      for (const p of f.past) {
        for (const h of [p.winner, p.runnerUp]) if (h) allowed.add(h.toLowerCase());
      }
    }
    if (!aboutPast && !(closed && lot.winner)) return { reason: "names a winner before the close" };
    // With another lot on the block, "sold" alone could be about either: the result names its item.
    const another = f.others.some((o) => o.status === "open" || o.status === "paused");
    if (!aboutPast && another && !/\bITEM\b/.test(rest)) {
      return { reason: "names no item in a result while another lot is on the block" };
    }
    // The viewer answered may be addressed at the start ("@bob, …"), never named in the result.
    const addressed = ctx.asker && rest.toLowerCase().startsWith(`${ctx.asker.toLowerCase()},`);
    const named = addressed ? handles.slice(1) : handles;
    const wrong = named.find((h) => !allowed.has(h));
    if (wrong) return { reason: `names ${wrong} in a result, who did not win` };
  }
  if (
    /\b(leads?|leading|in the lead|top bid|highest bid(der)?|bid to beat|out in front|ahead)\b/i
      .test(rest)
  ) {
    const leader = lot?.status === "open" || lot?.status === "paused" ? lot.leader : null;
    if (handles.some((h) => h !== f.hostHandle.toLowerCase())) {
      if (!leader) return { reason: "names a leader while nobody leads" };
      if (!handles.includes(leader.handle.toLowerCase())) {
        return { reason: `names a leader but not ${leader.handle}, who leads` };
      }
    }
    if (leader) {
      const allowed = [leader.amountWei, lot!.minNextWei];
      for (const a of amountsIn(rest)) {
        if (a.wei !== null && !allowed.includes(a.wei)) {
          return { reason: `a leading amount of ${a.text} is not the current bid` };
        }
      }
    }
  }
  if (
    /\b(no bids|nobody has bid|no one has bid|no-one has bid)\b/.test(lower) &&
    (lot?.bidCount ?? 0) > 0
  ) {
    return { reason: "says there are no bids when there are" };
  }
  if (
    /\b(bidding|auction|the lot) (is|are) (now )?open\b|\bis open for bids\b/.test(lower) &&
    lot?.status !== "open"
  ) {
    return { reason: `says the auction is open while it is ${lot?.status ?? "not there"}` };
  }
  if (
    /\b(is|it['’]s) (all )?over\s*([.!,;]|$)|\b(has|have) (closed|ended)\b|\bis closed\b/.test(
      lower,
    ) && !closed &&
    !(f.past.length && /\byesterday\b/.test(lower))
  ) {
    return { reason: "says the auction is over while it is not" };
  }
  if (/\bextended\b/.test(lower) && !(lot && lot.extensions > 0)) {
    return { reason: "says the clock was extended when it was not" };
  }
  return rest;
};

function amountsIn(
  text: string,
): Array<{ text: string; wei: bigint | null; index: number; length: number }> {
  const re = /(?:Ξ\s?(\d[\d,]*(?:\.\d+)?))|(\d[\d,]*(?:\.\d+)?)\s*(?:eth|ether|Ξ)\b/gi;
  return [...text.matchAll(re)].map((m) => {
    const num = (m[1] ?? m[2]).replace(/,/g, "");
    let wei: bigint | null = null;
    try {
      if (/^\d{1,30}(\.\d{1,18})?$/.test(num)) wei = parseEther(num);
    } catch {
      wei = null;
    }
    return { text: m[0], wei, index: m.index!, length: m[0].length };
  });
}

const checkAmounts: Step = (rest, f) => {
  const known = knownAmounts(f);
  for (const a of amountsIn(rest)) {
    if (a.wei === null || !known.has(a.wei)) {
      return { reason: `amount ${a.text} is not a price of this campaign` };
    }
  }
  return strike(rest, amountsIn(rest));
};

const checkTimes: Step = (rest, f) => {
  const instants = [f.now, f.now.add({ minutes: 1 })];
  if (f.lot) instants.push(f.lot.startsAt, f.lot.endsAt);
  for (const o of f.others) instants.push(o.startsAt);
  const allowed = new Set<string>();
  for (const t of instants) {
    const c = nyClock(t);
    allowed.add(c.h24).add(`${c.h12}${c.suffix}`);
    if (c.h12.endsWith(":00")) allowed.add(`${c.h12.slice(0, -3)}${c.suffix}`);
  }
  const re =
    /\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?!\s*(?:eth|ether|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|bids?|bidders?|extensions?|lots?)\b)/gi;
  const spans: Array<{ index: number; length: number }> = [];
  for (const m of rest.matchAll(re)) {
    if (!m[2] && !m[3]) continue; // a bare number: left for the other checks
    const suffix = m[3]?.replace(/\./g, "").toLowerCase() ?? "";
    const key = m[2]
      ? (suffix ? `${+m[1]}:${m[2]}${suffix}` : `${+m[1]}:${m[2]}`)
      : `${+m[1]}${suffix}`;
    if (!allowed.has(key)) return { reason: `time ${m[0].trim()} is not a time of this auction` };
    spans.push({ index: m.index!, length: m[0].length });
  }
  return strike(rest, spans);
};

/** Durations (runs like "1 hour and 5 minutes" read as one) must be a configured span or the time left. */
const checkDurations: Step = (rest, f) => {
  const re = /(\d+(?:\.\d+)?)\s*(hours?|hrs?|minutes?|mins?|seconds?|secs?|days?)\b/gi;
  const parts = [...rest.matchAll(re)].map((m) => ({
    index: m.index!,
    length: m[0].length,
    seconds: Number(m[1]) * SECONDS[m[2][0].toLowerCase()],
    unit: SECONDS[m[2][0].toLowerCase()],
    text: m[0],
  }));
  const groups: typeof parts[] = [];
  for (const p of parts) {
    const last = groups.at(-1)?.at(-1);
    const between = last ? rest.slice(last.index + last.length, p.index) : null;
    if (
      last && between !== null && /^\s*(,|and|,\s*and)?\s*$/.test(between) && p.unit < last.unit
    ) {
      groups.at(-1)!.push(p);
    } else groups.push([p]);
  }
  for (const g of groups) {
    const seconds = g.reduce((n, p) => n + p.seconds, 0);
    const unit = g.at(-1)!.unit;
    if (!durationAllowed(seconds, unit, f)) {
      return { reason: `duration "${g.map((p) => p.text).join(" ")}" does not match the auction` };
    }
  }
  return strike(rest, parts);
};

function durationAllowed(seconds: number, unit: number, f: FactSheet): boolean {
  const lot = f.lot;
  if (unit === 86400) {
    const c = f.campaign;
    return !!c && [c.days, c.day, c.days - c.day, c.days - c.day + 1].includes(seconds / 86400);
  }
  if (!lot) return false;
  const fixed = [lot.extensionWindowSeconds, lot.extensionSeconds, lot.durationSeconds];
  if (fixed.includes(seconds)) return true;
  // The calls of the last five minutes and the last minute, once they are true.
  if (
    (seconds === 300 || seconds === 60) && lot.status === "open" && lot.secondsLeft <= seconds + 15
  ) {
    return true;
  }
  if (lot.status === "closed" || lot.status === "cancelled") return false;
  return Math.abs(seconds - lot.secondsLeft) <= Math.max(unit, 20);
}

const checkCounts: Step = (rest, f) => {
  const lot = f.lot;
  const c = f.campaign;
  const spans: Array<{ index: number; length: number }> = [];
  const bidders = new Set(f.recentBids.map((b) => b.handle.toLowerCase())).size;
  for (const m of rest.matchAll(/\bday (\d+)(?: of (\d+))?/gi)) {
    if (!c || +m[1] !== c.day || (m[2] && +m[2] !== c.days)) {
      return { reason: `"${m[0]}" is not today (day ${c?.day ?? "?"} of ${c?.days ?? "?"})` };
    }
    spans.push({ index: m.index!, length: m[0].length });
  }
  for (const m of rest.matchAll(/\b(\d+)\s+(bids?|bidders?|extensions?|lots?|items?)\b/gi)) {
    const n = +m[1];
    const what = m[2].toLowerCase().replace(/s$/, "");
    const ok = what === "bid"
      ? n === lot?.bidCount
      : what === "bidder"
      ? n === bidders && lot?.bidCount === f.recentBids.length
      : what === "extension"
      ? n === lot?.extensions
      : !!c && (n === c.days || n === c.days - c.day);
    if (!ok) return { reason: `count "${m[0]}" does not match the auction` };
    spans.push({ index: m.index!, length: m[0].length });
  }
  return strike(rest, spans);
};

function strike(text: string, spans: Array<{ index: number; length: number }>): string {
  let out = text;
  for (const s of [...spans].sort((a, b) => b.index - a.index)) {
    out = out.slice(0, s.index) + " FACT " + out.slice(s.index + s.length);
  }
  return out;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
