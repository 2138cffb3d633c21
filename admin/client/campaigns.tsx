/** @jsxImportSource preact */
/**
 * Campaigns: pick one to edit or start a new one; every change is checked by
 * the engine's own schema (each problem names its field, and that field is
 * marked); the calendar shows each day in New York time with its length and
 * offset (a DST day is 23 or 25 hours and says so); "Rehearse" runs `rehearse`
 * on that day as edited and shows its decisions; saving (admins, with a
 * reason) is audited and creates the days' auctions.
 */
import { useState } from "preact/hooks";
import type { CalendarDay as Day } from "../campaign_requests.ts";
import { Card, Field, formatEth, may, useApp, useLoad, withField } from "./ui.tsx";

type Input = Record<string, unknown>;
interface Line {
  type: string;
  tweetId?: string;
  handle?: string;
  amount?: string;
  reason?: string;
  at?: string;
  [k: string]: unknown;
}

const blank = (): Input => ({
  id: "",
  name: "",
  project: "",
  collection: "",
  startDate: "",
  endDate: "",
  window: { start: "14:00", end: "16:00" },
  rules: {},
  items: [{ item: "", reserve: "1 ETH" }],
});

const RULES: Array<[string, string]> = [
  ["minIncrementBps", "least raise (basis points)"],
  ["extensionWindowSeconds", "extension window (s)"],
  ["extensionSeconds", "extension (s)"],
  ["maxExtensionMinutes", "most extension (min)"],
];

export function CampaignsPage() {
  const { conn, me } = useApp();
  const [list, setList] = useState<Input[]>([]);
  const [c, setC] = useState<Input>(blank());
  const [problems, setProblems] = useState<string[]>([]);
  const [calendar, setCalendar] = useState<Day[]>([]);
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [rehearsal, setRehearsal] = useState<{ day: string; lines: Line[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = () =>
    conn.request<{ campaigns: Input[] }>("ListCampaigns", {}, true).then((r) =>
      setList(r.campaigns)
    );
  useLoad(() => void load());
  const check = (next: Input) =>
    conn.request<{ problems: string[]; calendar: Day[] }>("CheckCampaign", { campaign: next }).then(
      (r) => (setProblems(r.problems), setCalendar(r.calendar)),
      (e) => setProblems([e.message]),
    );
  const edit = (next: Input) => {
    setC(next);
    setNotice(null);
    void check(next);
  };
  const set = (path: string, value: unknown) => edit(withField(c, path, value));
  // "campaign.items.0.reserve: …" marks the field items.0.reserve.
  const bad = new Set(problems.map((p) => p.replace(/^campaign\./, "").split(":")[0]));
  const items = (c.items as Input[]) ?? [];

  const save = async () => {
    setBusy("save");
    try {
      const r = await conn.request<{ days: Array<{ day: string; outcome: string }> }>(
        "SaveCampaign",
        { campaign: c, reason },
      );
      setNotice(`Saved ${c.id}: ${r.days.map((d) => `${d.day} ${d.outcome}`).join(", ")}.`);
      setReason("");
      await load();
    } catch (e) {
      setNotice((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const rehearse = async (day: string) => {
    setBusy(`rehearse-${day}`);
    setRehearsal(null);
    try {
      const r = await conn.request<{ lines: Line[] }>("RehearseDay", { campaign: c, day });
      setRehearsal({ day, lines: r.lines });
    } catch (e) {
      setNotice((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="page campaigns">
      <div class="filters">
        <label>
          campaign{" "}
          <select
            id="campaign-pick"
            onChange={(e) => {
              const id = (e.target as HTMLSelectElement).value;
              edit(id ? structuredClone(list.find((x) => x.id === id)!) : blank());
            }}
          >
            <option value="">new campaign</option>
            {list.map((x) => (
              <option key={String(x.id)} value={String(x.id)}>
                {String(x.id)} · {String(x.name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Card title="Campaign" id="campaign-form">
        <CampaignFields c={c} bad={bad} set={set} />
        <h3>Items, one a day in order</h3>
        <ItemRows items={items} bad={bad} set={set} edit={(next) => edit({ ...c, items: next })} />
        {problems.length
          ? (
            <ul class="error" id="campaign-problems">
              {problems.map((p) => <li key={p}>{p}</li>)}
            </ul>
          )
          : <p class="level-good" id="campaign-ok">The engine accepts this campaign.</p>}
        {may(me, "admin")
          ? (
            <p class="row">
              <input
                id="campaign-reason"
                placeholder="why (for the audit log)"
                value={reason}
                onInput={(e) => setReason((e.target as HTMLInputElement).value)}
              />
              <button
                type="button"
                id="campaign-save"
                disabled={!!problems.length || reason.trim().length < 3 || !!busy}
                onClick={save}
              >
                Save
              </button>
            </p>
          )
          : <p class="muted">Saving a campaign needs the admin role.</p>}
        {notice ? <p id="campaign-notice">{notice}</p> : null}
      </Card>
      <CalendarCard
        calendar={calendar}
        mayRehearse={may(me, "operator")}
        busy={busy}
        rehearse={rehearse}
      />
      {rehearsal ? <RehearsalCard rehearsal={rehearsal} /> : null}
    </div>
  );
}

type SetField = (path: string, value: unknown) => void;
const num = (v: string) => (v.trim() === "" ? undefined : Number(v));

/** The campaign's own fields: names, days, the daily window and the rule parameters. */
function CampaignFields(props: { c: Input; bad: Set<string>; set: SetField }) {
  const { c, bad, set } = props;
  const window = (c.window as Input) ?? {};
  const rules = (c.rules as Input) ?? {};
  return (
    <div class="form-grid">
      {(["id", "name", "project", "collection"] as const).map((k) => (
        <Field
          key={k}
          field={k}
          label={k}
          value={c[k]}
          bad={bad}
          onInput={(v) => set(k, v)}
        />
      ))}
      <Field
        field="startDate"
        label="first day"
        type="date"
        value={c.startDate}
        bad={bad}
        onInput={(v) => set("startDate", v)}
      />
      <Field
        field="endDate"
        label="last day"
        type="date"
        value={c.endDate}
        bad={bad}
        onInput={(v) => set("endDate", v)}
      />
      <Field
        field="window.start"
        label="opens (New York)"
        type="time"
        value={window.start}
        bad={bad}
        onInput={(v) => set("window.start", v)}
      />
      <Field
        field="window.end"
        label="closes (New York)"
        type="time"
        value={window.end}
        bad={bad}
        onInput={(v) => set("window.end", v)}
      />
      {RULES.map(([k, label]) => (
        <Field
          key={k}
          field={`rules.${k}`}
          label={label}
          value={rules[k]}
          bad={bad}
          onInput={(v) => set(`rules.${k}`, num(v))}
        />
      ))}
    </div>
  );
}

/** The ordered items, one a day, each with its reserve. */
function ItemRows(
  props: { items: Input[]; bad: Set<string>; set: SetField; edit(items: Input[]): void },
) {
  const { items, bad, set, edit } = props;
  return (
    <>
      <table id="items">
        <tbody>
          {items.map((it, i) => (
            <tr key={i}>
              <td>
                <Field
                  field={`items.${i}.item`}
                  label={`day ${i + 1} item`}
                  value={it.item}
                  bad={bad}
                  onInput={(v) => set(`items.${i}.item`, v)}
                />
              </td>
              <td>
                <Field
                  field={`items.${i}.reserve`}
                  label="reserve"
                  value={it.reserve}
                  bad={bad}
                  onInput={(v) => set(`items.${i}.reserve`, v)}
                />
              </td>
              <td>
                <button
                  type="button"
                  onClick={() => edit(items.filter((_, j) => j !== i))}
                >
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        type="button"
        id="add-item"
        onClick={() => edit([...items, { item: "", reserve: "1 ETH" }])}
      >
        Add an item
      </button>
    </>
  );
}

/** Each day in New York time, its length and offset (a DST day says so), and its rehearsal. */
function CalendarCard(
  props: {
    calendar: Day[];
    mayRehearse: boolean;
    busy: string | null;
    rehearse(day: string): void;
  },
) {
  const { calendar, busy, rehearse } = props;
  return (
    <Card title="Calendar (New York time)" id="calendar">
      {calendar.length
        ? (
          <table>
            <thead>
              <tr>
                <th>day</th>
                <th>item</th>
                <th>reserve</th>
                <th>opens</th>
                <th>closes</th>
                <th>day length</th>
                <th>UTC offset</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {calendar.map((d) => (
                <tr key={d.day} data-day={d.day} class={d.dst ? "dst" : ""}>
                  <td>{d.weekday} {d.day}</td>
                  <td>{d.item}</td>
                  <td>{d.reserve}</td>
                  <td>{d.startsAt.slice(11, 16)}</td>
                  <td>{d.endsAt.slice(11, 16)}</td>
                  <td class="hours">{d.hours} h{d.dst ? ` (DST ${d.dst})` : ""}</td>
                  <td class="offset">{d.offset}</td>
                  <td>
                    {props.mayRehearse
                      ? (
                        <button
                          type="button"
                          class="rehearse"
                          disabled={!!busy}
                          onClick={() => rehearse(d.day)}
                        >
                          {busy === `rehearse-${d.day}` ? "Rehearsing…" : "Rehearse this day"}
                        </button>
                      )
                      : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : <p class="muted">The calendar shows once the campaign checks out.</p>}
    </Card>
  );
}

/** The decisions `rehearse` made on one day as edited. */
function RehearsalCard(props: { rehearsal: { day: string; lines: Line[] } }) {
  const { rehearsal } = props;
  return (
    <Card title={`Rehearsal of ${rehearsal.day}`} id="rehearsal">
      <table>
        <thead>
          <tr>
            <th>time</th>
            <th>what</th>
            <th>who</th>
            <th>amount</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {rehearsal.lines.map((l, i) => (
            <tr key={i} data-type={l.type}>
              <td>{String(l.at ?? "").slice(11, 19)}</td>
              <td>{l.type}</td>
              <td>{l.handle ?? ""}</td>
              <td>{typeof l.amountWei === "string" ? formatEth(l.amountWei) : ""}</td>
              <td>{String(l.reason ?? l.message ?? "")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
