/** @jsxImportSource preact */
/**
 * Shared pieces of the panel: the app context (connection, account), hooks
 * for events and requests, formatting (wei as ETH, New York times), and the
 * confirmation dialog every control goes through.
 */
import { type ComponentChildren, createContext } from "preact";
import { useContext, useEffect, useRef, useState } from "preact/hooks";
import type { Subscription } from "../protocol.ts";
import type { Connection, Status } from "./connection.ts";

export type Role = "viewer" | "operator" | "admin";
export interface Me {
  name: string;
  role: Role;
  csrf: string;
}

export const AppContext = createContext<{ conn: Connection; me: Me } | null>(null);
export const useApp = () => useContext(AppContext)!;

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
/** What the UI hides; the server checks every request itself. */
export const may = (me: Me, needs: Role) => RANK[me.role] >= RANK[needs];

export function useStatus(): Status {
  const { conn } = useApp();
  const [status, setStatus] = useState(conn.status());
  useEffect(() => {
    const off = conn.onStatus(setStatus);
    // The socket may have identified between the first render and this effect.
    setStatus(conn.status());
    return off;
  }, [conn]);
  return status;
}

export function useSubscriptions(subs: Subscription[]) {
  const { conn } = useApp();
  useEffect(() => conn.subscribe(subs), [conn, subs.join()]);
}

export function useEvent(type: string, fn: (data: never) => void) {
  const { conn } = useApp();
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => conn.on(type, (d) => ref.current(d as never)), [conn, type]);
}

/** Runs `load` on every (re)identification and whenever `deps` change. */
export function useLoad(load: () => void, deps: unknown[] = []) {
  const status = useStatus();
  const since = status.kind === "identified" ? status.since : 0;
  useEffect(() => {
    if (since) load();
  }, [since, ...deps]);
}

/** A clock that ticks every `ms`, for countdowns. */
export function useNow(ms = 1000): number {
  const { conn } = useApp();
  const [now, setNow] = useState(Date.now() + conn.clockOffset());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now() + conn.clockOffset()), ms);
    return () => clearInterval(t);
  }, [conn, ms]);
  return now;
}

export function formatEth(wei: string | null | undefined): string {
  if (wei === null || wei === undefined) return "—";
  const v = BigInt(wei);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "").slice(0, 6);
  return `${whole}${frac ? `.${frac}` : ""} ETH`;
}

const NY = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const NY_DAY = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  month: "short",
  day: "numeric",
});
export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  const d = new Date(iso);
  return `${NY_DAY.format(d)} ${NY.format(d)}`;
}

export function formatDuration(ms: number): string {
  if (ms <= 0) return "0:00";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function Card(props: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" id={props.id}>
      <h2>{props.title}</h2>
      {props.children}
    </section>
  );
}

export interface ConfirmSpec {
  title: string;
  /** What will change, shown before the operator confirms. */
  changes?: Array<[string, string, string]>;
  note?: string;
  /** Error shown instead of a confirm button (e.g. the dry run was refused). */
  refused?: string;
  reason: "required" | "optional";
  confirm: string;
  run(reason: string): Promise<unknown>;
}

/** The confirmation every control goes through: what will change, a reason, then confirm. */
export function ConfirmDialog(props: { spec: ConfirmSpec; onClose(): void }) {
  const { spec } = props;
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const missing = spec.reason === "required" && reason.trim().length < 3;
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await spec.run(reason.trim());
      props.onClose();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
      <div class="dialog">
        <h3 id="confirm-title">{spec.title}</h3>
        {spec.changes?.length
          ? (
            <table class="changes">
              <thead>
                <tr>
                  <th>field</th>
                  <th>now</th>
                  <th>after</th>
                </tr>
              </thead>
              <tbody>
                {spec.changes.map(([field, before, after]) => (
                  <tr key={field}>
                    <td>{field}</td>
                    <td>{before}</td>
                    <td class="after">{after}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
          : null}
        {spec.note ? <p class="note">{spec.note}</p> : null}
        {spec.refused ? <p class="error" role="alert">{spec.refused}</p> : (
          <label>
            Reason{spec.reason === "required" ? " (required)" : " (optional)"}
            <textarea
              id="confirm-reason"
              rows={2}
              maxLength={500}
              value={reason}
              onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
            />
          </label>
        )}
        {error ? <p class="error" role="alert" id="confirm-error">{error}</p> : null}
        <div class="buttons">
          <button type="button" onClick={props.onClose}>Cancel</button>
          {spec.refused ? null : (
            <button
              type="button"
              id="confirm-go"
              class="danger"
              disabled={busy || missing}
              onClick={go}
            >
              {spec.confirm}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

/** The fields that differ between two snapshots, formatted. */
export function snapshotChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Array<[string, string, string]> {
  const show = (k: string, v: unknown): string => {
    if (v === null || v === undefined) return "—";
    if (k.endsWith("Wei")) return formatEth(String(v));
    if (k.endsWith("At")) return formatTime(String(v));
    if (typeof v === "object") {
      const o = v as { handle?: string; amountWei?: string };
      return o.handle ? `${o.handle} ${formatEth(o.amountWei)}` : JSON.stringify(v);
    }
    return String(v);
  };
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => [k, show(k, before[k]), show(k, after[k])]);
}

/** A labelled input for the field at `field` (a dotted path), marked when a problem names it. */
export function Field(
  props: {
    field: string;
    label: string;
    value: unknown;
    bad: Set<string>;
    onInput(v: string): void;
    type?: "text" | "date" | "time" | "number";
    /** A textarea (one entry a line). */
    lines?: boolean;
  },
) {
  const common = {
    id: `f-${props.field.replaceAll(".", "-")}`,
    "data-field": props.field,
    value: props.value === undefined ? "" : String(props.value),
    "aria-invalid": props.bad.has(props.field) ? "true" as const : undefined,
    onInput: (e: Event) => props.onInput((e.target as HTMLInputElement).value),
  };
  return (
    <label class="field">
      {props.label}
      {props.lines
        ? <textarea rows={4} {...common} />
        : <input {...({ type: props.type ?? "text" } as Record<string, string>)} {...common} />}
    </label>
  );
}

/** A copy of `obj` with the dotted `path` set to `value` (removed when empty). */
export function withField<T extends Record<string, unknown>>(
  obj: T,
  path: string,
  value: unknown,
): T {
  const next = structuredClone(obj);
  const keys = path.split(".");
  let at = next as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) {
    if (!at[k] || typeof at[k] !== "object") at[k] = {};
    at = at[k] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === "" || value === undefined) delete at[last];
  else at[last] = value;
  return next;
}

/** One action at a time: `busy` names the one running; its failure becomes the notice. */
export function useAction() {
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const act = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setNotice((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  return { busy, notice, setNotice, act };
}

/**
 * An admin's save and undo of a file the engine reads, with the reason the audit log keeps
 * (at least 3 characters). `id` prefixes the controls' ids: `<id>-reason`, `-save`, `-undo`.
 */
export function SaveUndo(props: {
  id: string;
  reason: string;
  setReason(reason: string): void;
  busy: boolean;
  /** Why save is refused now (problems in the edit), besides a missing reason. */
  blocked?: boolean;
  canUndo: boolean;
  save(): void;
  undo(): void;
}) {
  const short = props.reason.trim().length < 3;
  return (
    <p class="row">
      <input
        id={`${props.id}-reason`}
        placeholder="why (for the audit log)"
        value={props.reason}
        onInput={(e) => props.setReason((e.target as HTMLInputElement).value)}
      />
      <button
        type="button"
        id={`${props.id}-save`}
        disabled={props.busy || !!props.blocked || short}
        onClick={props.save}
      >
        Save
      </button>
      <button
        type="button"
        id={`${props.id}-undo`}
        disabled={props.busy || !props.canUndo || short}
        onClick={props.undo}
      >
        Undo the last save
      </button>
    </p>
  );
}
