/**
 * The Shop object's storage: the schema (as numbered migrations) and every statement as a named function.
 * One row of `shop`; program versions (immutable once written); the order index; idempotency records.
 */

/** Version 1 of the schema. Later changes are appended to `SHOP_MIGRATIONS`, never edited in place. */
export const SHOP_SCHEMA = `
  CREATE TABLE shop (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    shop_id TEXT NOT NULL,
    name TEXT NOT NULL,
    origins TEXT NOT NULL,               -- JSON array of origins
    secret_key_hash TEXT NOT NULL,       -- SHA-256 hex of the secret key
    publishable_key_hash TEXT NOT NULL,  -- SHA-256 hex of the publishable key
    created_at INTEGER NOT NULL
  );
  CREATE TABLE programs (
    version INTEGER PRIMARY KEY,
    program TEXT NOT NULL,               -- JSON, as validated (defaults applied)
    created_at INTEGER NOT NULL
  );
  CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE idempotency (
    key_hash TEXT PRIMARY KEY,           -- SHA-256 of the Idempotency-Key (never the key itself)
    fingerprint TEXT NOT NULL,           -- SHA-256 of method, path and canonical body
    state TEXT NOT NULL CHECK (state IN ('started', 'done')),
    status INTEGER,
    response BLOB,                       -- the answer, sealed with a key derived from the Idempotency-Key
    created_at INTEGER NOT NULL
  );
  CREATE INDEX idempotency_by_age ON idempotency (created_at);
`;

export const SHOP_MIGRATIONS: readonly string[] = [SHOP_SCHEMA];

export interface ShopRow {
  shop_id: string;
  name: string;
  origins: string;
  secret_key_hash: string;
  publishable_key_hash: string;
  created_at: number;
  [column: string]: SqlStorageValue;
}

export function selectShop(sql: SqlStorage): ShopRow | undefined {
  return sql.exec<ShopRow>("SELECT shop_id, name, origins, secret_key_hash, publishable_key_hash, created_at FROM shop").toArray()[0];
}

export function insertShop(sql: SqlStorage, row: ShopRow): void {
  sql.exec(
    "INSERT INTO shop (id, shop_id, name, origins, secret_key_hash, publishable_key_hash, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
    row.shop_id,
    row.name,
    row.origins,
    row.secret_key_hash,
    row.publishable_key_hash,
    row.created_at,
  );
}

export function insertProgram(sql: SqlStorage, program: string, createdAt: number): number {
  return sql
    .exec<{ version: number }>(
      "INSERT INTO programs (version, program, created_at) VALUES ((SELECT COALESCE(MAX(version), 0) + 1 FROM programs), ?, ?) RETURNING version",
      program,
      createdAt,
    )
    .one().version;
}

export function selectProgram(sql: SqlStorage, version?: number): { version: number; program: string } | undefined {
  const cursor =
    version === undefined
      ? sql.exec<{ version: number; program: string }>("SELECT version, program FROM programs ORDER BY version DESC LIMIT 1")
      : sql.exec<{ version: number; program: string }>("SELECT version, program FROM programs WHERE version = ?", version);
  return cursor.toArray()[0];
}

export function selectLatestProgramVersion(sql: SqlStorage): number | undefined {
  return sql.exec<{ version: number | null }>("SELECT MAX(version) AS version FROM programs").one().version ?? undefined;
}

export function insertOrderIndex(sql: SqlStorage, orderId: string, customerId: string, createdAt: number): void {
  sql.exec("INSERT OR IGNORE INTO orders (order_id, customer_id, created_at) VALUES (?, ?, ?)", orderId, customerId, createdAt);
}

export function selectOrderIndex(sql: SqlStorage, orderId: string): { customer_id: string } | undefined {
  return sql.exec<{ customer_id: string }>("SELECT customer_id FROM orders WHERE order_id = ?", orderId).toArray()[0];
}

export interface IdempotencyRow {
  fingerprint: string;
  state: "started" | "done";
  status: number | null;
  response: ArrayBuffer | null;
  created_at: number;
  [column: string]: SqlStorageValue;
}

export function selectIdempotency(sql: SqlStorage, keyHash: string): IdempotencyRow | undefined {
  return sql
    .exec<IdempotencyRow>("SELECT fingerprint, state, status, response, created_at FROM idempotency WHERE key_hash = ?", keyHash)
    .toArray()[0];
}

export function insertIdempotencyStart(sql: SqlStorage, keyHash: string, fingerprint: string, createdAt: number): void {
  sql.exec(
    "INSERT OR REPLACE INTO idempotency (key_hash, fingerprint, state, status, response, created_at) VALUES (?, ?, 'started', NULL, NULL, ?)",
    keyHash,
    fingerprint,
    createdAt,
  );
}

export function updateIdempotencyDone(sql: SqlStorage, keyHash: string, status: number, response: ArrayBuffer): void {
  sql.exec("UPDATE idempotency SET state = 'done', status = ?, response = ? WHERE key_hash = ?", status, response, keyHash);
}

export function deleteIdempotencyStarted(sql: SqlStorage, keyHash: string): void {
  sql.exec("DELETE FROM idempotency WHERE key_hash = ? AND state = 'started'", keyHash);
}

/** Forgets records older than `before`, a bounded batch at a time (called on every new record). */
export function deleteIdempotencyBefore(sql: SqlStorage, before: number, limit = 100): void {
  sql.exec(
    "DELETE FROM idempotency WHERE key_hash IN (SELECT key_hash FROM idempotency WHERE created_at < ? ORDER BY created_at LIMIT ?)",
    before,
    limit,
  );
}
