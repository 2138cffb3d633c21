-- A priority for answers to a person's own question (help, history, remind) between
-- `rejection` (2) and `ack`: rows stored with the old numbering move up one.
update x_outbox set priority = priority + 1 where priority >= 3;
