/**
 * The CustomerAccount's statements about reward coupons, the coupons each order used, and birthday bonuses
 * (the tables are in account-sql.ts's schema, version 3). One named, typed function per statement.
 */
import type { Row } from "./account-sql.ts";
import type { CouponState } from "./types.ts";

export interface CouponRow {
  code: string;
  rewardId: string;
  rewardName: string;
  cost: number;
  issuedAt: number;
  expiresAt: number;
  state: CouponState;
  orderId: string | null;
  refundExpiryDays: number | null;
  expiredAt: number | null;
}

export function insertCoupon(sql: SqlStorage, c: Omit<CouponRow, "state" | "orderId" | "expiredAt">): void {
  sql.exec(
    `INSERT INTO coupons (code, rewardId, rewardName, cost, issuedAt, expiresAt, state, refundExpiryDays)
     VALUES (?, ?, ?, ?, ?, ?, 'active', ?)`,
    c.code, c.rewardId, c.rewardName, c.cost, c.issuedAt, c.expiresAt, c.refundExpiryDays,
  );
}

export function selectCoupon(sql: SqlStorage, code: string): CouponRow | undefined {
  return sql.exec<Row<CouponRow>>("SELECT * FROM coupons WHERE code = ?", code).toArray()[0];
}

/** Newest first; `states` limits the list (all states when absent). */
export function selectCoupons(sql: SqlStorage, states?: readonly CouponState[]): CouponRow[] {
  if (!states) return sql.exec<Row<CouponRow>>("SELECT * FROM coupons ORDER BY issuedAt DESC, rowid DESC").toArray();
  return sql
    .exec<Row<CouponRow>>(
      `SELECT * FROM coupons WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY issuedAt DESC, rowid DESC`,
      ...states,
    )
    .toArray();
}

/** Moves a coupon to a state; `orderId` is the order holding or having used it (null otherwise). */
export function updateCouponState(sql: SqlStorage, code: string, state: Exclude<CouponState, "expired">, orderId: string | null): void {
  sql.exec("UPDATE coupons SET state = ?, orderId = ? WHERE code = ?", state, orderId, code);
}

export function markCouponExpired(sql: SqlStorage, code: string, at: number): void {
  sql.exec("UPDATE coupons SET state = 'expired', orderId = NULL, expiredAt = ? WHERE code = ?", at, code);
}

/**
 * The earliest coupon event due at or before `now`: an active coupon reaching its expiry (`expire`, at
 * expiresAt), or a coupon held by an order whose hold lapsed (`release`, at the lapse).
 */
export function selectDueCouponEvent(sql: SqlStorage, now: number): (CouponRow & { kind: "expire" | "release"; dueAt: number }) | undefined {
  return sql
    .exec<Row<CouponRow & { kind: "expire" | "release"; dueAt: number }>>(
      `SELECT * FROM (
         SELECT c.*, 'expire' AS kind, c.expiresAt AS dueAt FROM coupons c WHERE c.state = 'active' AND c.expiresAt <= ?1
         UNION ALL
         SELECT c.*, 'release' AS kind, o.lapsedAt AS dueAt FROM coupons c JOIN orders o ON o.orderId = c.orderId
         WHERE c.state = 'held' AND o.status = 'lapsed'
       ) ORDER BY dueAt, code LIMIT 1`,
      now,
    )
    .toArray()[0];
}

// ---- order_coupons ------------------------------------------------------------------------------------------

export function insertOrderCoupon(sql: SqlStorage, orderId: string, code: string): void {
  sql.exec("INSERT INTO order_coupons (orderId, code) VALUES (?, ?)", orderId, code);
}

/** The coupons an order was placed with (kept after it settles, whatever became of them). */
export function selectOrderCoupons(sql: SqlStorage, orderId: string): CouponRow[] {
  return sql
    .exec<Row<CouponRow>>(
      "SELECT c.* FROM order_coupons oc JOIN coupons c ON c.code = oc.code WHERE oc.orderId = ? ORDER BY c.code",
      orderId,
    )
    .toArray();
}

// ---- birthday_bonuses ---------------------------------------------------------------------------------------

export function selectBirthdayBonus(sql: SqlStorage, year: number): { eventId: string; at: number } | undefined {
  return sql.exec<{ eventId: string; at: number }>("SELECT eventId, at FROM birthday_bonuses WHERE year = ?", year).toArray()[0];
}

export function insertBirthdayBonus(sql: SqlStorage, year: number, eventId: string, at: number): void {
  sql.exec("INSERT INTO birthday_bonuses (year, eventId, at) VALUES (?, ?, ?)", year, eventId, at);
}
