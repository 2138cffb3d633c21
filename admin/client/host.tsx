/** @jsxImportSource preact */
/**
 * Host: edit the character (the file the engine reads), every change checked
 * by the host's own schema with the field named and marked; hear a line in the
 * edited voice (espeak-ng through the voice plugin, off air); save (admins,
 * with a reason, audited; the running host speaks with it at once) and undo;
 * and the recent transcript, each line beside what it was grounded on.
 */
import { useState } from "preact/hooks";
import type { TranscriptLine } from "../../plugins/host/mod.ts";
import {
  Card,
  Field,
  formatEth,
  formatTime,
  may,
  SaveUndo,
  useAction,
  useApp,
  useLoad,
  withField,
} from "./ui.tsx";

type Input = Record<string, unknown>;
type Grounds = TranscriptLine["grounds"];
type Line = TranscriptLine;

/** Fields edited as one entry a line (arrays of text). */
const LISTS: Array<[string, string]> = [
  ["catchphrases", "catchphrases (no digits)"],
  ["idleTopics", "idle topics (no digits)"],
  ["examples.stream", "example lines on stream"],
  ["examples.tweets", "example tweets"],
  ["style.use", "words to use"],
  ["style.avoid", "words to avoid"],
];
const TEXTS: Array<[string, string]> = [
  ["name", "name"],
  ["bio", "bio"],
  ["style.tone", "tone"],
  ["voice.name", "espeak-ng voice"],
  ["avatar.idle", "avatar: idle"],
  ["avatar.talking", "avatar: talking"],
  ["avatar.excited", "avatar: excited"],
];
const NUMBERS: Array<[string, string]> = [["voice.speed", "speed (words/min)"], [
  "voice.pitch",
  "pitch (0–99)",
]];

const at = (o: Input, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Input | undefined)?.[k], o);

function groundsText(g: Grounds | null): string {
  if (!g) return "not kept (before the record began)";
  const l = g.lot;
  const lot = l
    ? `${l.item} ${l.status}, ${l.priceWei ? formatEth(l.priceWei) : "no bids"}${
      l.leader ? ` by ${l.leader}` : ""
    }, ${l.bids} bids, ${l.extensions} ext., ends ${
      l.endsAt.slice(11, 16)
    } (${l.secondsLeft} s left)`
    : "no lot";
  return `v${g.version}: ${lot}${
    g.campaign ? ` · ${g.campaign.name} day ${g.campaign.day}/${g.campaign.days}` : ""
  }`;
}

export function HostPage() {
  const { conn, me } = useApp();
  const [c, setC] = useState<Input>({});
  const [file, setFile] = useState("");
  const [speaking, setSpeaking] = useState("");
  const [canUndo, setCanUndo] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const [reason, setReason] = useState("");
  const [line, setLine] = useState("");
  const [wav, setWav] = useState<string | null>(null);
  const [lines, setLines] = useState<Line[]>([]);
  const { busy, notice, setNotice, act } = useAction();

  const loadTranscript = () =>
    conn.request<{ lines: Line[] }>("GetTranscript", { limit: 50 }, true).then((r) =>
      setLines(r.lines)
    );
  const load = () =>
    conn.request<{ file: string; character: Input; canUndo: boolean; speaking: string }>(
      "GetHost",
      {},
      true,
    ).then((r) => {
      setC(r.character);
      setFile(r.file);
      setCanUndo(r.canUndo);
      setSpeaking(r.speaking);
      setProblems([]);
      const first = (r.character.catchphrases as string[] | undefined)?.[0];
      if (!line && first) setLine(first);
    });
  useLoad(() => void Promise.all([load(), loadTranscript()]));

  const edit = (next: Input) => {
    setC(next);
    setNotice(null);
    conn.request<{ problems: string[] }>("CheckCharacter", { character: next }).then(
      (r) => setProblems(r.problems),
      (e) => setProblems([e.message]),
    );
  };
  const set = (path: string, value: unknown) => edit(withField(c, path, value));
  const bad = new Set(problems.map((p) => p.replace(/^character\./, "").split(":")[0]));
  const hear = () =>
    act("hear", async () => {
      const r = await conn.request<{ wav: string }>("SpeakTestLine", {
        text: line,
        voice: c.voice,
      });
      setWav(r.wav);
    });
  const save = () =>
    act("save", async () => {
      const r = await conn.request<{ saved: string }>("SaveCharacter", { character: c, reason });
      setNotice(`Saved: the host speaks as ${r.saved} now.`);
      setReason("");
      await load();
    });
  const undo = () =>
    act("undo", async () => {
      await conn.request("UndoCharacter", { reason });
      setReason("");
      await load();
      setNotice("Undid the last save.");
    });

  return (
    <div class="page host">
      <div class="grid-2">
        <Card title={`Character (${file})`} id="host-character">
          <p class="muted">
            On air now: <b id="host-speaking">{speaking}</b>. Saved to{" "}
            <code id="host-file">{file}</code>.
          </p>
          <CharacterFields c={c} bad={bad} set={set} />
          {problems.length
            ? <ul class="error" id="host-problems">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
            : null}
          {may(me, "admin")
            ? (
              <SaveUndo
                id="host"
                reason={reason}
                setReason={setReason}
                busy={!!busy}
                blocked={!!problems.length}
                canUndo={canUndo}
                save={save}
                undo={undo}
              />
            )
            : null}
          {notice ? <p id="host-notice">{notice}</p> : null}
        </Card>
        <div>
          <HearCard
            line={line}
            setLine={setLine}
            wav={wav}
            mayHear={may(me, "operator")}
            blocked={!!busy || !line.trim() || bad.has("voice.name") ||
              bad.has("voice.speed") || bad.has("voice.pitch")}
            hear={hear}
          />
          <TranscriptCard lines={lines} reload={loadTranscript} />
        </div>
      </div>
    </div>
  );
}

/** The character's own fields: texts, numbers, and lists edited one entry a line. */
function CharacterFields(
  props: { c: Input; bad: Set<string>; set: (path: string, value: unknown) => void },
) {
  const { c, bad, set } = props;
  return (
    <div class="form-grid">
      {TEXTS.map(([f, label]) => (
        <Field
          key={f}
          field={f}
          label={label}
          value={at(c, f)}
          bad={bad}
          lines={f === "bio"}
          onInput={(v) => set(f, v)}
        />
      ))}
      {NUMBERS.map(([f, label]) => (
        <Field
          key={f}
          field={f}
          label={label}
          type="number"
          value={at(c, f)}
          bad={bad}
          onInput={(v) => set(f, v.trim() === "" ? undefined : Number(v))}
        />
      ))}
      {LISTS.map(([f, label]) => (
        <Field
          key={f}
          field={f}
          label={label}
          lines
          value={((at(c, f) as string[] | undefined) ?? []).join("\n")}
          bad={new Set([...bad].map((b) => b.replace(/\.\d+$/, "")))}
          onInput={(v) => set(f, v.split("\n"))}
        />
      ))}
    </div>
  );
}

/** A test line in the edited voice, spoken off air. */
function HearCard(
  props: {
    line: string;
    setLine(line: string): void;
    wav: string | null;
    mayHear: boolean;
    blocked: boolean;
    hear(): void;
  },
) {
  const { line, setLine, wav } = props;
  return (
    <Card title="Hear a test line (off air)" id="host-hear">
      <p class="row">
        <input
          id="host-line"
          value={line}
          maxLength={300}
          onInput={(e) => setLine((e.target as HTMLInputElement).value)}
        />
        {props.mayHear
          ? (
            <button
              type="button"
              id="host-hear-button"
              disabled={props.blocked}
              onClick={props.hear}
            >
              Hear it
            </button>
          )
          : null}
      </p>
      <p class="muted">
        Spoken by espeak-ng in the voice above (saved or not), as the show would say it.
      </p>
      {wav ? <audio id="host-audio" controls autoplay src={wav} /> : null}
    </Card>
  );
}

/** The recent lines, each beside the facts it was grounded on. */
function TranscriptCard(props: { lines: Line[]; reload(): void }) {
  const { lines } = props;
  return (
    <Card title="Transcript (newest first)" id="host-transcript">
      <p class="row">
        <button type="button" id="host-transcript-reload" onClick={props.reload}>
          Reload
        </button>
      </p>
      {lines.length
        ? (
          <table>
            <thead>
              <tr>
                <th>time</th>
                <th>line</th>
                <th>grounded on</th>
              </tr>
            </thead>
            <tbody>
              {lines.map((l) => (
                <tr key={l.id} data-outcome={l.outcome} data-version={l.version}>
                  <td>{formatTime(l.at)}</td>
                  <td>
                    <span class={l.outcome === "said" ? "" : "muted"}>
                      {l.outcome} · {l.kind} · {l.source}
                    </span>
                    <br />
                    {l.text}
                    {l.reason ? <div class="error">{l.reason}</div> : null}
                  </td>
                  <td class="grounds">{groundsText(l.grounds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : <p class="muted">The host has not said anything yet.</p>}
    </Card>
  );
}
