/**
 * The event bus: small typed records (`type`, `at`, payload) fanned out to
 * subscribers synchronously, so a state change reaches every widget before the
 * next frame. A handler that throws or rejects is logged and the rest go on.
 * `deliver` is the same emit, and says when every handler's work has finished
 * (a transactional outbox marks a row told only then).
 */
import type { z } from "zod";
import type { Clock } from "./clock.ts";
import { nyString } from "./clock.ts";
import type { Log } from "./log.ts";

/**
 * The event catalogue. Plugins add their events by declaration merging:
 * `declare module "../../core/bus.ts" { interface Events { "bid.accepted": {...} } }`.
 */
// deno-lint-ignore no-empty-interface
export interface Events {}

export type EventType = keyof Events & string;
export type Payload<T extends string> = T extends EventType ? Events[T] : unknown;

export interface BusEvent<T extends string = string> {
  type: T;
  /** When it happened: ISO with New York's offset. */
  at: string;
  payload: Payload<T>;
}

export type Handler<T extends string = string> = (event: BusEvent<T>) => unknown;

export interface Bus {
  emit<T extends string>(type: T, payload: Payload<T>, at?: Temporal.Instant): BusEvent<T>;
  /** Emits, and resolves once every handler of it has returned or settled (failures are logged). */
  deliver<T extends string>(type: T, payload: Payload<T>, at?: Temporal.Instant): Promise<void>;
  /** Subscribes to one type, or `*` for all; returns the unsubscribe. */
  on<T extends string>(type: T, handler: Handler<T>): () => void;
  /** Declares the schema of an event type; emits of that type are then validated. */
  declare<T extends string>(type: T, schema: z.ZodType<Payload<T>>): void;
  /** Events emitted so far, by type. */
  counts(): Map<string, number>;
}

export class InvalidEventError extends Error {}

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
    on(type, handler) {
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
