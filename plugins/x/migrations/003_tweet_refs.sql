-- What X says about a tweet beyond its text: the tweet it retweets or quotes (never a bid
-- of its author's own), and every version of an edited tweet (X's edit_history_tweet_ids).
alter table x_tweets add column quotes text;
alter table x_tweets add column edit_history text;
