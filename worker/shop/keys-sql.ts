/**
 * The Shop object's storage of its keys beyond the current pair (docs/key-rotation.md): the key each kind had
 * before its last rotation, valid until `expires_at`. One row per kind: rotating again replaces the row, so at most
 * one previous key of each kind is ever valid.
 */
import type { KeyKind } from "../lib/keys.ts";

/** Version 8 of the Shop schema: previous keys, valid through their grace period. */
export const SHOP_PREVIOUS_KEYS_SCHEMA = `
  CREATE TABLE previous_keys (
    kind TEXT PRIMARY KEY CHECK (kind IN ('secret', 'publishable')),
    key_hash TEXT NOT NULL,              -- SHA-256 hex of the previous key
    sealed TEXT,                         -- the previous secret key sealed under KEY_SEAL_SECRET (customer tokens); null for publishable keys
    expires_at INTEGER NOT NULL,         -- valid while now < expires_at
    rotated_at INTEGER NOT NULL
  );
`;

export interface PreviousKeyRow {
  key_hash: string;
  sealed: string | null;
  expires_at: number;
  [column: string]: SqlStorageValue;
}

export function selectPreviousKey(sql: SqlStorage, kind: KeyKind): PreviousKeyRow | undefined {
  return sql.exec<PreviousKeyRow>("SELECT key_hash, sealed, expires_at FROM previous_keys WHERE kind = ?", kind).toArray()[0];
}

/** The previous key of this kind from now on (the one before it, if any, is forgotten). */
export function upsertPreviousKey(
  sql: SqlStorage, kind: KeyKind, row: { keyHash: string; sealed: string | null; expiresAt: number; rotatedAt: number },
): void {
  sql.exec(
    `INSERT INTO previous_keys (kind, key_hash, sealed, expires_at, rotated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (kind) DO UPDATE SET key_hash = excluded.key_hash, sealed = excluded.sealed,
       expires_at = excluded.expires_at, rotated_at = excluded.rotated_at`,
    kind, row.keyHash, row.sealed, row.expiresAt, row.rotatedAt,
  );
}

/** Forgets a previous key whose grace period is over. */
export function deletePreviousKeyBefore(sql: SqlStorage, kind: KeyKind, now: number): void {
  sql.exec("DELETE FROM previous_keys WHERE kind = ? AND expires_at <= ?", kind, now);
}

/** The shop's current key of this kind (its hash). */
export function updateCurrentKeyHash(sql: SqlStorage, kind: KeyKind, keyHash: string): void {
  if (kind === "secret") sql.exec("UPDATE shop SET secret_key_hash = ?", keyHash);
  else sql.exec("UPDATE shop SET publishable_key_hash = ?", keyHash);
}

/** The current secret key's sealed copy, whatever was there (a rotation). */
export function replaceSealedSecret(sql: SqlStorage, sealed: string): void {
  sql.exec("UPDATE shop SET secret_key_sealed = ?", sealed);
}

/**
 * Re-sealing under a new KEY_SEAL_SECRET: replaces a sealed copy only if it is still `before`, so a rotation that
 * ran meanwhile is never undone. True when it was replaced.
 */
export function resealCurrentSecret(sql: SqlStorage, before: string, after: string): boolean {
  return sql.exec("UPDATE shop SET secret_key_sealed = ? WHERE secret_key_sealed = ?", after, before).rowsWritten > 0;
}

export function resealPreviousSecret(sql: SqlStorage, before: string, after: string): boolean {
  return sql.exec("UPDATE previous_keys SET sealed = ? WHERE kind = 'secret' AND sealed = ?", after, before).rowsWritten > 0;
}
