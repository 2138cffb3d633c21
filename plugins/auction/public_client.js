/**
 * The public pages' one script (plain JavaScript, served as it is): ticks the
 * time left each second against the server's clock, and applies the live
 * events of `/auction/live` (SSE) to the page: the lot's figures, and each
 * decision at the top of the last bids (`/`) or the end of the log
 * (`/auctions/:id`). Text goes in through textContent only; EventSource
 * reconnects by itself and the page says whether it is live.
 */

import { ethText as eth, nyText } from "/public-format.js";

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

/** @param {any} d a decision (the fields of a receipt) */
function applyDecision(d) {
  if (d.auctionId !== auctionId) return;
  $("no-bids")?.remove();
  const amount = d.amountWei !== null ? eth(d.amountWei) : "";
  const who = link(`/bidders/${d.handle.replace(/^@/, "")}`, d.handle);
  const time = nyText(d.at);
  if (isLog) {
    const tr = document.createElement("tr");
    tr.className = d.decision;
    tr.dataset.tweet = d.tweetId;
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
  const whoSpan = document.createElement("span");
  whoSpan.className = "who";
  whoSpan.append(who);
  const amt = document.createElement("span");
  amt.className = "amt";
  amt.textContent = amount;
  const why = document.createElement("span");
  why.className = "why";
  const reason = d.decision === "accepted"
    ? d.proxy ? "accepted: a maximum bid answered" : "accepted"
    : `${d.decision}${d.reason ? `: ${d.reason.replaceAll("_", " ")}` : ""}`;
  why.append(`${reason} · `, link(d.link, "tweet"), ` · ${time}`);
  li.append(whoSpan, amt, why);
  const list = $("last-bids");
  list?.prepend(li);
  while (list && list.lastElementChild && list.children.length > 10) list.lastElementChild.remove();
}

function connect() {
  const source = new EventSource("/auction/live");
  /** @param {boolean} on */
  const live = (on) => {
    $("live-dot")?.classList.toggle("on", on);
    const label = $("live");
    if (label) label.textContent = on ? "live" : "reconnecting…";
  };
  source.addEventListener("hello", (ev) => {
    skew = JSON.parse(/** @type {MessageEvent} */ (ev).data).serverTime - Date.now();
    live(true);
  });
  source.addEventListener(
    "auction",
    (ev) => applySnapshot(JSON.parse(/** @type {MessageEvent} */ (ev).data)),
  );
  source.addEventListener(
    "decision",
    (ev) => applyDecision(JSON.parse(/** @type {MessageEvent} */ (ev).data)),
  );
  source.onerror = () => live(false);
}

const art = /** @type {HTMLImageElement | null} */ ($("art"));
art?.addEventListener("error", () => art && (art.hidden = true));
if (art?.complete && art.naturalWidth === 0) art.hidden = true;
if (auctionId) {
  tick();
  setInterval(tick, 1000);
  connect();
}
