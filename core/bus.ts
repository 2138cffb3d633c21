/**
 * The event bus: small typed records (`type`, `at`, payload) fanned out to
 * subscribers synchronously, so a state change reaches every widget before the
 * next frame. A handler that throws or rejects is logged and the rest go on; an
 * async handler's work runs on after `emit` returns, so handlers that must not
 * overlap queue their own work. `deliver` is the same emit, and says when every
 * handler's work has finished (a transactional outbox marks a row told only then).
 * A plugin sees the bus through `scopeBus`: it emits and listens only to what it
 * declared, so the declarations (and the catalogue printed from them) stay true.
 */
import type { z } from "zod";
import type { Clock } from "./clock.ts";
import { nyString } from "./clock.ts";
import type { Log } from "./log.ts";

/**
 * The event catalogue's types. The owner of events derives their types from its schemas
 * (`EventsOf<typeof auctionEvents>`) and merges them here in its mod.ts:
 * `declare module "../../core/bus.ts" { interface Events extends AuctionEvents {} }`.
 * A consumer imports a type from the owner's mod.ts, which brings the merge along.
 */
// deno-lint-ignore no-empty-interface
export interface Events {}

export type EventType = keyof Events & string;

/** An owner's events: one zod schema a type. */
export type EventSchemas = Record<string, z.ZodType>;

/** The payload types of an owner's schemas. */
export type EventsOf<E extends EventSchemas> = { [K in keyof E]: z.output<E[K]> };
export type Payload<T extends string> = T extends EventType ? Events[T] : unknown;

export interface BusEvent<T extends string = string> {
  type: T;
  /** When it happened: ISO with New York's offset. */
  at: string;
  payload: Payload<T>;
}

export type Handler<T extends string = string> = (event: BusEvent<T>) => unknown;

/**
 * Any declared event: a union discriminated by `type`, built from the catalogue the owners merged
 * into `Events` (core names none of them). A `*` listener hears it, and narrows on `type`.
 */
export type AnyEvent = { [K in EventType]: BusEvent<K> }[EventType];

/** What a subscription may be handed: any handler (the bus calls it with its own type's events). */
type SomeHandler = (event: never) => unknown;

export interface Bus {
  emit<T extends string>(type: T, payload: Payload<T>, at?: Temporal.Instant): BusEvent<T>;
  /** Emits, and resolves once every handler of it has returned or settled (failures are logged). */
  deliver<T extends string>(type: T, payload: Payload<T>, at?: Temporal.Instant): Promise<void>;
  /** Subscribes to every event; returns the unsubscribe. */
  on(type: "*", handler: (event: AnyEvent) => unknown): () => void;
  /** Subscribes to one type; returns the unsubscribe. */
  on<T extends string>(type: T, handler: Handler<T>): () => void;
  /** Declares the schema of an event type; emits of that type are then validated. */
  declare<T extends string>(type: T, schema: z.ZodType<Payload<T>>): void;
  /** Events emitted so far, by type. */
  counts(): Map<string, number>;
}

export class InvalidEventError extends Error {}

/** A plugin emitted or subscribed to an event its definition does not list. */
export class UndeclaredEventError extends Error {}

/**
 * The bus as one plugin sees it: emits only of `emits`, subscriptions only to `listens`
 * (else UndeclaredEventError); schemas are the engine's to declare, from `events`.
 */
export function scopeBus(
  bus: Bus,
  plugin: string,
  declared: { emits?: readonly string[]; listens?: readonly string[] },
): Bus {
  const emits = new Set(declared.emits ?? []);
  const listens = new Set(declared.listens ?? []);
  const mayEmit = (type: string) => {
    if (!emits.has(type)) {
      throw new UndeclaredEventError(`plugin ${plugin} emits ${type}, not listed in its emits`);
    }
  };
  return {
    emit(type, payload, at) {
      mayEmit(type);
      return bus.emit(type, payload, at);
    },
    deliver(type, payload, at) {
      mayEmit(type);
      return bus.deliver(type, payload, at);
    },
    on(type: string, handler: SomeHandler) {
      if (!listens.has(type)) {
        throw new UndeclaredEventError(
          `plugin ${plugin} listens to ${type}, not listed in its listens`,
        );
      }
      return bus.on(type, handler as Handler);
    },
    declare(type) {
      throw new UndeclaredEventError(
        `plugin ${plugin} declares ${type} at run time: list its schema in the plugin's events`,
      );
    },
    counts: () => bus.counts(),
  };
}

export function createBus(clock: Clock, log: Log): Bus {
  const handlers = new Map<string, Set<Handler>>();
  const schemas = new Map<string, z.ZodType>();
  const counts = new Map<string, number>();

  const report = (event: BusEvent, error: unknown) =>
    log.error("event handler failed", { event: event.type, error });

  const call = (handler: Handler, event: BusEvent): Promise<void> | undefined => {
    try {
      const result = handler(event);
      if (result instanceof Promise) return result.then(() => {}, (error) => report(event, error));
    } catch (error) {
      report(event, error);
    }
  };

  const fanOut = (type: string, payload: unknown, at?: Temporal.Instant) => {
    const schema = schemas.get(type);
    if (schema) {
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InvalidEventError(
          `event ${type}: ${issue.path.join(".") || "payload"}: ${issue.message}`,
        );
      }
    }
    const event = { type, at: nyString(at ?? clock.instant()), payload } as BusEvent;
    counts.set(type, (counts.get(type) ?? 0) + 1);
    const pending: Promise<void>[] = [];
    for (const handler of [...(handlers.get(type) ?? []), ...(handlers.get("*") ?? [])]) {
      const work = call(handler as Handler, event);
      if (work) pending.push(work);
    }
    return { event, pending };
  };

  return {
    emit(type, payload, at) {
      return fanOut(type, payload, at).event as BusEvent<typeof type>;
    },
    async deliver(type, payload, at) {
      await Promise.all(fanOut(type, payload, at).pending);
    },
    on(type: string, handler: SomeHandler) {
      let set = handlers.get(type);
      if (!set) handlers.set(type, set = new Set());
      set.add(handler as Handler);
      return () => set.delete(handler as Handler);
    },
    declare(type, schema) {
      schemas.set(type, schema);
    },
    counts: () => new Map(counts),
  };
}
