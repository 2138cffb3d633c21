/**
 * A mention read → what it asks for: `tweet.received` for every mention, then one command by the
 * tweet's first word (`parse_command.ts`) — a bid on the bus for the auction to decide, a link, a
 * question for the host, keep/refund — or a reply of our own (help, history, remind/stop, how to
 * bid). Our own tweets are skipped. Replies go through the outbox, keyed by kind and tweet id so a
 * re-read tweet is answered once: help, history and remind/stop at `answer` (paced on their own,
 * never queued behind a burst of bid acks), the how-to-bid fixes at `rejection`; each counted
 * against its handle's share (`perHandle`). Questions for the host are limited per handle.
 */
import type { Bus } from "../../core/bus.ts";
import { nyString } from "../../core/clock.ts";
import type { Metrics } from "../../core/metrics.ts";
import type { HostAccount } from "./account.ts";
import type { XFacts } from "./config.ts";
import { helpReply, linkPageFor, notBidReply } from "./help.ts";
import type { LinkTweets } from "./link_tweets.ts";
import type { StoredTweet } from "./mention_reader.ts";
import type { PostRequest } from "./outbox.ts";
import { parseCommand } from "./parse_command.ts";
import type { Reminders } from "./reminders.ts";

export interface CommandOptions {
  bus: Bus;
  facts: XFacts;
  /** The host account, once known: its own tweets are no commands. */
  account: HostAccount;
  links: LinkTweets;
  reminders: Reminders;
  enqueue(request: PostRequest): Promise<boolean>;
  metrics: Metrics;
  /** Whether this handle may ask the host now (its per-handle limit, `question_limit.ts`). */
  mayAsk(handle: string): Promise<boolean>;
}

/** The handler each reader calls for a new mention, in tweet order. */
export function tweetCommands(o: CommandOptions): (t: StoredTweet) => Promise<void> {
  const { bus, facts } = o;
  const tweetsRead = o.metrics.counter("sothebais_x_tweets_read_total", "Mentions read");
  const questionsDropped = o.metrics.counter(
    "sothebais_x_questions_dropped_total",
    "Questions past their handle's limit, not passed to the host",
  );
  const reply = (t: StoredTweet, kind: string, priority: PostRequest["priority"], text: string) =>
    o.enqueue({
      key: `${kind}:${t.id}`,
      kind,
      priority,
      replyTo: t.id,
      handle: t.handle,
      text: `${t.handle} ${text}`,
    });

  return async (t) => {
    if (t.authorId === o.account.get()?.id) return;
    tweetsRead.inc();
    const tweetAt = nyString(Temporal.Instant.from(t.createdAt));
    const who = { tweetId: t.id, authorId: t.authorId, handle: t.handle };
    bus.emit("tweet.received", { ...who, text: t.text, createdAt: tweetAt });
    const command = parseCommand(t.text, facts.hostHandle, Boolean(t.quotes));
    switch (command.kind) {
      case "bid":
        bus.emit("bid.submitted", {
          ...who,
          text: t.text,
          tweetAt,
          receivedAt: nyString(t.receivedAt),
          ...(t.editHistory ? { editHistory: t.editHistory } : {}),
        });
        break;
      case "not-bid":
        await reply(t, "not-bid", "rejection", notBidReply(command.why, command.hint, facts));
        break;
      case "link-help":
        await reply(
          t,
          "malformed",
          "rejection",
          `to link a wallet, sign on ${
            linkPageFor(facts.linkUrl, t.handle, t.authorId)
          } then tweet: link <code> (the code from the page)`,
        );
        break;
      case "link":
        // Recorded before the emit: the chain's `wallet.linked` names no tweet; its reply finds this.
        await o.links.record({ ...who, createdAt: tweetAt });
        bus.emit("wallet.link-requested", { ...who, proof: command.proof });
        break;
      case "question":
        // Past its handle's limit a question is dropped unanswered: no air time, no post.
        if (!(await o.mayAsk(t.handle))) questionsDropped.inc();
        else bus.emit("host.question", { tweetId: t.id, handle: t.handle, text: command.text });
        break;
      case "keep":
        bus.emit("funds.keep-requested", { ...who, keep: command.keep });
        break;
      case "history":
        await reply(
          t,
          "history",
          "answer",
          `your bids: ${facts.publicUrl}/bidders/${t.handle.slice(1)}`,
        );
        break;
      case "remind":
      case "stop":
        await o.reminders.set(t.handle, t.authorId, command.kind === "remind");
        await reply(
          t,
          command.kind,
          "answer",
          command.kind === "remind"
            ? "you'll get a reminder before the next auction opens. Tweet stop to opt out."
            : "reminders are off. Tweet remind to turn them back on.",
        );
        break;
      case "help":
        await reply(t, "help", "answer", helpReply(facts));
        break;
    }
  };
}
