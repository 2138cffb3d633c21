-- One wallet backs one X account (two handles on one balance could each bid it in full).
drop index chain_links_address;
create unique index chain_links_address on chain_links (lower(address));
