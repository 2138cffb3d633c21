/**
 * How the public pages write money and time, in one place for the server's
 * HTML (public_shell.ts re-exports it) and the browser's live updates
 * (public_client.js imports it from `/public-format.js`, served as it is).
 * Plain JavaScript with no import, so both run it unchanged: ETH with every
 * digit kept (no rounding of money), and New York time as people read it.
 */

/**
 * ETH text of wei; "—" for none.
 * @param {bigint | string | null | undefined} wei
 * @returns {string}
 */
export function ethText(wei) {
  if (wei === null || wei === undefined) return "—";
  const s = BigInt(wei).toString().padStart(19, "0");
  const frac = s.slice(-18).replace(/0+$/, "");
  return `${s.slice(0, -18)}${frac ? "." + frac : ""} ETH`;
}

/** @type {Intl.DateTimeFormatOptions} */
const NY = {
  timeZone: "America/New_York",
  weekday: "short",
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  second: "2-digit",
};

/**
 * A New York time as people read it: "Tue, Dec 1, 2:05:09 PM ET"; text that is no time as it is.
 * @param {string} iso an instant with its offset
 * @returns {string}
 */
export function nyText(iso) {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toLocaleString("en-US", NY)} ET`;
}

/**
 * One bid-log entry's key, the same for its receipt and its live event (a page shows each
 * entry once): the tweet, or for an automatic raise the tweet that caused it.
 * @param {{ tweetId: string, proxy: boolean, causedBy?: string | null }} d
 * @returns {string}
 */
export function entryKey(d) {
  return d.proxy ? `${d.causedBy ?? d.tweetId}:proxy` : d.tweetId;
}

/**
 * What a decision says on the pages: accepted (a maximum answering, a maximum changed), or
 * the refusal and its reason. A changed maximum never says its amount (secret until the close).
 * @param {{ decision: string, reason?: string | null, proxy: boolean, action?: string | null,
 *   amountWei?: unknown }} d
 * @returns {string}
 */
export function decisionWhy(d) {
  if (d.decision === "accepted") {
    if (d.proxy) return "accepted: a maximum bid answered";
    if (d.action === "cancel-max") return "accepted: maximum cancelled";
    // A maximum that placed no bid: the leader's, raised or lowered (its amount untold).
    if (d.action === "max" && d.amountWei === null) return "accepted: maximum changed";
    return "accepted";
  }
  return `${d.decision}${d.reason ? `: ${d.reason.replaceAll("_", " ")}` : ""}`;
}
