/**
 * The filtered stream (Pro and above, app-only bearer): mentions arrive within
 * a second instead of at the next poll. It only speeds things up — the poll
 * still runs and is what confirms completeness (`tweets.read-through`); both
 * paths store by tweet id, so a tweet seen twice is emitted once, and a tweet
 * missed while the stream was down is found by the next poll, which a drop
 * or a reconnect starts at once (`onGap`: backfill from the timeline).
 * Reconnects follow X's documented back-off (`streamRetryMs`).
 */
import { ETwitterStreamEvent, type TweetStream } from "twitter-api-v2";
import type { Log } from "../../core/log.ts";
import { createAppClient, type RawPage, tweetsOf, type XTweet } from "./x_api.ts";

export interface MentionStream {
  connected(): boolean;
  stop(): void;
}

export const STREAM_RULE_TAG = "sothebais-mentions";

export async function startMentionStream(o: {
  baseUrl: string;
  bearerToken: string;
  hostHandle: string;
  log: Log;
  onTweet(tweet: XTweet): void;
  /** The stream dropped or came back: read the timeline now for what it missed. */
  onGap?(): void;
}): Promise<MentionStream> {
  const v2 = createAppClient(o.baseUrl, o.bearerToken);
  const value = `@${o.hostHandle.replace(/^@/, "")} -is:retweet`;
  const rules = await v2.streamRules();
  if (!(rules.data ?? []).some((r) => r.value === value)) {
    await v2.updateStreamRules({ add: [{ value, tag: STREAM_RULE_TAG }] });
  }
  let up = false;
  const stream: TweetStream = await v2.searchStream({
    expansions: ["author_id"],
    "tweet.fields": [
      "created_at",
      "author_id",
      "conversation_id",
      "referenced_tweets",
      "edit_history_tweet_ids",
    ],
    "user.fields": ["username"],
  });
  up = true;
  stream.autoReconnect = true;
  stream.autoReconnectRetries = Infinity;
  stream.nextRetryTimeout = streamRetryMs;
  stream.on(ETwitterStreamEvent.Data, (payload) => {
    const p = payload as unknown as { data?: NonNullable<RawPage["data"]>[number] } & RawPage;
    if (!p.data) return;
    for (const t of tweetsOf({ data: [p.data], includes: p.includes })) o.onTweet(t);
  });
  stream.on(ETwitterStreamEvent.Connected, () => (up = true));
  stream.on(ETwitterStreamEvent.Reconnected, () => {
    up = true;
    o.log.info("filtered stream reconnected");
    o.onGap?.();
  });
  stream.on(ETwitterStreamEvent.ConnectionLost, () => {
    up = false;
    o.log.warn("filtered stream lost; polling covers the gap");
    o.onGap?.();
  });
  stream.on(ETwitterStreamEvent.ConnectionError, (error) => {
    up = false;
    o.log.warn("filtered stream error", { error: (error as Error)?.message });
  });
  return {
    connected: () => up,
    stop: () => stream.close(),
  };
}

/**
 * X's documented reconnect back-off for the filtered stream: network errors back off
 * linearly (250 ms more each try, at most 16 s); HTTP errors exponentially from 5 s (at
 * most 320 s); a 429 exponentially from 1 minute.
 */
export function streamRetryMs(attempt: number, error?: unknown): number {
  const n = Math.max(1, attempt);
  const status = (error as { code?: unknown } | undefined)?.code;
  if (typeof status === "number" && status === 429) return 60_000 * 2 ** Math.min(10, n - 1);
  if (typeof status === "number" && status >= 400) {
    return Math.min(320_000, 5_000 * 2 ** Math.min(10, n - 1));
  }
  return Math.min(16_000, 250 * n);
}
