-- Which wallet belongs to which X account, sealed at rest (plugins/chain/pairing.ts): the address
-- in every row that pairs it with an account is sealed (AES-GCM, the engine's key, bound to its
-- row), with a keyed mac of the lower-case address beside it where rows are found or kept
-- unique by address. The rows of before keep their plain address with no mac until the start
-- seals them (the chain plugin's `reseal`, before any plugin starts): a null mac marks them.

-- Every wallet an account has linked: found by the address's mac, one row a wallet.
alter table chain_wallets drop constraint chain_wallets_pkey;
drop index chain_wallets_address_lower;
alter table chain_wallets add column address_mac text;
create unique index chain_wallets_address_mac on chain_wallets (address_mac);

-- One account per wallet holds through the mac.
drop index chain_links_address;
alter table chain_links add column address_mac text;
create unique index chain_links_address_mac on chain_links (address_mac);

-- Challenges (address, message, signature) and the audit (address, previous_address) are sealed
-- in place: nothing looks them up by address.
