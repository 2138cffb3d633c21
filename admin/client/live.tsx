/** @jsxImportSource preact */
/**
 * Live: the program as it goes out (preview frames while this page is open),
 * stream health over the last minutes with OBS's thresholds, the program
 * audio's level, and the controls: go live / stop, the slate and back, a
 * transition to a scene. Each control is confirmed; the slate needs a reason.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { PreviewHeader } from "../protocol.ts";
import type { StreamStats as Stats } from "../../plugins/stream/mod.ts";
import type { WidgetStat } from "../../plugins/compositor/mod.ts";
import { type Level, Spark } from "./chart.tsx";
import {
  Card,
  ConfirmDialog,
  type ConfirmSpec,
  formatTime,
  may,
  useApp,
  useEvent,
  useLoad,
  useSubscriptions,
} from "./ui.tsx";

type StreamStats = Stats & {
  at: number;
  scene: string | null;
  widgets?: Record<string, WidgetStat>;
};

interface Show {
  scene: string | null;
  scenes: string[];
  slate: { backTo: string; since: string; by: string; reason: string } | null;
  stream: { unavailable: string | null; status: string } | null;
}

const HISTORY = 300;

/** OBS: more than 5 % of frames missed is an error, more than 1 % a warning. */
const percentLevel = (p: number): Level => p > 5 ? "error" : p > 1 ? "warning" : "";

export function LivePage() {
  const { conn } = useApp();
  useSubscriptions(["show", "stats", "audio", "preview"]);
  const [show, setShow] = useState<Show | null>(null);
  const [stats, setStats] = useState<StreamStats[]>([]);
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);

  useLoad(() => {
    conn.request<{ show: Show; stats: StreamStats[] }>("GetShow", {}, true).then((r) => {
      setShow(r.show);
      setStats(r.stats.slice(-HISTORY));
    });
  });
  useEvent("ShowChanged", (s: Show) => setShow(s));
  useEvent("StreamStats", (s: StreamStats) => {
    setStats((all) => [...all.slice(-(HISTORY - 1)), s]);
    setShow((sh) =>
      sh && sh.stream ? { ...sh, scene: s.scene, stream: { ...sh.stream, status: s.status } } : sh
    );
  });

  return (
    <div class="page live">
      <div class="grid-2">
        <Card title="Program" id="program-card">
          <Program />
          <p class="muted">
            Scene <b id="scene">{show?.scene ?? "—"}</b>
            {show?.slate
              ? ` · slate by ${show.slate.by} at ${
                formatTime(show.slate.since)
              }: ${show.slate.reason}`
              : ""}
          </p>
        </Card>
        <Controls show={show} onShow={setShow} confirm={setConfirm} />
      </div>
      <Card title="Stream health" id="health">
        <Health stats={stats} />
      </Card>
      {confirm ? <ConfirmDialog spec={confirm} onClose={() => setConfirm(null)} /> : null}
    </div>
  );
}

/** Go live / stop, the slate and back, a transition: each confirmed, the slate with a reason. */
function Controls(props: {
  show: Show | null;
  onShow(show: Show): void;
  confirm(spec: ConfirmSpec): void;
}) {
  const { conn, me } = useApp();
  const { show } = props;
  const setConfirm = props.confirm;
  const operator = may(me, "operator");
  const run = (type: string, data: Record<string, unknown> = {}) => (reason: string) =>
    conn.request(type, { ...data, reason: reason || undefined }).then((r) =>
      props.onShow(r as never)
    );
  const onSlate = show?.scene === "slate";
  const [scene, setScene] = useState("live");
  const [kind, setKind] = useState<"cut" | "fade" | "slide">("fade");
  const [ms, setMs] = useState(600);
  return (
    <Card title="Controls" id="controls">
      <p>
        Stream{" "}
        <b id="stream-status" class={`status-${show?.stream?.status}`}>
          {show?.stream?.status ?? "no stream plugin"}
        </b>
        {show?.stream?.unavailable ? <span class="muted">({show.stream.unavailable})</span> : null}
      </p>
      {operator
        ? (
          <div class="buttons">
            <button
              type="button"
              id="go-live"
              disabled={!show?.stream || !!show.stream.unavailable ||
                show.stream.status === "live" || show.stream.status === "reconnecting"}
              onClick={() =>
                setConfirm({
                  title: "Go live?",
                  note: "ffmpeg starts and the program goes out to the ingest.",
                  reason: "optional",
                  confirm: "Go live",
                  run: run("GoLive"),
                })}
            >
              Go live
            </button>
            <button
              type="button"
              id="stop-stream"
              class="danger"
              disabled={!show?.stream || show.stream.status === "off" ||
                show.stream.status === "preview-only"}
              onClick={() =>
                setConfirm({
                  title: "Stop the stream?",
                  note: "Viewers on X see the stream end.",
                  reason: "optional",
                  confirm: "Stop the stream",
                  run: run("StopStream"),
                })}
            >
              Stop stream
            </button>
            {onSlate
              ? (
                <button
                  type="button"
                  id="leave-slate"
                  onClick={() =>
                    setConfirm({
                      title: "Back from the slate?",
                      changes: [["scene", "slate", show?.slate?.backTo ?? "live"]],
                      reason: "required",
                      confirm: "Back to the show",
                      run: run("LeaveSlate"),
                    })}
                >
                  Back from slate
                </button>
              )
              : (
                <button
                  type="button"
                  id="show-slate"
                  class="danger"
                  onClick={() =>
                    setConfirm({
                      title: "Switch to the slate?",
                      changes: [["scene", show?.scene ?? "—", "slate"]],
                      note: "Viewers see the technical-difficulties slate until you come back.",
                      reason: "required",
                      confirm: "Show the slate",
                      run: run("ShowSlate"),
                    })}
                >
                  Slate
                </button>
              )}
          </div>
        )
        : <p class="muted" id="read-only">Your role ({me.role}) can watch, not run the show.</p>}
      {operator
        ? (
          <div class="transition">
            <select
              id="transition-scene"
              value={scene}
              onChange={(e) => setScene((e.target as HTMLSelectElement).value)}
            >
              {(show?.scenes ?? []).map((s) => <option key={s} value={s}>{s}</option>)}
            </select>
            <select
              id="transition-kind"
              value={kind}
              onChange={(e) => setKind((e.target as HTMLSelectElement).value as never)}
            >
              <option value="cut">cut</option>
              <option value="fade">fade</option>
              <option value="slide">slide</option>
            </select>
            <input
              id="transition-ms"
              type="number"
              min={0}
              max={5000}
              step={100}
              value={ms}
              onInput={(e) => setMs(Number((e.target as HTMLInputElement).value))}
            />
            <span class="muted">ms</span>
            <button
              type="button"
              id="run-transition"
              onClick={() =>
                setConfirm({
                  title: `Transition to ${scene}?`,
                  changes: [["scene", show?.scene ?? "—", `${scene} (${kind}, ${ms} ms)`]],
                  reason: "optional",
                  confirm: "Transition",
                  run: run("RunTransition", { scene, kind, ms }),
                })}
            >
              Transition
            </button>
          </div>
        )
        : null}
      <AudioMeter />
    </Card>
  );
}

/** The program feed: each preview frame replaces the last; stale after 2 s without one. */
function Program() {
  const { conn } = useApp();
  const img = useRef<HTMLImageElement>(null);
  const [last, setLast] = useState<PreviewHeader | null>(null);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    let url: string | null = null;
    const off = conn.onPreview((header, blob) => {
      const next = URL.createObjectURL(blob);
      if (img.current) {
        img.current.src = next;
        img.current.dataset.index = String(header.index);
        img.current.dataset.at = String(header.at);
        img.current.dataset.shownAt = String(Date.now());
      }
      if (url) URL.revokeObjectURL(url);
      url = next;
      setLast(header);
    });
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      off();
      clearInterval(t);
      if (url) URL.revokeObjectURL(url);
    };
  }, [conn]);
  const stale = !last || now - last.at > 2000;
  return (
    <div class={`program ${stale ? "stale" : ""}`}>
      <img id="program" ref={img} alt="program preview" />
      {stale
        ? <div class="overlay">{last ? "no new frame for 2 s" : "waiting for frames…"}</div>
        : null}
    </div>
  );
}

function AudioMeter() {
  const [level, setLevel] = useState(0);
  useEvent("AudioLevel", (a: { level: number }) => setLevel(a.level));
  // The voice's level is RMS / 0.25 of full scale: back to dBFS for the meter.
  const db = level > 0 ? 20 * Math.log10(level * 0.25) : -Infinity;
  const fill = Math.max(0, Math.min(1, (db + 60) / 60));
  const levelClass = db > -9 ? "error" : db > -20 ? "warning" : "good";
  return (
    <div class="meter" id="audio-meter" title="program audio, dBFS (RMS)">
      <span>Audio</span>
      <div class="meter-bar">
        <div
          class={`meter-fill level-${levelClass}`}
          style={{ width: `${Math.round(fill * 100)}%` }}
        />
      </div>
      <b id="audio-db">{Number.isFinite(db) ? `${db.toFixed(0)} dB` : "silent"}</b>
    </div>
  );
}

function Health(props: { stats: StreamStats[] }) {
  const s = props.stats;
  const latest = s.at(-1);
  if (!latest) return <p class="muted">No stream health yet (it comes every second).</p>;
  const times = s.map((x) => x.at / 1000);
  const delta = (pick: (x: StreamStats) => number) =>
    s.map((x, i) => (i === 0 ? 0 : Math.max(0, pick(x) - pick(s[i - 1]))));
  const window = Math.min(s.length - 1, 60);
  const first = s[s.length - 1 - window];
  const rendered = latest.frames.rendered - first.frames.rendered;
  const pct = (n: number, of: number) => (of > 0 ? (n / of) * 100 : 0);
  const latePct = pct(
    latest.frames.late - first.frames.late,
    rendered + latest.frames.late - first.frames.late,
  );
  const droppedPct = pct(latest.frames.dropped - first.frames.dropped, rendered);
  const budget = 1000 / latest.targetFps;
  const live = latest.status === "live";
  return (
    <div>
      <div class="sparks">
        <Spark
          id="chart-fps"
          label="fps"
          unit={`/ ${latest.targetFps}`}
          times={times}
          values={s.map((x) => x.activeFps)}
          level={latest.activeFps < 0.95 * latest.targetFps ? "warning" : "good"}
        />
        <Spark
          id="chart-render"
          label="render (avg)"
          unit="ms"
          digits={1}
          times={times}
          values={s.map((x) => x.renderMs.avg)}
          level={latest.renderMs.avg > budget
            ? "error"
            : latest.renderMs.avg > 0.75 * budget
            ? "warning"
            : ""}
        />
        <Spark
          id="chart-bitrate"
          label="bitrate"
          unit="kb/s"
          times={times}
          values={s.map((x) => x.outputKbps)}
          level={live ? (latest.outputKbps > 0 ? "good" : "error") : ""}
        />
        <Spark
          id="chart-late"
          label={`skipped (render lag) ${latePct.toFixed(1)} %`}
          unit="/s"
          times={times}
          values={delta((x) => x.frames.late)}
          level={percentLevel(latePct)}
        />
        <Spark
          id="chart-dropped"
          label={`dropped ${droppedPct.toFixed(1)} %`}
          unit="/s"
          times={times}
          values={delta((x) => x.frames.dropped)}
          level={percentLevel(droppedPct)}
        />
        <Spark
          id="chart-congestion"
          label="congestion"
          unit=""
          digits={2}
          times={times}
          values={s.map((x) => x.congestion)}
          level={latest.congestion > 0.5 ? "error" : latest.congestion > 0.1 ? "warning" : ""}
        />
        <Spark
          id="chart-restarts"
          label="ffmpeg restarts"
          unit=""
          times={times}
          values={s.map((x) => x.restarts)}
          level={latest.status === "reconnecting"
            ? "error"
            : latest.restarts > first.restarts
            ? "warning"
            : ""}
        />
      </div>
      <WidgetTimes widgets={latest.widgets} />
      {latest.warnings.length
        ? (
          <ul class="warnings" id="stream-warnings">
            {latest.warnings.map((w) => <li key={w}>{w}</li>)}
          </ul>
        )
        : null}
    </div>
  );
}

/** Each widget's draw time in a frame (its last 300 frames) against its budget. */
function WidgetTimes(props: { widgets?: Record<string, WidgetStat> }) {
  const rows = Object.entries(props.widgets ?? {});
  if (!rows.length) return null;
  return (
    <table class="widget-times" id="widget-times">
      <thead>
        <tr>
          <th>widget</th>
          <th>mean ms</th>
          <th>p99 ms</th>
          <th>budget ms</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([kind, w]) => (
          <tr key={kind} class={w.overBudget ? "level-error" : ""}>
            <td>{kind}</td>
            <td>{w.meanMs.toFixed(2)}</td>
            <td>{w.p99Ms.toFixed(2)}</td>
            <td>{w.budgetMs.toFixed(1)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
