/**
 * The chain's answers, one reply per link tweet (key `link:<tweet>`, so a re-read tweet that the
 * chain now refuses as replayed does not contradict the confirmation already posted): a refused
 * link with the page to sign on, a linked wallet (to the handle's latest link tweet), keep/refund.
 * A reply never names the wallet linked (the pairing is not public: plugins/chain/pairing.ts).
 */
import { linkPageFor } from "./help.ts";
import type { NoticeContext } from "./notice_context.ts";

export function chainNotices(c: NoticeContext): Array<() => void> {
  const { at, lower } = c;
  return [
    // One reply per link tweet (key `link:<tweet>`): a re-read tweet that the chain now
    // refuses as replayed does not contradict the confirmation already posted.
    c.on("wallet.link-refused", async (r) => {
      const user = await c.o.links.authorOf(r.tweetId);
      await c.o.enqueue({
        key: `link:${r.tweetId}`,
        kind: "link-refused",
        priority: "rejection",
        replyTo: r.tweetId,
        // The page address must survive clipping; the reason gives way.
        text: c.fitted(
          `${at(r.handle)} wallet not linked: `,
          r.message.replace(/\.$/, "") + ".",
          ` To link: sign on ${
            linkPageFor(c.o.linkUrl, at(r.handle), user)
          } then tweet link <code>.`,
        ),
      });
    }),
    c.on("funds.kept", async (k) => {
      await c.o.enqueue({
        key: `keep:${k.tweetId}`,
        kind: "keep",
        priority: k.ok ? "ack" : "rejection",
        replyTo: k.tweetId,
        text: `${at(k.handle)} ${k.message}`,
      });
    }),
    c.on("wallet.linked", async (w) => {
      const tweetId = w.tweetId ?? (await c.o.links.latestOf(w.handle))?.tweetId;
      // Neither the reply (public) nor its key (kept in x_outbox) names the wallet: which wallet
      // an account holds is not public. The link page shows the signer which one it linked.
      await c.o.enqueue({
        key: tweetId ? `link:${tweetId}` : `linked:${lower(w.handle)}:${w.xUserId}`,
        kind: "linked",
        priority: "ack",
        replyTo: tweetId,
        text: `${at(w.handle)} your wallet is linked to your account. Deposit to escrow, then bid.`,
      });
    }),
  ];
}
