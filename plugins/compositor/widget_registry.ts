/**
 * The widget registry behind the `widgets` service: kind → entry (check an
 * item's props, draw an item). A defined widget keeps its state here, applied
 * from the events its subscriptions bring (widget_feeds.ts), and a journal of
 * the last events, so a reloaded version of its code starts from the same show
 * and hears what the new code reads. Invariants: `version` bumps on every change
 * of an entry (scenes re-check their items' configs); a state handler that
 * throws costs only that event; only events of types its current code reads
 * reach a widget's state and journal.
 */
import type { SKRSContext2D } from "@napi-rs/canvas";
import type { BusEvent } from "../../core/bus.ts";
import type { Assets } from "./assets.ts";
import type { AnyWidget, WidgetEnv, WidgetFrame } from "./widget_kit.ts";
import type { Box, DrawWidget, Widgets } from "./widgets.ts";
import {
  createRelay,
  keepHistory,
  type SubscribeAll,
  type Subscriptions,
  subscriptions,
} from "./widget_feeds.ts";

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

/** A defined widget, kept across reloads of its code. */
interface Live {
  widget: AnyWidget;
  env: WidgetEnv;
  state: unknown;
  journal: BusEvent[];
  subs: Subscriptions;
}

export function createWidgetRegistry(o: {
  assets: Assets;
  fps: number;
  /** A state handler threw: the event is dropped for that widget. */
  onStateError?: (kind: string, type: string, error: unknown) => void;
  /** Every bus event, for reloaded code reading types its loaded plugin does not declare. */
  relay?: SubscribeAll;
  /** Keep the last events of every type (from the relay), for reloaded code reading a new type. */
  history?: boolean;
}): WidgetRegistry {
  const entries = new Map<string, WidgetEntry>();
  const live = new Map<string, Live>();
  const relay = createRelay(o.relay);
  const history = keepHistory(o.history ? o.relay : undefined, JOURNAL);
  let version = 0;

  const apply = (widget: AnyWidget, state: unknown, event: BusEvent) => {
    const handler = (widget.state.on as Record<string, unknown>)[event.type];
    if (typeof handler !== "function") return state;
    try {
      const next = handler(state, event); // mutated in place, or the next state
      return next === undefined ? state : next;
    } catch (error) {
      o.onStateError?.(widget.kind, event.type, error);
      return state;
    }
  };
  /** The state `widget`'s code builds from `journal` (throws when its `init` does). */
  const build = (widget: AnyWidget, env: WidgetEnv, journal: BusEvent[]) =>
    journal.reduce((state, event) => apply(widget, state, event), widget.state.init(env));
  const receive = (l: Live, event: BusEvent) => {
    if (live.get(l.widget.kind) !== l || !l.widget.listens.includes(event.type)) return;
    l.journal.push(event);
    if (l.journal.length > JOURNAL) l.journal.shift();
    l.state = apply(l.widget, l.state, event);
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
      live.get(kind)?.subs.close();
      live.delete(kind);
      set(kind, entry);
      return () => {
        if (entries.get(kind) === entry) set(kind, undefined);
      };
    },
    define(widget, env, feed) {
      const l: Live = {
        widget,
        env,
        state: build(widget, env, []),
        journal: [],
        subs: subscriptions(feed, relay, (event) => receive(l, event)),
      };
      l.subs.follow(widget.listens, false); // an undeclared type throws: the plugin must list it
      live.get(widget.kind)?.subs.close();
      live.set(widget.kind, l);
      set(widget.kind, entryOf(widget.kind));
      return {
        receive: (event) => receive(l, event),
        remove() {
          l.subs.close();
          if (live.get(widget.kind) !== l) return;
          live.delete(widget.kind);
          set(widget.kind, undefined);
        },
      };
    },
    reload(widget) {
      const l = live.get(widget.kind);
      if (!l) throw new Error(`no widget of kind ${widget.kind} is defined here`);
      // A type the old code did not read: its events so far, from the history, join the journal.
      const journal = history.with(
        l.journal,
        widget.listens.filter((t) => !l.widget.listens.includes(t)),
      );
      l.state = build(widget, l.env, journal);
      l.journal = journal;
      l.widget = widget;
      set(widget.kind, entries.get(widget.kind));
      return l.subs.follow(widget.listens, true).map((t) =>
        `${widget.kind} now reads ${t}, which nothing here can subscribe it to: restart to add it`
      );
    },
  };
}
