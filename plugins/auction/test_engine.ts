/**
 * Starts the auction with the funds book on storage the test keeps across
 * restarts (same data folder / Postgres schema), picked like production:
 * DATABASE_URL / REDIS_URL when set, else PGlite and memory.
 */
import type { Clock } from "../../core/clock.ts";
import type { Engine } from "../../core/engine.ts";
import { startTestEngine } from "../../core/testing.ts";
import type { FundsBook } from "./funds.ts";
import type { Auctions } from "./mod.ts";

import type { TestStorage } from "../../tests/engine.ts";

export { testStorage } from "../../tests/engine.ts";
export type Storage = TestStorage;

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
  const engine = await startTestEngine(storage.env, [
    {
      label: "funds-book",
      specifier: new URL("../funds-book/mod.ts", import.meta.url).href,
      config: {},
    },
    ...extra,
    { label: "auction", specifier: new URL("./mod.ts", import.meta.url).href, config },
  ], { clock });
  return {
    ...engine,
    auctions: engine.service<Auctions>("auctions"),
    book: engine.service<FundsBook>("funds-book"),
  };
}
