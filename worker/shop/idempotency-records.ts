/**
 * The records behind `Idempotency-Key` (http/idempotency.ts): per key hash, the request's fingerprint and, once
 * answered, its sealed answer. Functions of the Shop object's storage (a shop's keys, or the platform object's for
 * `POST /v1/shops`).
 */
import { constantTimeEqual } from "../lib/crypto.ts";
import { deleteIdempotencyBefore, insertIdempotencyStart, selectIdempotency } from "./shop-sql.ts";
import type { IdempotencyStart } from "./types.ts";

/** Idempotency records are kept this long (docs/api.md promises at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60 * 1000;
/** A started request with no answer after this long is taken to have died; a retry may run it again. */
export const IDEMPOTENCY_STALE_MS = 60 * 1000;

/**
 * Claims an Idempotency-Key (its hash) for a request with this fingerprint. Runs without an await, so two
 * concurrent requests with one key cannot both get `started`.
 */
export function startIdempotentRequest(storage: DurableObjectStorage, keyHash: string, fingerprint: string, now: number): IdempotencyStart {
const sql = storage.sql;
  const existing = selectIdempotency(sql, keyHash);
  const expired = existing !== undefined && existing.created_at < now - IDEMPOTENCY_RETENTION_MS;
  if (existing !== undefined && !expired) {
    if (!constantTimeEqual(existing.fingerprint, fingerprint)) return { outcome: "mismatch" };
    if (existing.state === "done" && existing.status !== null && existing.response !== null) {
      return { outcome: "replay", status: existing.status, response: existing.response };
    }
    if (existing.created_at >= now - IDEMPOTENCY_STALE_MS) return { outcome: "in_progress" };
  }
  storage.transactionSync(() => {
    deleteIdempotencyBefore(sql, now - IDEMPOTENCY_RETENTION_MS);
    insertIdempotencyStart(sql, keyHash, fingerprint, now);
  });
  return { outcome: "started" };
}
