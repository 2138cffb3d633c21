-- The bid log beyond one row a tweet: automatic raises of maximum bids (proxy rows,
-- tweet_id `<causing tweet>:proxy`), each tweet's maximum, the amount as written (the
-- public receipt), and edits of decided tweets.
alter table auction_bids add column amount_text text;
-- bid | max | cancel-max, for accepted tweets
alter table auction_bids add column action text;
-- the bidder's maximum after the tweet: secret, never shown
alter table auction_bids add column max_wei numeric(78, 0);
-- a proxy row: the tweet whose maximum it raised, and the tweet that caused the raise
alter table auction_bids add column proxy_for text;
alter table auction_bids add column caused_by text;
-- a tweet that edits this one, already decided: rejected `edited`
alter table auction_bids add column edit_of text;
