/** @jsxImportSource preact */
/**
 * Scenes: edit a scene file (its JSON: background, quadrants with their
 * widgets, padding and z-order, overlay), checked by the engine's scene schema
 * with the field named, previewed as the real compositor draws it (the sample
 * show at a phase), saved as the file the engine reads (admins, with a reason,
 * audited), and the last save undone.
 */
import { useState } from "preact/hooks";
import { Card, may, useApp, useLoad } from "./ui.tsx";

export function ScenesPage() {
  const { conn, me } = useApp();
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [phase, setPhase] = useState("auction");
  const [png, setPng] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [canUndo, setCanUndo] = useState(false);
  const [busy, setBusy] = useState(false);
  const open = (n: string) =>
    conn.request<{ scene: unknown; canUndo: boolean }>("GetScene", { name: n }).then((r) => {
      setName(n);
      setText(JSON.stringify(r.scene, null, 2));
      setCanUndo(r.canUndo);
      setPng(null);
      setProblems([]);
    });
  useLoad(() => {
    conn.request<{ scenes: string[] }>("ListScenes", {}, true).then((r) => {
      setNames(r.scenes);
      if (!name && r.scenes.length) void open(r.scenes.includes("live") ? "live" : r.scenes[0]);
    });
  });
  const parsed = (): Record<string, unknown> | null => {
    try {
      const v = JSON.parse(text);
      if (v && typeof v === "object" && !Array.isArray(v)) return v;
      setProblems(["scene: the file must be one JSON object"]);
    } catch (e) {
      setProblems([`scene: not JSON: ${(e as Error).message}`]);
    }
    return null;
  };
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setNotice(null);
    try {
      await work();
    } catch (e) {
      setNotice((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const preview = () =>
    act(async () => {
      const scene = parsed();
      if (!scene) return;
      const r = await conn.request<{ problems: string[]; png: string | null }>(
        "PreviewScene",
        { name, scene, phase },
      );
      setProblems(r.problems);
      setPng(r.png);
    });
  const save = () =>
    act(async () => {
      const scene = parsed();
      if (!scene) return;
      const r = await conn.request<{ show: string }>("SaveScene", { name, scene, reason });
      setNotice(`Saved ${name}.json: ${r.show}.`);
      setReason("");
      setCanUndo(true);
    });
  const undo = () =>
    act(async () => {
      const r = await conn.request<{ scene: unknown; show: string }>("UndoScene", { name, reason });
      setText(JSON.stringify(r.scene, null, 2));
      setNotice(`Undid the last save of ${name}.json: ${r.show}.`);
      setReason("");
      setCanUndo(false);
    });
  return (
    <div class="page scenes">
      <div class="filters">
        <label>
          scene{" "}
          <select
            id="scene-pick"
            value={name}
            onChange={(e) => void open((e.target as HTMLSelectElement).value)}
          >
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <label>
          phase{" "}
          <select
            id="scene-phase"
            value={phase}
            onChange={(e) => setPhase((e.target as HTMLSelectElement).value)}
          >
            {["pre-auction", "auction", "post-auction"].map((p) => <option key={p}>{p}</option>)}
          </select>
        </label>
      </div>
      <div class="grid-2">
        <Card title={`${name}.json`} id="scene-editor">
          <textarea
            id="scene-json"
            spellcheck={false}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
          {problems.length
            ? <ul class="error" id="scene-problems">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
            : null}
          <p class="row">
            {may(me, "operator")
              ? (
                <button type="button" id="scene-preview-button" disabled={busy} onClick={preview}>
                  Preview
                </button>
              )
              : null}
          </p>
          {may(me, "admin")
            ? (
              <p class="row">
                <input
                  id="scene-reason"
                  placeholder="why (for the audit log)"
                  value={reason}
                  onInput={(e) => setReason((e.target as HTMLInputElement).value)}
                />
                <button
                  type="button"
                  id="scene-save"
                  disabled={busy || reason.trim().length < 3}
                  onClick={save}
                >
                  Save
                </button>
                <button
                  type="button"
                  id="scene-undo"
                  disabled={busy || !canUndo || reason.trim().length < 3}
                  onClick={undo}
                >
                  Undo the last save
                </button>
              </p>
            )
            : null}
          {notice ? <p id="scene-notice">{notice}</p> : null}
        </Card>
        <Card title="Preview (the real compositor)" id="scene-preview-card">
          {png
            ? <img id="scene-preview" src={png} alt={`${name} at ${phase}`} />
            : <p class="muted">Preview to draw it.</p>}
        </Card>
      </div>
    </div>
  );
}
