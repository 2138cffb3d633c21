/**
 * The `link` tweets the reader saw: recorded before `wallet.link-requested`
 * goes on the bus, so the chain's answer (`wallet.linked`, which names no
 * tweet) can be posted as a reply to the tweet that asked for it.
 */
import type { Db } from "../../core/db.ts";

export interface LinkTweets {
  record(
    t: { tweetId: string; handle: string; authorId: string; createdAt: string },
  ): Promise<void>;
  /** The X user id of the author of a recorded link tweet. */
  authorOf(tweetId: string): Promise<string | undefined>;
  /** The handle's latest link tweet, if any. */
  latestOf(handle: string): Promise<{ tweetId: string; authorId: string } | undefined>;
}

export function linkTweets(db: Db): LinkTweets {
  return {
    async record(t) {
      await db.query(
        `insert into x_link_tweets (tweet_id, handle, author_id, created_at)
         values ($1, $2, $3, $4) on conflict do nothing`,
        [t.tweetId, t.handle, t.authorId, t.createdAt],
      );
    },
    async authorOf(tweetId) {
      const [r] = await db.query<{ author_id: string }>(
        "select author_id from x_link_tweets where tweet_id = $1",
        [tweetId],
      );
      return r?.author_id;
    },
    async latestOf(handle) {
      const h = (handle.startsWith("@") ? handle : `@${handle}`).toLowerCase();
      const [r] = await db.query<{ tweet_id: string; author_id: string }>(
        `select tweet_id, author_id from x_link_tweets where lower(handle) = $1
         order by created_at desc, length(tweet_id) desc, tweet_id desc limit 1`,
        [h],
      );
      return r && { tweetId: r.tweet_id, authorId: r.author_id };
    },
  };
}
