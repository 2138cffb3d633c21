/** @jsxImportSource preact */
/**
 * Scenes: edit a scene file — as a form (the widget in each quadrant, z-order,
 * padding, background, overlay, transition) or as its JSON, the same object —
 * checked by the engine's scene schema
 * with the field named, previewed as the real compositor draws it (the sample
 * show at a phase), saved as the file the engine reads (admins, with a reason,
 * audited), and the last save undone.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { SceneForm } from "./scene_form.tsx";
import { Card, may, SaveUndo, useAction, useApp, useLoad } from "./ui.tsx";

/** The JSON text as a scene object, or the problem with it. */
function parseScene(text: string): { scene: Record<string, unknown> | null; problem?: string } {
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return { scene: v };
    return { scene: null, problem: "scene: the file must be one JSON object" };
  } catch (e) {
    return { scene: null, problem: `scene: not JSON: ${(e as Error).message}` };
  }
}

export function ScenesPage() {
  const { conn, me } = useApp();
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState("");
  const [text, setText] = useState("");
  const [phase, setPhase] = useState("auction");
  const [png, setPng] = useState<string | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [reason, setReason] = useState("");
  const [canUndo, setCanUndo] = useState(false);
  const { busy, notice, setNotice, act } = useAction();
  const [kinds, setKinds] = useState<string[]>([]);
  const [assets, setAssets] = useState<string[]>([]);
  const [tab, setTab] = useState<"form" | "json">("form");
  useEffect(() => {
    fetch("/admin/api/assets").then((r) => r.json()).then((j) =>
      j.ok && setAssets(j.assets.map((a: { path: string }) => a.path))
    ).catch(() => {});
  }, []);
  const open = (n: string) =>
    conn.request<{ scene: unknown; canUndo: boolean }>("GetScene", { name: n }).then((r) => {
      setName(n);
      setText(JSON.stringify(r.scene, null, 2));
      setCanUndo(r.canUndo);
      setPng(null);
      setProblems([]);
    });
  useLoad(() => {
    conn.request<{ scenes: string[]; widgets: string[] }>("ListScenes", {}, true).then((r) => {
      setNames(r.scenes);
      setKinds(r.widgets);
      if (!name && r.scenes.length) void open(r.scenes.includes("live") ? "live" : r.scenes[0]);
    });
  });
  const parsed = () => {
    const r = parseScene(text);
    if (r.problem) setProblems([r.problem]);
    return r.scene;
  };
  const formScene = parseScene(text).scene;
  const fromForm = (next: Record<string, unknown>) => {
    setText(JSON.stringify(next, null, 2));
    conn.request<{ problems: string[] }>("CheckScene", { scene: next }).then(
      (r) => setProblems(r.problems),
      (e) => setProblems([e.message]),
    );
  };
  const preview = () =>
    act("preview", async () => {
      const scene = parsed();
      if (!scene) return;
      setPng(null);
      const r = await conn.request<{ problems: string[]; png: string | null }>(
        "PreviewScene",
        { name, scene, phase },
      );
      setProblems(r.problems);
      setPng(r.png);
    });
  const save = () =>
    act("save", async () => {
      const scene = parsed();
      if (!scene) return;
      const r = await conn.request<{ show: string }>("SaveScene", { name, scene, reason });
      setNotice(`Saved ${name}.json: ${r.show}.`);
      setReason("");
      setCanUndo(true);
    });
  const undo = () =>
    act("undo", async () => {
      const r = await conn.request<{ scene: unknown; show: string }>("UndoScene", { name, reason });
      setText(JSON.stringify(r.scene, null, 2));
      setNotice(`Undid the last save of ${name}.json: ${r.show}.`);
      setReason("");
      setCanUndo(false);
    });
  return (
    <div class="page scenes">
      <ScenePicker
        names={names}
        name={name}
        open={(n) => void open(n)}
        phase={phase}
        setPhase={setPhase}
      />
      <div class="grid-2">
        <Card title={`${name}.json`} id="scene-editor">
          <SceneEditor
            tab={tab}
            setTab={setTab}
            text={text}
            setText={setText}
            form={formScene
              ? (
                <SceneForm
                  scene={formScene}
                  kinds={kinds}
                  assets={assets}
                  problems={problems}
                  onChange={fromForm}
                />
              )
              : null}
          />
          {problems.length
            ? <ul class="error" id="scene-problems">{problems.map((p) => <li key={p}>{p}</li>)}</ul>
            : null}
          <p class="row">
            {may(me, "operator")
              ? (
                <button type="button" id="scene-preview-button" disabled={!!busy} onClick={preview}>
                  Preview
                </button>
              )
              : null}
          </p>
          {may(me, "admin")
            ? (
              <SaveUndo
                id="scene"
                reason={reason}
                setReason={setReason}
                busy={!!busy}
                canUndo={canUndo}
                save={save}
                undo={undo}
              />
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

/** Which scene to edit, and at which phase the preview draws it. */
function ScenePicker(
  props: {
    names: string[];
    name: string;
    open(name: string): void;
    phase: string;
    setPhase(phase: string): void;
  },
) {
  const { names, name, phase, setPhase } = props;
  return (
    <div class="filters">
      <label>
        scene{" "}
        <select
          id="scene-pick"
          value={name}
          onChange={(e) => props.open((e.target as HTMLSelectElement).value)}
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
  );
}

/** The scene as a form (`form`, null while the JSON does not parse) or as its JSON text. */
function SceneEditor(
  props: {
    tab: "form" | "json";
    setTab(tab: "form" | "json"): void;
    text: string;
    setText(text: string): void;
    form: JSX.Element | null;
  },
) {
  const { tab, setTab, text, setText, form } = props;
  return (
    <>
      <p class="row tabs">
        <button
          type="button"
          id="scene-tab-form"
          class={tab === "form" ? "active" : ""}
          onClick={() => setTab("form")}
        >
          Form
        </button>
        <button
          type="button"
          id="scene-tab-json"
          class={tab === "json" ? "active" : ""}
          onClick={() => setTab("json")}
        >
          JSON
        </button>
      </p>
      {tab === "form"
        ? form ?? <p class="error">The JSON does not parse: fix it in the JSON tab.</p>
        : (
          <textarea
            id="scene-json"
            spellcheck={false}
            value={text}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
        )}
    </>
  );
}
