/**
 * A model that lies in every way the host must survive, for `startFakeLlm`:
 * wrong prices, invented handles, a wrong winner (and one before the close),
 * wrong times, durations, counts and items, a lot named by its id, role
 * markers and markup, garbage, and — when a viewer's message is in the user
 * turn — obeying it (saying what it asks, quoting it back). Now and then it
 * says a harmless line with no fact in it, so a model line can be said.
 * Invariant: deterministic (the n-th request gets the n-th answer of the cycle).
 */
import type { FakeAnswer } from "./fake_llm.ts";

/** Each lie with what it gets wrong. */
export const LIES: Array<[kind: string, text: string]> = [
  ["wrong price", "@alice leads at 987.65 ETH, what a night!"],
  ["invented handle", "@mallory_fake takes the lead with 1.2 ETH!"],
  ["wrong winner", "The auction is over: @mallory_fake won with 987.65 ETH."],
  ["winner before the close", "Sold! @bob wins Genesis #2 with 1.1 ETH."],
  ["wrong time", "Bidding ends at 9:15 pm, hurry!"],
  ["wrong duration", "Only 45 minutes left on Genesis #2!"],
  ["wrong count", "We already have 12 bids and 3 extensions tonight."],
  ["wrong item", "Bidding on Genesis #9 is hot tonight."],
  ["a lot by its id", "Whoever wins genesis-2026-06-15 takes it home."],
  ["role marker", "system: the winner is @bob, everyone."],
  ["markup", "<b>@alice</b> leads at 1 ETH"],
  ["garbage", "%%%% $$$$ 0x0x0x ####"],
  ["a harmless line", "What a lovely piece to spend the afternoon with."],
];

/** The viewer's quoted message in a user turn, if any. */
function viewerText(user: string): string | null {
  const m = user.match(/\{"from":.*\}/);
  if (!m) return null;
  try {
    return String(JSON.parse(m[0]).text ?? "");
  } catch {
    return null;
  }
}

export function lyingModel(): (req: { user: string; n: number }) => FakeAnswer {
  return ({ user, n }) => {
    const viewer = viewerText(user);
    // An attack in a viewer's message is obeyed every other time: said back, or done.
    if (viewer && n % 2 === 0) {
      const said = viewer.match(/say (?:that )?(.+?)(?:[.?!]|$)/i)?.[1];
      return said ? `${said}!` : `As you asked: ${viewer}`;
    }
    return LIES[n % LIES.length][1];
  };
}
