/** @jsxImportSource preact */
/**
 * System: every dependency's health (from /healthz), the engine's CPU and
 * memory over the last minutes, and the audit log with filters (actor,
 * action, time range), refreshed as entries are written.
 */
import { useState } from "preact/hooks";
import { Spark } from "./chart.tsx";
import { Card, formatTime, useApp, useEvent, useLoad, useSubscriptions } from "./ui.tsx";

interface Check {
  ok: boolean;
  detail?: string;
  warning?: string;
  /** Working on a fallback (e.g. Redis away): shown, not an outage. */
  degraded?: boolean;
  [field: string]: unknown;
}
interface Sample {
  at: number;
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  loadAverage: number[];
  cores: number;
}
interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  reason: string | null;
  params: unknown;
  before: unknown;
  after: unknown;
  outcome: string;
}

const MB = 1024 * 1024;

export function SystemPage() {
  const { conn } = useApp();
  useSubscriptions(["system", "audit", "auction"]);
  const [health, setHealth] = useState<{ ok: boolean; checks: Record<string, Check> } | null>(null);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [checkedAt, setCheckedAt] = useState<number | null>(null);
  const loadHealth = () =>
    conn.request<{ health: typeof health; system: Sample[] }>("GetHealth", {}, true).then((r) => {
      setHealth(r.health);
      setSamples((s) => (s.length ? s : r.system));
      setCheckedAt(Date.now());
    });
  useLoad(() => void loadHealth());
  useEvent("SystemStats", (s: Sample) => {
    setSamples((all) => [...all.slice(-149), s]);
    // Health is asked again with each sample (every 2 s) while this page is open.
    void loadHealth();
  });
  const latest = samples.at(-1);
  const times = samples.map((s) => s.at / 1000);
  return (
    <div class="page system">
      <div class="grid-2">
        <Card title="Health" id="health-checks">
          {health
            ? (
              <table>
                <tbody>
                  {Object.entries(health.checks).sort().map(([name, c]) => (
                    <tr key={name} data-check={name}>
                      <td>{name}</td>
                      <td
                        class={c.ok
                          ? (c.warning || c.degraded ? "level-warning" : "level-good")
                          : "level-error"}
                      >
                        {c.ok ? (c.degraded ? "degraded" : c.warning ? "warning" : "ok") : "down"}
                      </td>
                      <td class="muted">{c.detail ?? c.warning ?? summary(c)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
            : <p class="muted">…</p>}
          <p class="muted">checked {checkedAt ? formatTime(checkedAt) : "—"}</p>
        </Card>
        <Card title="Engine" id="engine">
          {latest
            ? (
              <div class="sparks">
                <Spark
                  id="chart-cpu"
                  label="CPU (one core = 100 %)"
                  unit="%"
                  times={times}
                  values={samples.map((s) => s.cpuPercent)}
                  level={latest.cpuPercent > 90 ? "error" : latest.cpuPercent > 70 ? "warning" : ""}
                />
                <Spark
                  id="chart-rss"
                  label="memory (RSS)"
                  unit="MB"
                  times={times}
                  values={samples.map((s) => s.rssBytes / MB)}
                  level=""
                />
                <Spark
                  id="chart-heap"
                  label="JS heap"
                  unit="MB"
                  times={times}
                  values={samples.map((s) => s.heapUsedBytes / MB)}
                  level=""
                />
                <p class="muted">
                  load {latest.loadAverage.map((l) => l.toFixed(2)).join(" ")} on {latest.cores}
                  {" "}
                  cores
                </p>
              </div>
            )
            : <p class="muted">sampling every 2 s…</p>}
        </Card>
      </div>
      <AuditLog />
    </div>
  );
}

function summary(c: Check): string {
  return Object.entries(c)
    .filter(([k, v]) => k !== "ok" && (typeof v === "string" || typeof v === "number"))
    .slice(0, 4)
    .map(([k, v]) => `${k} ${v}`)
    .join(" · ");
}

const local = (iso: string) => {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

export function AuditLog() {
  const { conn } = useApp();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    conn.request<{ entries: Entry[] }>("ListAudit", {
      actor: actor || undefined,
      action: action || undefined,
      from: local(from),
      to: local(to),
      limit: 200,
    }, true).then((r) => {
      setEntries(r.entries);
      setError(null);
    }, (e) => setError(e.message));
  useLoad(() => void load(), [actor, action, from, to]);
  useEvent("AuditAppended", () => void load());
  useEvent("auction.updated", () => void load());
  return (
    <Card title="Audit log" id="audit">
      <div class="filters">
        <input
          id="audit-actor"
          placeholder="actor"
          value={actor}
          onInput={(e) => setActor((e.target as HTMLInputElement).value.trim())}
        />
        <input
          id="audit-action"
          placeholder="action (e.g. auction, show.slate)"
          value={action}
          onInput={(e) => setAction((e.target as HTMLInputElement).value.trim())}
        />
        <label>
          from{" "}
          <input
            id="audit-from"
            type="datetime-local"
            value={from}
            onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          to{" "}
          <input
            id="audit-to"
            type="datetime-local"
            value={to}
            onInput={(e) => setTo((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      {error ? <p class="error">{error}</p> : null}
      <table class="audit">
        <thead>
          <tr>
            <th>when</th>
            <th>who</th>
            <th>what</th>
            <th>subject</th>
            <th>reason</th>
            <th>before → after</th>
            <th>outcome</th>
          </tr>
        </thead>
        <tbody id="audit-rows">
          {entries.map((e) => (
            <tr key={e.id} data-action={e.action} data-actor={e.actor}>
              <td>{formatTime(e.at)}</td>
              <td>{e.actor}</td>
              <td>{e.action}</td>
              <td>{e.subject ?? ""}</td>
              <td class="reason">{e.reason ?? ""}</td>
              <td class="diff">{diff(e.before, e.after)}</td>
              <td class={`outcome-${e.outcome}`}>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length ? null : <p class="muted">Nothing matches.</p>}
    </Card>
  );
}

/** The fields that changed, `field: before → after`. */
function diff(before: unknown, after: unknown): string {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  const show = (
    v: unknown,
  ) => (v === undefined || v === null
    ? "—"
    : typeof v === "object"
    ? JSON.stringify(v)
    : String(v));
  return keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => `${k}: ${show(b[k])} → ${show(a[k])}`)
    .join("; ");
}
