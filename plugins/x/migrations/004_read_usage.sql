-- Posts read per UTC day, as X counts them against the monthly cap (a post
-- returned twice in a day counts once): the month's use and the projection.
create table x_read_usage (
  day date primary key,
  posts_read integer not null default 0
);
