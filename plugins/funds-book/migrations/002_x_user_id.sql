-- The X account a link belongs to: given when linked, else bound by the first bid that uses it.
alter table funds_book_wallets add column x_user_id text;
