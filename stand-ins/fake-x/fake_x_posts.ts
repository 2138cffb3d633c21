/**
 * `POST /2/tweets` as X answers it: the per-15-minute window (in `route`) and the 24-hour cap
 * (`x-user-limit-24hour-*`), 403 for duplicate text within 24 h, a reply to an unknown tweet or
 * over 280 characters; a post is stored as the host's tweet and `onPost` hears it first.
 */
import type { Hono } from "hono";
import {
  duplicateContent,
  problem,
  route,
  setLimitHeaders,
  tooManyRequests,
} from "./fake_x_http.ts";
import { countLimited, dayWindow, type FakeXState, storeTweet } from "./fake_x_state.ts";

export function mountPosts(app: Hono, s: FakeXState) {
  app.post(
    "/2/tweets",
    route(s, "POST /2/tweets", async (c, w) => {
      const day = dayWindow(s);
      const setDay = () => {
        c.header("x-user-limit-24hour-limit", String(day.limit));
        c.header("x-user-limit-24hour-remaining", String(Math.max(0, day.remaining)));
        c.header("x-user-limit-24hour-reset", String(Math.ceil(day.resetAt / 1000)));
      };
      if (day.remaining <= 0) {
        setDay();
        countLimited(s, "POST /2/tweets 24h");
        return tooManyRequests(c);
      }
      let body: { text?: string; reply?: { in_reply_to_tweet_id?: string } };
      try {
        body = await c.req.json();
      } catch {
        return c.json(problem(400, "Invalid Request", "Request body is not valid JSON."), 400);
      }
      const text = body.text ?? "";
      if (!text.trim()) {
        return c.json(
          problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "https://api.twitter.com/2/problems/invalid-request",
          ),
          400,
        );
      }
      if ([...text].length > 280) {
        return c.json(
          problem(403, "Forbidden", "Your Tweet text is too long.", "about:blank"),
          403,
        );
      }
      if (
        s.options.refuseDuplicates !== false &&
        s.posted.some((t) => t.text === text && s.now() - Date.parse(t.created_at) < 86_400_000)
      ) {
        return duplicateContent(c);
      }
      const replyTo = body.reply?.in_reply_to_tweet_id;
      if (replyTo && !s.tweets.some((t) => t.id === replyTo)) {
        return c.json(
          problem(
            403,
            "Forbidden",
            "You attempted to reply to a Tweet that is deleted or not visible to you.",
          ),
          403,
        );
      }
      if (s.options.postDelayMs) await new Promise((r) => setTimeout(r, s.options.postDelayMs));
      const tweet = storeTweet(s, s.host, text, s.now(), replyTo);
      s.posted.push(tweet);
      day.remaining--;
      setDay();
      setLimitHeaders(c, w);
      await s.options.onPost?.(tweet);
      return c.json(
        { data: { id: tweet.id, text: tweet.text, edit_history_tweet_ids: [tweet.id] } },
        201,
      );
    }, { userOnly: true }),
  );
}
