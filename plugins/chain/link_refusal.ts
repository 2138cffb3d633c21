/**
 * What the link page tells the person when the server refuses a step: the server's own words,
 * whichever field carries them (a step's `message` or `reason`; the body limit's and the rate
 * limit's `error`, which says how long to wait), else the HTTP status. Never a bare "refused"
 * that hides a wait, and never more than a line: a proxy's page is not shown whole.
 */
const MAX_CHARS = 200;

export function refusalText(status: number, body: unknown): string {
  const fields = body && typeof body === "object" ? body as Record<string, unknown> : {};
  const words = [fields.message, fields.reason, fields.error]
    .find((v): v is string => typeof v === "string" && v.trim() !== "");
  if (words === undefined) return `refused (HTTP ${status})`;
  const line = words.replace(/\s+/g, " ").trim();
  return line.length > MAX_CHARS ? `${line.slice(0, MAX_CHARS - 1)}…` : line;
}
