/**
 * The public pages' one script (plain JavaScript, served as it is): ticks the
 * time left each second against the server's clock, and applies the live
 * events of `/auction/live` (SSE) to the page: the lot's figures, and each
 * decision at the top of the last bids (`/`) or the end of the log
 * (`/auctions/:id`), each entry once (its key). Text goes in through
 * textContent only. The stream starts from the event the page was rendered at
 * (`data-live-id`), so nothing between the render and the connection is lost;
 * EventSource reconnects by itself with the last id it had and the feed sends
 * what was missed, or a snapshot that sets the figures and the lists right
 * again; a refused connection (503) is retried here, later each time.
 */

import { decisionWhy, entryKey, ethText as eth, nyText } from "/public-format.js";

/** @param {string} id */
const $ = (id) => document.getElementById(id);
const lot = $("lot");
const auctionId = lot?.dataset.auction ?? null;
const isLog = lot?.dataset.log === "1";
let skew = 0; // server time − this device's time
/** @type {Record<string, string>} */
const STATUS = {
  scheduled: "opens soon",
  open: "open",
  paused: "paused",
  closed: "closed",
  cancelled: "cancelled",
};

/** @param {number} ms */
function span(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h} h ${m} min`;
  return `${m}:${String(r).padStart(2, "0")}`;
}

function tick() {
  const left = $("left");
  if (!left) return;
  const now = Date.now() + skew;
  const status = left.dataset.status;
  const label = $("left-label");
  if (!label) return;
  if (status === "scheduled") {
    left.textContent = span(Date.parse(left.dataset.starts ?? "") - now);
    label.textContent = "until it opens";
  } else if (status === "open") {
    left.textContent = span(Date.parse(left.dataset.ends ?? "") - now);
    label.textContent = "time left";
  } else if (status === "paused") {
    label.textContent = "paused";
  } else {
    left.textContent = STATUS[status ?? ""] ?? "";
    label.textContent = "ended";
  }
}

/** @param {any} a an `auction.updated` snapshot */
function applySnapshot(a) {
  if (a.auctionId !== auctionId) return;
  const [price, leader, minNext, count, status, left] = [
    "price",
    "leader",
    "min-next",
    "bid-count",
    "status",
    "left",
  ].map($);
  if (!price || !leader || !minNext || !count || !status || !left) return;
  price.textContent = eth(a.priceWei);
  leader.textContent = "";
  if (a.leader) {
    const link = document.createElement("a");
    link.href = `/bidders/${a.leader.handle.replace(/^@/, "")}`;
    link.textContent = a.leader.handle;
    leader.append(link);
  } else leader.textContent = "no bid yet";
  minNext.textContent = eth(a.minNextWei);
  count.textContent = String(a.bidCount);
  status.textContent = STATUS[a.status] ?? a.status;
  status.className = `status ${a.status}`;
  left.dataset.status = a.status;
  left.dataset.ends = a.endsAt;
  left.dataset.starts = a.startsAt;
  const tweet = $("bid-tweet");
  if (tweet) {
    tweet.textContent = (tweet.textContent ?? "").replace(
      /bid \S+ ETH/,
      `bid ${eth(a.minNextWei)}`,
    );
  }
  tick();
}

/** @param {string} href @param {string} text */
function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  a.rel = "noreferrer";
  return a;
}

/** @param {HTMLElement} tr @param {string} label @param {Array<Node | string>} content */
function cell(tr, label, ...content) {
  const td = document.createElement("td");
  td.dataset.label = label;
  td.append(...content);
  tr.append(td);
}

/** @param {string} key */
const shown = (key) => document.querySelector(`[data-key="${CSS.escape(key)}"]`) !== null;

/** @param {any} d a decision (the fields of a receipt) @param {boolean} [again] */
function applyDecision(d, again = false) {
  if (d.auctionId !== auctionId) return;
  const key = d.key ?? entryKey(d);
  if (!again && shown(key)) return; // a catch-up may repeat what the page already has
  $("no-bids")?.remove();
  const amount = d.amountWei !== null ? eth(d.amountWei) : d.amountText ?? "";
  const who = link(`/bidders/${d.handle.replace(/^@/, "")}`, d.handle);
  const time = nyText(d.at);
  if (isLog) {
    const tr = document.createElement("tr");
    tr.className = d.decision;
    tr.dataset.tweet = d.tweetId;
    tr.dataset.key = key;
    cell(tr, "tweet", link(d.link, d.tweetId), d.proxy ? " (maximum bid)" : "");
    cell(tr, "time", time);
    cell(tr, "handle", who);
    cell(tr, "amount", amount);
    cell(tr, "decision", d.decision);
    cell(tr, "reason", d.message ?? d.reason ?? "");
    $("log")?.append(tr);
    return;
  }
  const li = document.createElement("li");
  li.className = d.decision;
  li.dataset.tweet = d.tweetId;
  li.dataset.key = key;
  const whoSpan = document.createElement("span");
  whoSpan.className = "who";
  whoSpan.append(who);
  const amt = document.createElement("span");
  amt.className = "amt";
  amt.textContent = amount;
  const why = document.createElement("span");
  why.className = "why";
  why.append(`${decisionWhy(d)} · `, link(d.link, "tweet"), ` · ${time}`);
  li.append(whoSpan, amt, why);
  const list = $("last-bids");
  list?.prepend(li);
  while (list && list.lastElementChild && list.children.length > 10) list.lastElementChild.remove();
}

/**
 * A snapshot (the feed could not replay what this page missed): the lot's figures, and its
 * lists as they are now (the last bids; the log page's rows, read again).
 * @param {any} snap
 */
async function applyCatchUp(snap) {
  for (const a of snap.auctions ?? []) applySnapshot(a);
  if (!isLog) {
    const last = snap.last?.[auctionId ?? ""];
    const list = $("last-bids");
    if (!last || !list) return;
    list.replaceChildren();
    for (const d of [...last].reverse()) applyDecision(d, true);
    return;
  }
  // Decisions told while the log is read again are applied after it (each once).
  held = [];
  try {
    const after = Number(lot?.dataset.after ?? 0);
    const res = await fetch(
      `/auctions/${encodeURIComponent(auctionId ?? "")}/bids?after=${after}&limit=500`,
    );
    if (!res.ok) return;
    const rows = (await res.json()).bids ?? [];
    $("log")?.replaceChildren();
    for (const r of rows) applyDecision({ ...r, auctionId, at: r.tweetAt }, true);
  } finally {
    const waiting = held;
    held = null;
    for (const d of waiting) applyDecision(d);
  }
}

/** @type {any[] | null} */
let held = null;

let lastId = $("live-line")?.dataset.liveId ?? "";
let refusals = 0;

function connect() {
  const query = new URLSearchParams({ since: lastId, auction: auctionId ?? "" });
  const source = new EventSource(`/auction/live?${query}`);
  /** @param {boolean} on */
  const live = (on) => {
    $("live-dot")?.classList.toggle("on", on);
    const label = $("live");
    if (label) label.textContent = on ? "live" : "reconnecting…";
  };
  /** @param {string} name @param {(data: any) => void} apply */
  const on = (name, apply) =>
    source.addEventListener(name, (ev) => {
      const m = /** @type {MessageEvent} */ (ev);
      if (m.lastEventId) lastId = m.lastEventId;
      apply(JSON.parse(m.data));
    });
  on("hello", (data) => {
    skew = data.serverTime - Date.now();
    refusals = 0;
    live(true);
  });
  on("auction", applySnapshot);
  on("decision", (d) => held ? held.push(d) : applyDecision(d));
  on("snapshot", (snap) => void applyCatchUp(snap));
  on("dropped", () => live(false));
  source.onerror = () => {
    live(false);
    // Closed for good (refused, e.g. too many listeners): come back later, from the last id.
    if (source.readyState === EventSource.CLOSED) {
      const wait = Math.min(60_000, 2000 * 2 ** refusals++) * (0.5 + Math.random());
      setTimeout(connect, wait);
    }
  };
}

const art = /** @type {HTMLImageElement | null} */ ($("art"));
art?.addEventListener("error", () => art && (art.hidden = true));
if (art?.complete && art.naturalWidth === 0) art.hidden = true;
if (auctionId) {
  tick();
  setInterval(tick, 1000);
  connect();
}
