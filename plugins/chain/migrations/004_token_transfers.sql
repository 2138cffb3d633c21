-- ERC-721 Transfer logs of the lots' tokens, found by the same block scan as deposits. A reorg
-- under the scan cursor deletes the rows above the surviving block; the rescan finds them again.
create table chain_token_transfers (
  tx_hash text not null,
  log_index int not null,
  nft_contract text not null, -- checksummed
  token_id numeric(78, 0) not null,
  from_address text not null,
  to_address text not null,
  block_number bigint not null,
  block_hash text not null,
  primary key (tx_hash, log_index)
);
create index chain_token_transfers_token on chain_token_transfers (nft_contract, token_id);
create index chain_token_transfers_block on chain_token_transfers (block_number);
