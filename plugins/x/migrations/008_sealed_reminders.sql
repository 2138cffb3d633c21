-- Who asked to be reminded, sealed at rest (plugins/x/reminders.ts): a row is found by a keyed
-- mac of the lower-cased handle (no handle stored), and holds the handle, the account and
-- whether it is on sealed together, bound to that mac. The plain rows of before wait in
-- x_reminders_plain until the start seals them (the x plugin's `reseal`), which empties it.
alter table x_reminders rename to x_reminders_plain;
create table x_reminders (
  handle_mac text primary key,
  sealed text not null,
  updated_at timestamptz not null
);
