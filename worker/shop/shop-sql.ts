/**
 * The Shop object's storage: the schema (as numbered migrations) and every statement as a named function.
 * One row of `shop`; program versions (immutable once written); the order index; idempotency records; the
 * contact directory (customers, contacts, welcome bonuses given).
 */
import { OUTBOX_SCHEMA } from "../lib/outbox.ts";
import type { ContactKind } from "./contacts.ts";
import { SHOP_ENGAGEMENT_SCHEMA, SHOP_REFERRAL_ORDER_SCHEMA, SHOP_VERIFICATION_WELCOME_SCHEMA } from "./engagement-sql.ts";
import { SHOP_PREVIOUS_KEYS_SCHEMA } from "./keys-sql.ts";
import { SHOP_WEBHOOK_ENDPOINTS_SCHEMA } from "./webhook-endpoints-sql.ts";

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

/**
 * Version 2: the contact directory (issue 4). `contacts` says who holds a phone or email now (one of each per
 * customer); `welcome_given` says which contacts have ever brought a welcome bonus, and is never deleted, so a
 * released phone cannot bring a second one. `customers` lists the customers created through the API, and the
 * index on `orders` lets the order index answer whether a customer exists.
 */
export const SHOP_CONTACTS_SCHEMA = `
  CREATE TABLE customers (
    customer_id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE contacts (
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    value TEXT NOT NULL,                 -- normalised: E.164 phone, lower-case email
    customer_id TEXT NOT NULL,
    claimed_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
  );
  CREATE UNIQUE INDEX contacts_by_customer ON contacts (customer_id, kind);
  CREATE TABLE welcome_given (
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    value TEXT NOT NULL,
    customer_id TEXT NOT NULL,           -- who received it
    given_at INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
  );
  CREATE INDEX orders_by_customer ON orders (customer_id);
`;

/**
 * Version 5: an order id is indexed before its account places the order, so an order the account refuses must not
 * keep the id (or make its customer exist). `placed` = 0 marks an index row whose order is not known to be placed:
 * the request that created it removes it again when the account refuses. Rows from before are placed orders.
 */
export const SHOP_ORDER_PLACED_SCHEMA = `
  ALTER TABLE orders ADD COLUMN placed INTEGER NOT NULL DEFAULT 1;
`;

/**
 * Version 6: contacts under their identity (identity.ts; issue 19). `value` is now the identity — the key for
 * uniqueness and, in `welcome_given`, for the welcome bonus — and `address` the contact as written (normalised),
 * where codes go. A contact is held by one customer (`held` = 1); a widget registration may wait behind a claim
 * that yields (`held` = 0, docs/api.md "Unverified claims"). `yields` = 1: an unverified widget claim, which gives
 * way to a customer who verifies the contact. Rows from before keep their value as address; those of customers who
 * joined in the widget (consent given) and never verified the contact yield. Their identities are computed in code
 * once, on the object's next start (`contacts_rekey`, directory.ts `rekeyContacts`).
 */
export const SHOP_CONTACT_IDENTITY_SCHEMA = `
  CREATE TABLE contacts_v6 (
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('phone', 'email')),
    value TEXT NOT NULL,                 -- the identity: E.164 phone, canonical email
    address TEXT NOT NULL,               -- as written, normalised: E.164 phone, lower-case email
    claimed_at INTEGER NOT NULL,
    held INTEGER NOT NULL DEFAULT 1,     -- 1: holds the contact; 0: waits for its verification behind a yielding holder
    yields INTEGER NOT NULL DEFAULT 0,   -- 1: an unverified widget claim, giving way to a customer who verifies it
    PRIMARY KEY (customer_id, kind)
  );
  INSERT INTO contacts_v6 (customer_id, kind, value, address, claimed_at, held, yields)
    SELECT c.customer_id, c.kind, c.value, c.value, c.claimed_at, 1,
      (SELECT consent_at IS NOT NULL FROM customers WHERE customer_id = c.customer_id) IS 1
        AND NOT EXISTS (SELECT 1 FROM verifications v WHERE v.customer_id = c.customer_id AND v.channel = c.kind
                          AND v.contact = c.value AND v.verified_at IS NOT NULL)
    FROM contacts c;
  DROP TABLE contacts;
  ALTER TABLE contacts_v6 RENAME TO contacts;
  CREATE UNIQUE INDEX contacts_held ON contacts (kind, value) WHERE held = 1;
  CREATE INDEX contacts_by_value ON contacts (kind, value, held);
  -- a row here: the contacts and welcome marks written before still need their identities (directory.ts rekeyContacts)
  CREATE TABLE contacts_rekey (id INTEGER PRIMARY KEY CHECK (id = 1));
  INSERT INTO contacts_rekey (id) VALUES (1);
`;

export const SHOP_MIGRATIONS: readonly string[] = [
  SHOP_SCHEMA, SHOP_CONTACTS_SCHEMA, SHOP_ENGAGEMENT_SCHEMA, SHOP_VERIFICATION_WELCOME_SCHEMA, SHOP_ORDER_PLACED_SCHEMA,
  SHOP_CONTACT_IDENTITY_SCHEMA,
  SHOP_REFERRAL_ORDER_SCHEMA,
  SHOP_PREVIOUS_KEYS_SCHEMA,
  // 9: the shop's own events (verification), relayed to the EVENTS queue (worker/lib/outbox.ts).
  OUTBOX_SCHEMA,
  // 10: webhook endpoints (worker/shop/webhook-endpoints.ts).
  SHOP_WEBHOOK_ENDPOINTS_SCHEMA,
];

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

/** Indexes the order unless it is indexed already; true when this call indexed it (one statement either way). */
export function insertOrderIndex(sql: SqlStorage, orderId: string, customerId: string, createdAt: number): boolean {
  return sql.exec(
    "INSERT INTO orders (order_id, customer_id, created_at, placed) VALUES (?, ?, ?, 0) ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
    orderId, customerId, createdAt,
  ).toArray().length === 1;
}

/** Marks the order placed (indexing it as placed if its row is gone); answers the customer the id belongs to. */
export function upsertOrderPlaced(sql: SqlStorage, orderId: string, customerId: string, now: number): string {
  return sql.exec<{ customer_id: string }>(
    `INSERT INTO orders (order_id, customer_id, created_at, placed) VALUES (?1, ?2, ?3, 1)
     ON CONFLICT (order_id) DO UPDATE SET placed = 1 WHERE customer_id = ?2
     RETURNING customer_id`,
    orderId, customerId, now,
  ).toArray()[0]?.customer_id ?? selectOrderIndex(sql, orderId)!.customer_id;
}

/** Removes the order's index row unless its order is known to be placed. */
export function deleteUnplacedOrder(sql: SqlStorage, orderId: string, customerId: string): void {
  sql.exec("DELETE FROM orders WHERE order_id = ? AND customer_id = ? AND placed = 0", orderId, customerId);
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

// ---- contact directory --------------------------------------------------------------------------------------

/** Records a customer created through the API; true when it was not there yet. */
export function insertCustomer(sql: SqlStorage, customerId: string, createdAt: number): boolean {
  return sql.exec("INSERT OR IGNORE INTO customers (customer_id, created_at) VALUES (?, ?)", customerId, createdAt).rowsWritten > 0;
}

/** Whether the customer was created through the API or named by an order. */
export function selectCustomerKnown(sql: SqlStorage, customerId: string): boolean {
  return (
    sql
      .exec<{ known: number }>(
        `SELECT EXISTS (SELECT 1 FROM customers WHERE customer_id = ?1)
             OR EXISTS (SELECT 1 FROM orders WHERE customer_id = ?1) AS known`,
        customerId,
      )
      .one().known === 1
  );
}

/** The customer holding a contact (its identity), and whether the hold yields to a verified claim. */
export function selectContactHolder(sql: SqlStorage, kind: ContactKind, value: string): string | undefined {
  return selectHold(sql, kind, value)?.customer_id;
}

export function selectHold(sql: SqlStorage, kind: ContactKind, value: string): { customer_id: string; yields: number } | undefined {
  return sql.exec<{ customer_id: string; yields: number }>(
    "SELECT customer_id, yields FROM contacts WHERE kind = ? AND value = ? AND held = 1", kind, value,
  ).toArray()[0];
}

/** Writes the customer's contact of this kind (replacing the one before), or removes it (`contact` null). */
export function writeContact(
  sql: SqlStorage, customerId: string, kind: ContactKind,
  contact: { value: string; address: string; claimedAt: number; held: boolean; yields: boolean } | null,
): void {
  sql.exec("DELETE FROM contacts WHERE customer_id = ? AND kind = ?", customerId, kind);
  if (contact === null) return;
  sql.exec(
    "INSERT INTO contacts (customer_id, kind, value, address, claimed_at, held, yields) VALUES (?, ?, ?, ?, ?, ?, ?)",
    customerId, kind, contact.value, contact.address, contact.claimedAt, contact.held ? 1 : 0, contact.yields ? 1 : 0,
  );
}

/**
 * The customer has verified its contact of this kind: it holds it from now on and yields no more; a yielding
 * holder of the same identity loses it, and other customers waiting for it stop waiting. False (nothing changed)
 * when another customer holds it without yielding.
 */
export function settleVerifiedContact(sql: SqlStorage, customerId: string, kind: ContactKind): boolean {
  const mine = sql.exec<{ value: string }>("SELECT value FROM contacts WHERE customer_id = ? AND kind = ?", customerId, kind).toArray()[0];
  if (mine === undefined) return true;
  const hold = selectHold(sql, kind, mine.value);
  if (hold !== undefined && hold.customer_id !== customerId && hold.yields === 0) return false;
  sql.exec("DELETE FROM contacts WHERE kind = ? AND value = ? AND customer_id <> ?", kind, mine.value, customerId);
  sql.exec("UPDATE contacts SET held = 1, yields = 0 WHERE customer_id = ? AND kind = ?", customerId, kind);
  return true;
}

/** The customer a contact's welcome bonus went to, or null. */
export function selectWelcomeGivenTo(sql: SqlStorage, kind: ContactKind, value: string): string | null {
  return sql.exec<{ customer_id: string }>("SELECT customer_id FROM welcome_given WHERE kind = ? AND value = ?", kind, value)
    .toArray()[0]?.customer_id ?? null;
}

export function selectWelcomeGiven(sql: SqlStorage, kind: ContactKind, value: string): boolean {
  return sql.exec("SELECT 1 FROM welcome_given WHERE kind = ? AND value = ?", kind, value).toArray().length > 0;
}

export function insertWelcomeGiven(sql: SqlStorage, kind: ContactKind, value: string, customerId: string, givenAt: number): void {
  sql.exec(
    "INSERT OR IGNORE INTO welcome_given (kind, value, customer_id, given_at) VALUES (?, ?, ?, ?)",
    kind,
    value,
    customerId,
    givenAt,
  );
}
