-- The link replies of before named the wallet (`wallet 0x1234…abcd is linked`, key
-- `linked:<handle>:<address>`): which wallet an account holds is not public (plugins/chain/
-- pairing.ts), so neither the outbox's texts nor its keys keep it. A reply not sent yet goes
-- out in the new words.
update x_outbox set key = regexp_replace(key, ':0x[0-9a-fA-F]{40}$', ':before-' || id)
where kind = 'linked' and key ~ ':0x[0-9a-fA-F]{40}$';
update x_outbox set
  text = regexp_replace(text, 'wallet 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} is linked', 'your wallet is linked'),
  base_text = regexp_replace(base_text, 'wallet 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} is linked', 'your wallet is linked')
where kind = 'linked';
