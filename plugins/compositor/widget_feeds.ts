/**
 * A defined widget's bus subscriptions, kept to the event types its code reads:
 * through its plugin's bus (scoped to what the plugin declares), and — for a
 * type that live-reloaded code reads but the loaded plugin does not declare —
 * through the compositor's relay, one `*` subscription shared by all widgets and
 * held only while some widget needs it. Invariants: a type is subscribed once per
 * widget; a type its code stopped reading is unsubscribed; at first mount an
 * undeclared type throws (the plugin must say what it hears), only a reload
 * falls back to the relay. Where reloads happen (`reloadWidgets`, the preview),
 * the last events of every type are kept, so code that starts reading a type
 * starts from the show so far, in the order the bus carried it.
 */
import { type BusEvent, UndeclaredEventError } from "../../core/bus.ts";
import type { WidgetFeed } from "./widgets.ts";

type Receive = (event: BusEvent) => void;

/** Subscribes a handler to every event; returns the unsubscribe. */
export type SubscribeAll = (handler: Receive) => () => void;

export interface Relay {
  readonly available: boolean;
  /** The types `key` wants relayed (none: it is dropped). */
  want(key: object, types: ReadonlySet<string>, receive: Receive): void;
}

export function createRelay(subscribeAll?: SubscribeAll): Relay {
  const wants = new Map<object, { types: ReadonlySet<string>; receive: Receive }>();
  let off: (() => void) | undefined;
  const relay = (event: BusEvent) => {
    for (const w of wants.values()) if (w.types.has(event.type)) w.receive(event);
  };
  return {
    available: subscribeAll !== undefined,
    want(key, types, receive) {
      if (types.size) wants.set(key, { types, receive });
      else wants.delete(key);
      if (wants.size && !off) off = subscribeAll?.(relay);
      if (!wants.size && off) {
        off();
        off = undefined;
      }
    },
  };
}

export interface Subscriptions {
  /**
   * Subscribes to `types` and unsubscribes the others; with `relayUndeclared`, a type the
   * plugin does not declare goes through the relay. Returns the types nothing subscribed.
   */
  follow(types: readonly string[], relayUndeclared: boolean): string[];
  close(): void;
}

export function subscriptions(
  feed: WidgetFeed | undefined,
  relay: Relay,
  receive: Receive,
): Subscriptions {
  const subs = new Map<string, () => void>();
  const relayed = new Set<string>();
  const key = {};
  return {
    follow(types, relayUndeclared) {
      const wanted = new Set(types);
      for (const [type, off] of subs) {
        if (wanted.has(type)) continue;
        off();
        subs.delete(type);
      }
      for (const type of relayed) if (!wanted.has(type)) relayed.delete(type);
      const lost: string[] = [];
      for (const type of feed ? wanted : []) {
        if (subs.has(type) || relayed.has(type)) continue;
        try {
          subs.set(type, feed!.on(type, receive));
        } catch (error) {
          if (!(error instanceof UndeclaredEventError) || !relayUndeclared) throw error;
          if (relay.available) relayed.add(type);
          else lost.push(type);
        }
      }
      relay.want(key, relayed, receive);
      return lost;
    },
    close() {
      for (const off of subs.values()) off();
      subs.clear();
      relayed.clear();
      relay.want(key, relayed, receive);
    },
  };
}

export interface History {
  /** `journal` with the kept events of `types` put in, in bus order; the last `most`. */
  with(journal: BusEvent[], types: readonly string[]): BusEvent[];
}

/** Keeps the last `per` events of each type (none without `subscribeAll`). */
export function keepHistory(subscribeAll: SubscribeAll | undefined, per: number): History {
  const byType = new Map<string, BusEvent[]>();
  // The bus hands every handler the same event object: its place in the bus's order.
  const order = new WeakMap<BusEvent, number>();
  let carried = 0;
  subscribeAll?.((event) => {
    order.set(event, carried++);
    let kept = byType.get(event.type);
    if (!kept) byType.set(event.type, kept = []);
    kept.push(event);
    if (kept.length > per) kept.shift();
  });
  return {
    with(journal, types) {
      const more = types.flatMap((t) => byType.get(t) ?? []);
      if (!more.length) return journal;
      const all = [...new Set([...journal, ...more])]; // events fed by hand (tests) come first
      const at = (e: BusEvent) => order.get(e) ?? -1;
      return all.map((e, i) => ({ e, i })).sort((a, b) => at(a.e) - at(b.e) || a.i - b.i)
        .map(({ e }) => e).slice(-per);
    },
  };
}
