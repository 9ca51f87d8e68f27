/**
 * The Shop object's storage of its webhook endpoints (docs/events.md "Webhooks"): where the shop's events go, which
 * types each endpoint takes, its signing secret (sealed under KEY_SEAL_SECRET, never stored in the clear) and how
 * its deliveries have gone lately.
 */

/** Version 10 of the Shop schema: webhook endpoints. */
export const SHOP_WEBHOOK_ENDPOINTS_SCHEMA = `
  CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,                 -- we_…
    url TEXT NOT NULL,
    events TEXT NOT NULL,                -- JSON array of event types, or ["*"]
    description TEXT,
    secret_sealed TEXT NOT NULL,         -- the signing secret whsec_… sealed under KEY_SEAL_SECRET
    status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
    disabled_reason TEXT,
    disabled_at INTEGER,
    last_success_at INTEGER,
    last_failure_at INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL
  );
`;

export interface EndpointRow {
  id: string;
  url: string;
  events: string;
  description: string | null;
  secret_sealed: string;
  status: "enabled" | "disabled";
  disabled_reason: string | null;
  disabled_at: number | null;
  last_success_at: number | null;
  last_failure_at: number | null;
  last_error: string | null;
  created_at: number;
  [column: string]: SqlStorageValue;
}

const COLUMNS = "id, url, events, description, secret_sealed, status, disabled_reason, disabled_at, last_success_at, last_failure_at, last_error, created_at";

export function selectEndpoints(sql: SqlStorage): EndpointRow[] {
  return sql.exec<EndpointRow>(`SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`).toArray();
}

export function selectEndpoint(sql: SqlStorage, id: string): EndpointRow | undefined {
  return sql.exec<EndpointRow>(`SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = ?`, id).toArray()[0];
}

export function countEndpoints(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM webhook_endpoints").one().n;
}

export function insertEndpoint(
  sql: SqlStorage, row: { id: string; url: string; events: string; description: string | null; secretSealed: string; createdAt: number },
): void {
  sql.exec(
    "INSERT INTO webhook_endpoints (id, url, events, description, secret_sealed, status, created_at) VALUES (?, ?, ?, ?, ?, 'enabled', ?)",
    row.id, row.url, row.events, row.description, row.secretSealed, row.createdAt,
  );
}

/** Changes what is given (`undefined`: unchanged). */
export function updateEndpointFields(sql: SqlStorage, id: string, fields: { url?: string; events?: string; description?: string | null }): void {
  if (fields.url !== undefined) sql.exec("UPDATE webhook_endpoints SET url = ? WHERE id = ?", fields.url, id);
  if (fields.events !== undefined) sql.exec("UPDATE webhook_endpoints SET events = ? WHERE id = ?", fields.events, id);
  if (fields.description !== undefined) sql.exec("UPDATE webhook_endpoints SET description = ? WHERE id = ?", fields.description, id);
}

/** Enabled again: the reason it was disabled is gone. */
export function updateEndpointEnabled(sql: SqlStorage, id: string): void {
  sql.exec("UPDATE webhook_endpoints SET status = 'enabled', disabled_reason = NULL, disabled_at = NULL WHERE id = ?", id);
}

export function updateEndpointDisabled(sql: SqlStorage, id: string, reason: string, at: number): void {
  sql.exec("UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, disabled_at = ? WHERE id = ?", reason, at, id);
}

export function updateEndpointSecret(sql: SqlStorage, id: string, secretSealed: string): void {
  sql.exec("UPDATE webhook_endpoints SET secret_sealed = ? WHERE id = ?", secretSealed, id);
}

export function updateEndpointSuccess(sql: SqlStorage, id: string, at: number): void {
  sql.exec("UPDATE webhook_endpoints SET last_success_at = MAX(COALESCE(last_success_at, 0), ?) WHERE id = ?", at, id);
}

export function updateEndpointFailure(sql: SqlStorage, id: string, at: number, error: string): void {
  sql.exec("UPDATE webhook_endpoints SET last_failure_at = ?, last_error = ? WHERE id = ?", at, error, id);
}

export function deleteEndpoint(sql: SqlStorage, id: string): boolean {
  return sql.exec("DELETE FROM webhook_endpoints WHERE id = ?", id).rowsWritten > 0;
}

/** Re-sealing: replaces the sealed secret only if it is still `before` (a rotation meanwhile is never undone). */
export function resealEndpointSecret(sql: SqlStorage, id: string, before: string, after: string): boolean {
  return sql.exec("UPDATE webhook_endpoints SET secret_sealed = ? WHERE id = ? AND secret_sealed = ?", after, id, before).rowsWritten > 0;
}
