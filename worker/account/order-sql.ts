/**
 * The CustomerAccount's statements about orders, returns, the customer's profile and purchases, and
 * idempotency records (the tables are in account-sql.ts's schema). One named, typed function per statement.
 */
import type { Row } from "./account-sql.ts";

// ---- orders -------------------------------------------------------------------------------------------------

export interface OrderRow {
  orderId: string;
  status: "pending" | "confirmed" | "cancelled" | "lapsed";
  requestHash: string;
  receipt: string;
  evaluation: string;
  programVersion: number;
  pendingDays: number;
  expiryDays: number | null;
  holdPoints: number;
  holdExpiresAt: number;
  book: string;
  limitedCampaigns: string;
  lotId: number | null;
  store: string | null;
  placedAt: number;
  confirmedAt: number | null;
  cancelledAt: number | null;
  lapsedAt: number | null;
}

export function insertOrder(sql: SqlStorage, o: Omit<OrderRow, "lotId" | "confirmedAt" | "cancelledAt" | "lapsedAt">): void {
  sql.exec(
    `INSERT INTO orders (orderId, status, requestHash, receipt, evaluation, programVersion, pendingDays, expiryDays,
       holdPoints, holdExpiresAt, book, limitedCampaigns, store, placedAt)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    o.orderId, o.status, o.requestHash, o.receipt, o.evaluation, o.programVersion, o.pendingDays, o.expiryDays,
    o.holdPoints, o.holdExpiresAt, o.book, o.limitedCampaigns, o.store, o.placedAt,
  );
}

export function selectOrder(sql: SqlStorage, orderId: string): OrderRow | undefined {
  return sql.exec<Row<OrderRow>>("SELECT * FROM orders WHERE orderId = ?", orderId).toArray()[0];
}

export function updateOrderConfirmed(sql: SqlStorage, orderId: string, at: number, lotId: number | null): void {
  sql.exec("UPDATE orders SET status = 'confirmed', confirmedAt = ?, lotId = ? WHERE orderId = ?", at, lotId, orderId);
}

export function updateOrderCancelled(sql: SqlStorage, orderId: string, at: number): void {
  sql.exec("UPDATE orders SET status = 'cancelled', cancelledAt = ? WHERE orderId = ?", at, orderId);
}

/** Pending orders whose hold ended at or before `now` become lapsed (at their hold's end). */
/** Pending orders whose hold ended by `now` become lapsed; answers them (for their events). */
export function lapseHolds(sql: SqlStorage, now: number): { orderId: string; holdPoints: number; holdExpiresAt: number }[] {
  return sql.exec<{ orderId: string; holdPoints: number; holdExpiresAt: number }>(
    "UPDATE orders SET status = 'lapsed', lapsedAt = holdExpiresAt WHERE status = 'pending' AND holdExpiresAt <= ? RETURNING orderId, holdPoints, holdExpiresAt",
    now,
  ).toArray();
}

export function sumHeld(sql: SqlStorage, now: number): number {
  return sql
    .exec<{ held: number }>(
      "SELECT COALESCE(SUM(holdPoints), 0) AS held FROM orders WHERE status = 'pending' AND holdExpiresAt > ?",
      now,
    )
    .one().held;
}

/**
 * Holds that were in force at instant `at` (≤ the time advance() has reached): still pending, or lapsed by a
 * hold end after `at`. Confirmed and cancelled orders ran advance() up to their own time first, so they are
 * never holding at an instant still being processed.
 */
export function selectHoldsAt(sql: SqlStorage, at: number): { held: number; until: number | null } {
  return sql
    .exec<{ held: number; until: number | null }>(
      `SELECT COALESCE(SUM(holdPoints), 0) AS held, MAX(holdExpiresAt) AS until FROM orders
       WHERE status IN ('pending', 'lapsed') AND holdExpiresAt > ? AND holdPoints > 0`,
      at,
    )
    .one();
}

// ---- order_spends -------------------------------------------------------------------------------------------

export interface OrderSpendRow {
  orderId: string;
  lotId: number;
  points: number;
  givenBack: number;
}

export function insertOrderSpend(sql: SqlStorage, orderId: string, lotId: number, points: number): void {
  sql.exec("INSERT INTO order_spends (orderId, lotId, points) VALUES (?, ?, ?)", orderId, lotId, points);
}

/** The lots an order spent from, in giving-back order: latest expiry first (never-expiring first), newest first. */
export function selectOrderSpends(sql: SqlStorage, orderId: string): (OrderSpendRow & { expiresAt: number | null })[] {
  return sql
    .exec<Row<OrderSpendRow & { expiresAt: number | null }>>(
      `SELECT s.*, l.expiresAt FROM order_spends s JOIN lots l ON l.id = s.lotId WHERE s.orderId = ?
       ORDER BY l.expiresAt IS NULL DESC, l.expiresAt DESC, s.lotId DESC`,
      orderId,
    )
    .toArray();
}

export function updateOrderSpendGivenBack(sql: SqlStorage, orderId: string, lotId: number, givenBack: number): void {
  sql.exec("UPDATE order_spends SET givenBack = ? WHERE orderId = ? AND lotId = ?", givenBack, orderId, lotId);
}

// ---- returns ------------------------------------------------------------------------------------------------

export interface ReturnRow {
  returnId: string;
  orderId: string;
  lines: string;
  pointsTakenBack: number;
  pointsGivenBack: number;
  amount: number;
  at: number;
}

export function insertReturn(sql: SqlStorage, r: ReturnRow): void {
  sql.exec(
    "INSERT INTO returns (returnId, orderId, lines, pointsTakenBack, pointsGivenBack, amount, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    r.returnId, r.orderId, r.lines, r.pointsTakenBack, r.pointsGivenBack, r.amount, r.at,
  );
}

export function selectReturns(sql: SqlStorage, orderId: string): ReturnRow[] {
  return sql.exec<Row<ReturnRow>>("SELECT * FROM returns WHERE orderId = ? ORDER BY at, rowid", orderId).toArray();
}

// ---- bought, campaign_uses ----------------------------------------------------------------------------------

/**
 * Counts an order (delta 1) or takes it back (-1) for each of its skus and categories, in one statement however
 * many there are (a JSON array bound once: Durable Object SQL takes at most 100 bound parameters). Rows whose
 * count falls to zero are deleted.
 */
export function addBought(sql: SqlStorage, items: readonly { kind: "sku" | "category"; value: string }[], delta: 1 | -1, at: number): void {
  if (items.length === 0) return;
  const json = JSON.stringify(items.map((i) => [i.kind, i.value]));
  sql.exec(
    `INSERT INTO bought (kind, value, orders, lastAt)
     SELECT j.value ->> 0, j.value ->> 1, ?2, ?3 FROM json_each(?1) AS j WHERE true
     ON CONFLICT (kind, value) DO UPDATE SET orders = orders + ?2, lastAt = MAX(lastAt, ?3)`,
    json, delta, at,
  );
  if (delta < 0) {
    sql.exec("DELETE FROM bought WHERE orders <= 0 AND (kind, value) IN (SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) AS j)", json);
  }
}

/** Adds `delta` to each campaign's uses by this customer (never below 0), in one statement. */
export function addCampaignUses(sql: SqlStorage, campaignIds: readonly string[], delta: 1 | -1): void {
  if (campaignIds.length === 0) return;
  sql.exec(
    `INSERT INTO campaign_uses (campaignId, uses) SELECT j.value, MAX(?2, 0) FROM json_each(?1) AS j WHERE true
     ON CONFLICT (campaignId) DO UPDATE SET uses = MAX(uses + ?2, 0)`,
    JSON.stringify(campaignIds), delta,
  );
}

// ---- profile ------------------------------------------------------------------------------------------------

export interface ProfileRow {
  customerId: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  birthday: string | null;
  referralCode: string | null;
  createdAt: number;
  updatedAt: number;
  registeredAt: number | null;
}

export function selectProfile(sql: SqlStorage): ProfileRow | undefined {
  return sql.exec<Row<ProfileRow>>("SELECT * FROM profile WHERE id = 1").toArray()[0];
}

export function upsertProfileRow(
  sql: SqlStorage,
  p: Omit<ProfileRow, "createdAt" | "updatedAt" | "registeredAt">,
  now: number,
): void {
  sql.exec(
    `INSERT INTO profile (id, customerId, name, phone, email, birthday, referralCode, createdAt, updatedAt, registeredAt)
     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)
     ON CONFLICT (id) DO UPDATE SET customerId = COALESCE(?1, customerId), name = ?2, phone = ?3, email = ?4,
       birthday = ?5, referralCode = ?6, updatedAt = ?7, registeredAt = COALESCE(registeredAt, ?7)`,
    p.customerId, p.name, p.phone, p.email, p.birthday, p.referralCode, now,
  );
}

/** Remembers the customer id when an order names it before any profile exists. */
export function noteCustomerId(sql: SqlStorage, customerId: string, now: number): void {
  sql.exec(
    `INSERT INTO profile (id, customerId, createdAt, updatedAt) VALUES (1, ?1, ?2, ?2)
     ON CONFLICT (id) DO UPDATE SET customerId = COALESCE(customerId, ?1)`,
    customerId, now,
  );
}

// ---- idempotency --------------------------------------------------------------------------------------------

export interface IdempotencyRow {
  key: string;
  requestHash: string;
  status: number;
  body: string;
  at: number;
}

export function selectIdempotency(sql: SqlStorage, key: string): IdempotencyRow | undefined {
  return sql.exec<Row<IdempotencyRow>>("SELECT * FROM idempotency WHERE key = ?", key).toArray()[0];
}

export function insertIdempotency(sql: SqlStorage, row: IdempotencyRow): void {
  sql.exec(
    "INSERT INTO idempotency (key, requestHash, status, body, at) VALUES (?, ?, ?, ?, ?)",
    row.key, row.requestHash, row.status, row.body, row.at,
  );
}
