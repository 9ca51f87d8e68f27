/**
 * Retry safety inside the account (docs/api.md "Idempotency"): every write is keyed (`order:<orderId>`,
 * `confirm:<orderId>`, `cancel:<orderId>`, `return:<returnId>`, `adjust:<id>`) and its first successful answer
 * is stored with a hash of the request. The same key and body gets that answer again and changes nothing; the
 * same key with another body is 409 `idempotency_conflict`. Failures are not stored: a retry after the cause
 * is gone (say, points topped up) may succeed. Records are kept forever (ids of orders, returns, adjustments).
 */
import { hashOf } from "../lib/crypto.ts";
import { insertIdempotency, selectIdempotency } from "./order-sql.ts";
import { refuse } from "../lib/refusal.ts";

export interface Remembered<T> {
  key: string;
  requestHash: string;
  /** The stored first answer, when this is a replay. */
  replay: T | undefined;
}

/** Looks the key up: a replay, a conflict (throws 409), or a first request to be remembered. */
export function recall<T>(sql: SqlStorage, key: string, request: unknown): Remembered<T> {
  const requestHash = hashOf(request);
  const stored = selectIdempotency(sql, key);
  if (!stored) return { key, requestHash, replay: undefined };
  if (stored.requestHash !== requestHash) {
    refuse("idempotency_conflict", `${key.split(":")[0]} ${key.slice(key.indexOf(":") + 1)} was already used with a different body`);
  }
  return { key, requestHash, replay: JSON.parse(stored.body) as T };
}

/** Stores the first answer of a request. */
export function remember<T>(sql: SqlStorage, r: Remembered<T>, body: T, now: number, status = 200): T {
  insertIdempotency(sql, { key: r.key, requestHash: r.requestHash, status, body: JSON.stringify(body), at: now });
  return body;
}
