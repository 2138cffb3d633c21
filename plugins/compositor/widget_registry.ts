/**
 * The widget registry behind the `widgets` service: kind → entry (check an
 * item's props, draw an item). A defined widget keeps its state here, applied
 * from the events its plugin feeds it, and a journal of the last events, so a
 * reloaded version of its code starts from the same show. Invariants: `version`
 * bumps on every change of an entry (scenes re-check their items' configs); a
 * state handler that throws costs only that event.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import type { BusEvent } from "../../core/bus.ts";
import type { Assets } from "./assets.ts";
import type { AnyWidget, WidgetEnv, WidgetFrame } from "./widget_kit.ts";
import type { Box, DrawWidget, Widgets } from "./widgets.ts";

/** What an item's draw gets from the compositor each frame. */
export interface FrameClock {
  now: Temporal.Instant;
  index: number;
  scene: string;
}

export type Configured = { config: unknown; problems?: undefined } | { problems: string[] };

export interface WidgetEntry {
  kind: string;
  configure(props: Record<string, unknown>): Configured;
  draw(g: SKRSContext2D, box: Box, config: unknown, clock: FrameClock): void;
}

export interface WidgetRegistry extends Widgets {
  get(kind: string): WidgetEntry | undefined;
  version(): number;
}

/** Events kept per widget for a reload to replay. */
const JOURNAL = 512;

interface Live {
  widget: AnyWidget;
  env: WidgetEnv;
  state: unknown;
  journal: BusEvent[];
}

export function createWidgetRegistry(o: {
  assets: Assets;
  fps: number;
  /** A state handler threw: the event is dropped for that widget. */
  onStateError?: (kind: string, type: string, error: unknown) => void;
}): WidgetRegistry {
  const entries = new Map<string, WidgetEntry>();
  const live = new Map<string, Live>();
  let version = 0;

  const apply = (l: Live, event: BusEvent) => {
    const handler = (l.widget.state.on as Record<string, unknown>)[event.type];
    if (typeof handler !== "function") return;
    try {
      const next = handler(l.state, event);
      if (next !== undefined) l.state = next;
    } catch (error) {
      o.onStateError?.(l.widget.kind, event.type, error);
    }
  };
  const fresh = (widget: AnyWidget, env: WidgetEnv, journal: BusEvent[]): Live => {
    const l: Live = { widget, env, state: widget.state.init(env), journal };
    for (const event of journal) apply(l, event);
    return l;
  };
  const entryOf = (kind: string): WidgetEntry => {
    const frame: WidgetFrame = {
      now: Temporal.Instant.fromEpochMilliseconds(0),
      ms: 0,
      index: 0,
      fps: o.fps,
      config: undefined,
      scene: "",
      assets: o.assets,
    };
    return {
      kind,
      configure(props) {
        const parsed = live.get(kind)!.widget.config.safeParse(props);
        if (parsed.success) return { config: parsed.data };
        return {
          problems: parsed.error.issues.map((i) =>
            `${["props", ...i.path].join(".")}: ${i.message}`
          ),
        };
      },
      draw(g, box, config, clock) {
        const l = live.get(kind)!;
        frame.now = clock.now;
        frame.ms = clock.now.epochMilliseconds;
        frame.index = clock.index;
        frame.scene = clock.scene;
        frame.config = config;
        l.widget.draw(g, box, l.state, frame);
      },
    };
  };
  const set = (kind: string, entry: WidgetEntry | undefined) => {
    if (entry) entries.set(kind, entry);
    else entries.delete(kind);
    version++;
  };

  return {
    assets: o.assets,
    get: (kind) => entries.get(kind),
    version: () => version,
    kinds: () => [...entries.keys()].sort(),
    sources: () =>
      Object.fromEntries(
        [...live].filter(([, l]) => l.widget.source).map(([k, l]) => [k, l.widget.source!]),
      ),
    register(kind, draw: DrawWidget) {
      const entry: WidgetEntry = {
        kind,
        configure: (props) => ({ config: props }),
        draw: (g, box, props, c) =>
          draw({
            g,
            box,
            props: props as Record<string, unknown>,
            now: c.now,
            frame: c.index,
            scene: c.scene,
          }),
      };
      live.delete(kind);
      set(kind, entry);
      return () => {
        if (entries.get(kind) === entry) set(kind, undefined);
      };
    },
    define(widget, env) {
      const l = fresh(widget, env, []);
      live.set(widget.kind, l);
      const entry = entryOf(widget.kind);
      set(widget.kind, entry);
      return {
        receive(event) {
          const now = live.get(widget.kind);
          if (!now || now.journal !== l.journal) return;
          l.journal.push(event);
          if (l.journal.length > JOURNAL) l.journal.shift();
          apply(now, event);
        },
        remove() {
          if (live.get(widget.kind)?.journal !== l.journal) return;
          live.delete(widget.kind);
          set(widget.kind, undefined);
        },
      };
    },
    reload(widget) {
      const old = live.get(widget.kind);
      if (!old) throw new Error(`no widget of kind ${widget.kind} is defined here`);
      // The journal array is kept (the mounted handle feeds it); the state is rebuilt from it.
      const next = fresh(widget, old.env, old.journal);
      live.set(widget.kind, next);
      set(widget.kind, entries.get(widget.kind));
      return widget.listens.filter((t) => !old.widget.listens.includes(t)).map((t) =>
        `${widget.kind} now reads ${t}, which its plugin does not listen to: restart to add it`
      );
    },
  };
}
