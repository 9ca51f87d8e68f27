/**
 * The Shop object's storage for shopper engagement (issue 4): shop settings for the widget (webhook URL, the
 * sealed secret key that verifies customer tokens), referral codes and referrals, contact verifications, the
 * webhook outbox, consent, and — in the platform object only — the registry of storefront origins that CORS
 * preflights are checked against.
 */
import type { ContactKind } from "./contacts.ts";

/** Version 3 of the Shop schema. */
export const SHOP_ENGAGEMENT_SCHEMA = `
  ALTER TABLE shop ADD COLUMN webhook_url TEXT;
  ALTER TABLE shop ADD COLUMN secret_key_sealed TEXT;   -- AES-GCM under KEY_SEAL_SECRET (tokens.ts)
  ALTER TABLE customers ADD COLUMN consent_at INTEGER;  -- when the shopper accepted the program's terms (widget)
  CREATE TABLE referral_codes (
    code TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE referrals (
    referee_id TEXT PRIMARY KEY,          -- a customer is referred once, ever
    referrer_id TEXT NOT NULL,
    code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    rewarded_at INTEGER                   -- when both bonuses were granted
  );
  CREATE TABLE verifications (
    customer_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('phone', 'email')),
    contact TEXT NOT NULL,                -- the normalised phone/email the code was sent to
    code_hash TEXT NOT NULL,              -- SHA-256 of customer, channel and code
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,            -- wrong codes entered
    sent_at INTEGER NOT NULL,
    verified_at INTEGER,
    PRIMARY KEY (customer_id, channel)
  );
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,                -- the JSON body, deleted once delivered
    attempts INTEGER NOT NULL,
    next_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,          -- not worth delivering after this (a code that has expired)
    last_error TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX outbox_due ON outbox (next_at);
  CREATE TABLE allowed_origins (
    origin TEXT NOT NULL,
    shop_id TEXT NOT NULL,
    PRIMARY KEY (origin, shop_id)
  );
  CREATE INDEX allowed_origins_by_shop ON allowed_origins (shop_id);
`;

/**
 * Version 4: what a verification's answer said of the welcome bonus, so that a retry of the same right code
 * answers the same.
 */
export const SHOP_VERIFICATION_WELCOME_SCHEMA = `
  -- null until the first answer was decided (a comment after the last statement is refused as an empty one)
  ALTER TABLE verifications ADD COLUMN welcome_points INTEGER;
`;

/**
 * Version 7: the order whose confirmation paid a `first_order` referral (set before the bonuses are granted), and
 * when they were taken back because that order was cancelled or fully returned.
 */
export const SHOP_REFERRAL_ORDER_SCHEMA = `
  ALTER TABLE referrals ADD COLUMN order_id TEXT;
  -- null while the bonuses stand
  ALTER TABLE referrals ADD COLUMN revoked_at INTEGER;
`;

export interface EngagementShopRow {
  webhook_url: string | null;
  secret_key_sealed: string | null;
  [column: string]: SqlStorageValue;
}

export function selectEngagement(sql: SqlStorage): EngagementShopRow | undefined {
  return sql.exec<EngagementShopRow>("SELECT webhook_url, secret_key_sealed FROM shop").toArray()[0];
}

export function updateSettings(sql: SqlStorage, settings: { name?: string; origins?: string; webhookUrl?: string | null }): void {
  if (settings.name !== undefined) sql.exec("UPDATE shop SET name = ?", settings.name);
  if (settings.origins !== undefined) sql.exec("UPDATE shop SET origins = ?", settings.origins);
  if (settings.webhookUrl !== undefined) sql.exec("UPDATE shop SET webhook_url = ?", settings.webhookUrl);
}

export function updateSealedSecret(sql: SqlStorage, sealed: string): void {
  sql.exec("UPDATE shop SET secret_key_sealed = ? WHERE secret_key_sealed IS NULL", sealed);
}

export function updateConsent(sql: SqlStorage, customerId: string, at: number): void {
  sql.exec("UPDATE customers SET consent_at = COALESCE(consent_at, ?) WHERE customer_id = ?", at, customerId);
}

// ---- referrals ----------------------------------------------------------------------------------------------

export function selectReferralCodeOf(sql: SqlStorage, customerId: string): string | undefined {
  return sql.exec<{ code: string }>("SELECT code FROM referral_codes WHERE customer_id = ?", customerId).toArray()[0]?.code;
}

export function selectReferralCodeOwner(sql: SqlStorage, code: string): string | undefined {
  return sql.exec<{ customer_id: string }>("SELECT customer_id FROM referral_codes WHERE code = ?", code).toArray()[0]?.customer_id;
}

/** False when the code is taken (the caller draws another). */
export function insertReferralCode(sql: SqlStorage, code: string, customerId: string, at: number): boolean {
  return sql.exec("INSERT OR IGNORE INTO referral_codes (code, customer_id, created_at) VALUES (?, ?, ?)", code, customerId, at).rowsWritten > 0;
}

export interface ReferralRow {
  referrer_id: string;
  code: string;
  created_at: number;
  rewarded_at: number | null;
  order_id: string | null;
  revoked_at: number | null;
  [column: string]: SqlStorageValue;
}

export function selectReferral(sql: SqlStorage, refereeId: string): ReferralRow | undefined {
  return sql.exec<ReferralRow>(
    "SELECT referrer_id, code, created_at, rewarded_at, order_id, revoked_at FROM referrals WHERE referee_id = ?", refereeId,
  ).toArray()[0];
}

/** The order that pays this referral, unless one was named before (the first one stays). */
export function updateReferralOrder(sql: SqlStorage, refereeId: string, orderId: string): void {
  sql.exec("UPDATE referrals SET order_id = COALESCE(order_id, ?) WHERE referee_id = ?", orderId, refereeId);
}

export function updateReferralRevoked(sql: SqlStorage, refereeId: string, at: number): void {
  sql.exec("UPDATE referrals SET revoked_at = COALESCE(revoked_at, ?) WHERE referee_id = ?", at, refereeId);
}

export function insertReferral(sql: SqlStorage, refereeId: string, referrerId: string, code: string, at: number): void {
  sql.exec("INSERT INTO referrals (referee_id, referrer_id, code, created_at) VALUES (?, ?, ?, ?)", refereeId, referrerId, code, at);
}

export function updateReferralRewarded(sql: SqlStorage, refereeId: string, at: number): void {
  sql.exec("UPDATE referrals SET rewarded_at = COALESCE(rewarded_at, ?) WHERE referee_id = ?", at, refereeId);
}

export function countReferrals(sql: SqlStorage, referrerId: string): { invited: number; rewarded: number } {
  return sql
    .exec<{ invited: number; rewarded: number }>(
      "SELECT COUNT(*) AS invited, COUNT(CASE WHEN rewarded_at IS NOT NULL AND revoked_at IS NULL THEN 1 END) AS rewarded FROM referrals WHERE referrer_id = ?",
      referrerId,
    )
    .one();
}

// ---- verifications ------------------------------------------------------------------------------------------

export interface VerificationRow {
  contact: string;
  code_hash: string;
  expires_at: number;
  attempts: number;
  sent_at: number;
  verified_at: number | null;
  welcome_points: number | null;
  [column: string]: SqlStorageValue;
}

export function selectVerification(sql: SqlStorage, customerId: string, channel: ContactKind): VerificationRow | undefined {
  return sql
    .exec<VerificationRow>(
      "SELECT contact, code_hash, expires_at, attempts, sent_at, verified_at, welcome_points FROM verifications WHERE customer_id = ? AND channel = ?",
      customerId,
      channel,
    )
    .toArray()[0];
}

export function upsertVerification(
  sql: SqlStorage,
  v: { customerId: string; channel: ContactKind; contact: string; codeHash: string; expiresAt: number; sentAt: number },
): void {
  sql.exec(
    `INSERT INTO verifications (customer_id, channel, contact, code_hash, expires_at, attempts, sent_at, verified_at)
     VALUES (?, ?, ?, ?, ?, 0, ?, NULL)
     ON CONFLICT (customer_id, channel) DO UPDATE SET contact = excluded.contact, code_hash = excluded.code_hash,
       expires_at = excluded.expires_at, attempts = 0, sent_at = excluded.sent_at, verified_at = NULL, welcome_points = NULL`,
    v.customerId,
    v.channel,
    v.contact,
    v.codeHash,
    v.expiresAt,
    v.sentAt,
  );
}

export function updateVerificationAttempt(sql: SqlStorage, customerId: string, channel: ContactKind): void {
  sql.exec("UPDATE verifications SET attempts = attempts + 1 WHERE customer_id = ? AND channel = ?", customerId, channel);
}

export function updateVerificationWelcome(sql: SqlStorage, customerId: string, channel: ContactKind, points: number): void {
  sql.exec(
    "UPDATE verifications SET welcome_points = ? WHERE customer_id = ? AND channel = ? AND verified_at IS NOT NULL AND welcome_points IS NULL",
    points,
    customerId,
    channel,
  );
}

export function updateVerified(sql: SqlStorage, customerId: string, channel: ContactKind, at: number): void {
  sql.exec("UPDATE verifications SET verified_at = ? WHERE customer_id = ? AND channel = ?", at, customerId, channel);
}

/** A customer's contact row: `value` its identity, `address` where codes go; `held` 0 while it waits for verification. */
export interface ContactRow {
  kind: ContactKind;
  value: string;
  address: string;
  held: number;
  yields: number;
  claimed_at: number;
  [column: string]: SqlStorageValue;
}

/** The customer's current contacts, held or waiting (shop-sql.ts `SHOP_CONTACT_IDENTITY_SCHEMA`). */
export function selectContactsOf(sql: SqlStorage, customerId: string): ContactRow[] {
  return sql.exec<ContactRow>("SELECT kind, value, address, held, yields, claimed_at FROM contacts WHERE customer_id = ?", customerId).toArray();
}

// ---- webhook outbox -----------------------------------------------------------------------------------------

export interface OutboxRow {
  id: number;
  event: string;
  payload: string;
  attempts: number;
  next_at: number;
  expires_at: number;
  [column: string]: SqlStorageValue;
}

export function insertOutbox(sql: SqlStorage, event: string, payload: string, at: number, expiresAt: number): void {
  sql.exec(
    "INSERT INTO outbox (event, payload, attempts, next_at, expires_at, created_at) VALUES (?, ?, 0, ?, ?, ?)",
    event,
    payload,
    at,
    expiresAt,
    at,
  );
}

export function selectDueOutbox(sql: SqlStorage, now: number, limit = 20): OutboxRow[] {
  return sql
    .exec<OutboxRow>("SELECT id, event, payload, attempts, next_at, expires_at FROM outbox WHERE next_at <= ? ORDER BY next_at, id LIMIT ?", now, limit)
    .toArray();
}

export function selectNextOutboxAt(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>("SELECT MIN(next_at) AS at FROM outbox").one().at;
}

export function deleteOutbox(sql: SqlStorage, id: number): void {
  sql.exec("DELETE FROM outbox WHERE id = ?", id);
}

export function updateOutboxRetry(sql: SqlStorage, id: number, nextAt: number, error: string): void {
  sql.exec("UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?", nextAt, error, id);
}

// ---- origin registry (platform object) ------------------------------------------------------------------------

export function replaceOrigins(sql: SqlStorage, shopId: string, origins: readonly string[]): void {
  sql.exec("DELETE FROM allowed_origins WHERE shop_id = ?", shopId);
  for (const origin of origins) sql.exec("INSERT OR IGNORE INTO allowed_origins (origin, shop_id) VALUES (?, ?)", origin, shopId);
}

export function selectOriginKnown(sql: SqlStorage, origin: string): boolean {
  return sql.exec("SELECT 1 FROM allowed_origins WHERE origin = ? LIMIT 1", origin).toArray().length > 0;
}
