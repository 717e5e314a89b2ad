/**
 * Prices of the speech engines, for the estimated cost in usage reports and `/metrics`. Part of
 * {@link loadConfig} (`./config.ts`). Every variable is documented in README.md.
 *
 *   STT_PRICE_PER_MINUTE_SPEECHKIT=0.0102          (a number: in STT_PRICE_CURRENCY)
 *   STT_PRICE_PER_MINUTE_OPENAI="0.006 USD"        (a number and an ISO 4217 currency code)
 *   STT_PRICE_CURRENCY=USD                         (default currency; USD when unset)
 *
 * A price is per minute of BILLED audio, as the engine counts it (`BillingRule` of its adapter).
 */
import { ENGINE_IDS, type EngineId } from './engines.js';

/** One engine's price. */
export interface EnginePrice {
  /** Price of one billed minute, in `currency`. */
  perMinute: number;
  /** ISO 4217 code, upper case (`USD`, `RUB`, `KZT`). */
  currency: string;
}

/** Configured prices by engine id; an engine without a price has no estimated cost. */
export type PriceTable = Partial<Record<EngineId, EnginePrice>>;

/** The variable holding an engine's price. */
export const priceVariable = (engine: EngineId): string =>
  `STT_PRICE_PER_MINUTE_${engine.toUpperCase()}`;

/**
 * Reads every engine's price from `env`.
 * @returns the table and a line per invalid variable (`  NAME: why`), for {@link loadConfig}.
 */
export function readPrices(env: Record<string, string | undefined>): {
  prices: PriceTable;
  problems: string[];
} {
  const problems: string[] = [];
  const fallback = (env.STT_PRICE_CURRENCY ?? '').trim().toUpperCase() || 'USD';
  if (!/^[A-Z]{3}$/.test(fallback)) {
    problems.push('  STT_PRICE_CURRENCY: use an ISO 4217 code such as USD, RUB or KZT');
  }
  const prices: PriceTable = {};
  for (const engine of ENGINE_IDS) {
    const name = priceVariable(engine);
    const raw = env[name]?.trim();
    if (!raw) continue;
    const m = /^(\d+(?:\.\d+)?)(?:\s+([A-Za-z]{3}))?$/.exec(raw);
    if (!m) {
      problems.push(
        `  ${name}: use a price per billed minute, optionally with a currency, e.g. "0.0102" or "1.2 RUB"`,
      );
      continue;
    }
    prices[engine] = { perMinute: Number(m[1]), currency: (m[2] ?? fallback).toUpperCase() };
  }
  return { prices, problems };
}
