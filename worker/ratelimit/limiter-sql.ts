/**
 * The RateLimiter object's storage: a log of the requests each key counted, one row per allowed request. A rule
 * `limit per window` on a key allows a request when the costs logged in the last `window` plus its own cost stay
 * within `limit` — counted exactly, not estimated. Refused requests write nothing.
 */

/** Version 1 of the schema. Later changes are appended to `LIMITER_MIGRATIONS`, never edited in place. */
export const LIMITER_SCHEMA = `
  CREATE TABLE hits (
    key TEXT NOT NULL,
    at INTEGER NOT NULL,           -- epoch ms of the counted request
    cost INTEGER NOT NULL,         -- what it counted for (1 for one request)
    expires_at INTEGER NOT NULL    -- at + the longest window of the rules that counted it: no rule looks further back
  );
  CREATE INDEX hits_by_key ON hits (key, at);
  CREATE INDEX hits_by_expiry ON hits (expires_at);
`;

export const LIMITER_MIGRATIONS: readonly string[] = [LIMITER_SCHEMA];

export interface HitRow {
  at: number;
  cost: number;
  [column: string]: SqlStorageValue;
}

/** What a key's requests after `since` (exclusive) cost in all. */
export function selectUsed(sql: SqlStorage, key: string, since: number): number {
  return sql.exec<{ used: number }>("SELECT COALESCE(SUM(cost), 0) AS used FROM hits WHERE key = ? AND at > ?", key, since).one().used;
}

/** A key's requests after `since` (exclusive), oldest first: the order in which they leave a window. */
export function selectHitsSince(sql: SqlStorage, key: string, since: number): HitRow[] {
  return sql.exec<HitRow>("SELECT at, cost FROM hits WHERE key = ? AND at > ? ORDER BY at, rowid", key, since).toArray();
}

export function insertHit(sql: SqlStorage, key: string, at: number, cost: number, expiresAt: number): void {
  sql.exec("INSERT INTO hits (key, at, cost, expires_at) VALUES (?, ?, ?, ?)", key, at, cost, expiresAt);
}

/** Forgets a key's requests that no rule can see any more. */
export function deleteExpiredHitsOfKey(sql: SqlStorage, key: string, now: number): void {
  sql.exec("DELETE FROM hits WHERE key = ? AND expires_at <= ?", key, now);
}

/** Forgets every request that no rule can see any more (the sweep of idle keys). */
export function deleteExpiredHits(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM hits WHERE expires_at <= ?", now);
}

/** Forgets everything a key counted. */
export function deleteHitsOfKey(sql: SqlStorage, key: string): void {
  sql.exec("DELETE FROM hits WHERE key = ?", key);
}

/** When the next logged request expires, if any is logged. */
export function selectNextExpiry(sql: SqlStorage): number | undefined {
  return sql.exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM hits").one().at ?? undefined;
}
