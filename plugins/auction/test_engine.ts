/**
 * Starts the auction with the funds book on storage the test keeps across
 * restarts (same data folder / Postgres schema), picked like production:
 * DATABASE_URL / REDIS_URL when set, else PGlite and memory.
 */
import type { Clock } from "../../core/clock.ts";
import { loadPlugins, readSettings } from "../../core/config.ts";
import { type Engine, startEngine } from "../../core/engine.ts";
import { createLog } from "../../core/log.ts";
import { tempDir, uniqueName } from "../../tests/services.ts";
import type { FundsBook } from "../funds-book/mod.ts";
import type { Auctions } from "./mod.ts";

export interface Storage {
  env: Record<string, string>;
  /** Drops the schema / removes the folder. */
  remove(): Promise<void>;
}

export function testStorage(embedded = false): Storage {
  const dir = tempDir();
  const url = embedded ? "" : Deno.env.get("DATABASE_URL") ?? "";
  const schema = uniqueName("t");
  return {
    env: {
      DATABASE_URL: url,
      REDIS_URL: embedded ? "" : Deno.env.get("REDIS_URL") ?? "",
      DATA_DIR: dir.path,
      DATABASE_SCHEMA: schema,
      STATE_PREFIX: `${uniqueName("t")}:`,
      LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "error",
    },
    async remove() {
      if (url) {
        const { default: postgres } = await import("postgres");
        const sql = postgres(url, { onnotice: () => {} });
        await sql.unsafe(`drop schema if exists "${schema}" cascade`);
        await sql.end();
      }
      dir.remove();
    },
  };
}

export interface AuctionEngine extends Engine {
  auctions: Auctions;
  book: FundsBook;
}

export async function auctionEngine(
  storage: Storage,
  config: Record<string, unknown>,
  clock?: Clock,
  /** More plugins started before the auction (e.g. a test's stand-in `chain`). */
  extra: Array<{ label: string; specifier: string; config: Record<string, unknown> }> = [],
): Promise<AuctionEngine> {
  const settings = readSettings(storage.env);
  const { plugins } = await loadPlugins([
    {
      label: "funds-book",
      specifier: new URL("../funds-book/mod.ts", import.meta.url).href,
      config: {},
    },
    ...extra,
    { label: "auction", specifier: new URL("./mod.ts", import.meta.url).href, config },
  ], storage.env);
  const engine = await startEngine({
    settings,
    plugins,
    clock,
    listen: false,
    log: createLog("test", { level: settings.LOG_LEVEL }),
  });
  return {
    ...engine,
    auctions: engine.service<Auctions>("auctions"),
    book: engine.service<FundsBook>("funds-book"),
  };
}
