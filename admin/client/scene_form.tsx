/** @jsxImportSource preact */
/**
 * The scene as a form, beside its JSON: the background (a colour, a gradient
 * or an uploaded image), each quadrant's bounds, padding and widgets (kind,
 * place, z-order, props), the overlay's widgets and the transition. It edits
 * the same object the JSON editor shows; the engine's schema checks both, so
 * a value the form cannot express is left as it is in the JSON.
 */
import { Field, withField } from "./ui.tsx";

type Obj = Record<string, unknown>;
const QUADRANTS = ["topLeft", "topRight", "bottomLeft", "bottomRight"] as const;

const numbers = (v: string) => v.split(/[\s,]+/).filter(Boolean).map(Number);
const stopsText = (stops: unknown) =>
  Array.isArray(stops) ? stops.map((s) => (Array.isArray(s) ? s.join(" ") : "")).join(", ") : "";
const stopsOf = (v: string) =>
  v.split(",").map((s) => s.trim().split(/\s+/)).filter((s) => s.length === 2)
    .map(([at, color]) => [Number(at), color]);

function Items(
  props: {
    path: string;
    items: Obj[];
    kinds: string[];
    bad: Set<string>;
    set(path: string, v: unknown): void;
  },
) {
  const { path, items, kinds, bad, set } = props;
  return (
    <div class="scene-items">
      {items.map((item, i) => {
        const p = `${path}.${i}`;
        const kind = String(item.widget ?? "");
        return (
          <div class="form-grid scene-item" key={p} data-item={p}>
            <label class="field">
              widget
              <select
                id={`f-${p.replaceAll(".", "-")}-widget`}
                value={kind}
                onChange={(e) => set(`${p}.widget`, (e.target as HTMLSelectElement).value)}
              >
                {[...new Set([kind, ...kinds])].filter(Boolean).map((k) => (
                  <option key={k} value={k}>{k}</option>
                ))}
              </select>
            </label>
            <Field
              field={`${p}.z`}
              label="z-order"
              type="number"
              value={item.z}
              bad={bad}
              onInput={(v) => set(`${p}.z`, v === "" ? undefined : Number(v))}
            />
            <Field
              field={`${p}.at`}
              label="x y width height (fractions)"
              value={(item.at as number[] | undefined)?.join(" ")}
              bad={bad}
              onInput={(v) => set(`${p}.at`, v.trim() ? numbers(v) : undefined)}
            />
            <Field
              field={`${p}.props`}
              label="props (JSON)"
              value={JSON.stringify(item.props ?? {})}
              bad={bad}
              onInput={(v) => {
                try {
                  set(`${p}.props`, JSON.parse(v));
                } catch { /* kept until it parses */ }
              }}
            />
            <button
              type="button"
              class="item-remove"
              onClick={() => set(path, items.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        );
      })}
      <button
        type="button"
        class="item-add"
        data-to={path}
        onClick={() => set(path, [...items, { widget: kinds[0] ?? "text", z: items.length }])}
      >
        Add a widget
      </button>
    </div>
  );
}

type SetField = (path: string, v: unknown) => void;
const numberOrNone = (v: string) => (v === "" ? undefined : Number(v));

/** The background: its kind, then the kind's own fields. */
function BackgroundFields(props: { bg: Obj; assets: string[]; bad: Set<string>; set: SetField }) {
  const { bg, assets, bad, set } = props;
  return (
    <div class="form-grid">
      <label class="field">
        kind
        <select
          id="f-background-kind"
          value={String(bg.kind ?? "color")}
          onChange={(e) => {
            const kind = (e.target as HTMLSelectElement).value;
            set(
              "background",
              kind === "color"
                ? { kind, color: "#0b0d12" }
                : kind === "gradient"
                ? { kind, angle: 180, stops: [[0, "#0b0d12"], [1, "#1b2030"]] }
                : { kind, src: assets[0] ?? "", dim: 0 },
            );
          }}
        >
          <option value="color">colour</option>
          <option value="gradient">gradient</option>
          <option value="image">image</option>
        </select>
      </label>
      {bg.kind === "color"
        ? (
          <Field
            field="background.color"
            label="colour"
            value={bg.color}
            bad={bad}
            onInput={(v) => set("background.color", v)}
          />
        )
        : null}
      {bg.kind === "gradient"
        ? (
          <>
            <Field
              field="background.angle"
              label="angle (°)"
              type="number"
              value={bg.angle}
              bad={bad}
              onInput={(v) => set("background.angle", numberOrNone(v))}
            />
            <Field
              field="background.stops"
              label="stops (at colour, …)"
              value={stopsText(bg.stops)}
              bad={bad}
              onInput={(v) => set("background.stops", stopsOf(v))}
            />
          </>
        )
        : null}
      {bg.kind === "image"
        ? (
          <>
            <label class="field">
              image
              <select
                id="f-background-src"
                value={String(bg.src ?? "")}
                onChange={(e) => set("background.src", (e.target as HTMLSelectElement).value)}
              >
                {[...new Set([String(bg.src ?? ""), ...assets])].filter(Boolean).map((a) => (
                  <option key={a} value={a}>{a}</option>
                ))}
              </select>
            </label>
            <Field
              field="background.dim"
              label="dim (0–1)"
              type="number"
              value={bg.dim}
              bad={bad}
              onInput={(v) => set("background.dim", numberOrNone(v))}
            />
          </>
        )
        : null}
    </div>
  );
}

/** One quadrant: its bounds, padding and items. */
function QuadrantFields(
  props: { q: string; quad: Obj; kinds: string[]; bad: Set<string>; set: SetField },
) {
  const { q, quad, kinds, bad, set } = props;
  return (
    <section class="scene-quadrant" data-quadrant={q}>
      <h3>{q}</h3>
      <div class="form-grid">
        <Field
          field={`quadrants.${q}.bounds`}
          label="bounds: x y width height"
          value={(quad.bounds as number[] | undefined)?.join(" ")}
          bad={bad}
          onInput={(v) => set(`quadrants.${q}.bounds`, numbers(v))}
        />
        <Field
          field={`quadrants.${q}.padding`}
          label="padding (px at 720p)"
          type="number"
          value={quad.padding}
          bad={bad}
          onInput={(v) => set(`quadrants.${q}.padding`, numberOrNone(v))}
        />
      </div>
      <Items
        path={`quadrants.${q}.items`}
        items={(quad.items ?? []) as Obj[]}
        kinds={kinds}
        bad={bad}
        set={set}
      />
    </section>
  );
}

export function SceneForm(
  props: {
    scene: Obj;
    kinds: string[];
    assets: string[];
    problems: string[];
    onChange(next: Obj): void;
  },
) {
  const { scene, kinds, assets } = props;
  const set = (path: string, v: unknown) => props.onChange(withField(scene, path, v));
  const bad = new Set(props.problems.map((p) => p.replace(/^scene: /, "").split(":")[0]));
  const quadrants = (scene.quadrants ?? {}) as Record<string, Obj>;
  const overlay = ((scene.overlay as Obj | undefined)?.items ?? []) as Obj[];
  const transition = (scene.transition ?? {}) as Obj;
  return (
    <div class="scene-form" id="scene-form">
      <h3>Background</h3>
      <BackgroundFields
        bg={(scene.background ?? {}) as Obj}
        assets={assets}
        bad={bad}
        set={set}
      />
      {QUADRANTS.map((q) => (
        <QuadrantFields key={q} q={q} quad={quadrants[q] ?? {}} kinds={kinds} bad={bad} set={set} />
      ))}
      <section class="scene-quadrant" data-quadrant="overlay">
        <h3>Overlay (the whole frame)</h3>
        <Items path="overlay.items" items={overlay} kinds={kinds} bad={bad} set={set} />
      </section>
      <h3>Transition in</h3>
      <div class="form-grid">
        <label class="field">
          kind
          <select
            id="f-transition-kind"
            value={String(transition.kind ?? "fade")}
            onChange={(e) => set("transition.kind", (e.target as HTMLSelectElement).value)}
          >
            {["cut", "fade", "slide"].map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </label>
        <Field
          field="transition.ms"
          label="ms"
          type="number"
          value={transition.ms}
          bad={bad}
          onInput={(v) => set("transition.ms", numberOrNone(v))}
        />
      </div>
    </div>
  );
}
