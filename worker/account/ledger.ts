/**
 * The points ledger of one customer, as functions over account-sql.ts with the time passed in (`now`, epoch ms).
 * Callers run each function inside the transaction of the operation it belongs to.
 *
 * Rules (each has a test in ledger.test.ts / lifecycle.test.ts):
 * - Points live in lots. A lot is pending until `pendingUntil`, available until `expiresAt` (exclusive), then
 *   its remaining points expire. `debt` is the points owed after earned points that were already spent were
 *   taken back.
 * - Σ of the counted entries' points = Σ lots.remaining − debt, always (the "total").
 *   available = Σ remaining of available lots − debt − points held by pending orders (may be negative: then
 *   nothing can be spent); pending = Σ remaining of pending lots.
 * - Debt is settled from points as soon as they are available (issued, given back, or a pending lot turning
 *   available), soonest-expiring first; so while debt > 0 no available lot has points left.
 * - Spending takes the soonest-expiring available lots first (never-expiring last), ties by lot id, and records
 *   which lot gave how many (order_spends). If the lots hold less than the order's hold (a return took back
 *   points the hold was counting on) the rest becomes debt.
 * - Giving back puts spent points back into the lots they came from, latest-expiring first (the reverse of
 *   spending), so they keep their original expiry. Points given back to a lot that has already expired expire
 *   at once (an `expire` entry at `now`): a return cannot revive expired points.
 * - Taking back earned points takes them from the order's own lot first, then from available lots
 *   (soonest-expiring first); what is still missing becomes debt (the balance goes negative).
 * - Points that a hold still needs do not expire while the hold lasts (`expireLot`): they expire when it ends,
 *   unless the order is confirmed first.
 * - A reward coupon is paid for up front (coupons.ts). One that expires unused gives its cost back as a new lot
 *   (`reward_refund`, available at once, expiring after the program's `points.expiryDays` at issue).
 * - Time-driven events (a pending lot turning available, a lot expiring, a coupon expiring or released by a
 *   lapsed hold) are processed by `advance(now)` in the order they happened, each at its own instant; `advance`
 *   is idempotent and runs before every operation and in the alarm.
 */
import { LIMITS } from "../../engine/host/limits.ts";
import { refuse } from "../lib/refusal.ts";
import { iso } from "../lib/clock.ts";
import { emit } from "../lib/outbox.ts";
import {
  addStats,
  insertEntry,
  insertLot,
  markLotAvailableNoted,
  markLotExpired,
  selectAvailableLots,
  selectDueLotEvent,
  selectDueTimes,
  selectExpiring,
  selectLot,
  selectStats,
  sumAvailableExcept,
  sumLots,
  updateLotRemaining,
  type LotRow,
} from "./account-sql.ts";
import {
  markCouponExpired,
  selectDueCouponEvent,
  updateCouponState,
  type CouponRow,
} from "./coupon-sql.ts";
import {
  insertOrderSpend,
  lapseHolds,
  selectHoldsAt,
  selectOrderSpends,
  sumHeld,
  updateOrderSpendGivenBack,
} from "./order-sql.ts";

export const DAY = 86_400_000;

/** Entry types that record an event without changing the total (their points are shown, not counted). */
export const INFO_TYPES: readonly string[] = ["available"];

export interface Balances {
  /** Spendable now: Σ available lots − debt − held. Negative blocks spending. */
  available: number;
  /** Earned, not yet spendable. */
  pending: number;
  /** Reserved by pending orders whose hold has not lapsed. */
  held: number;
  debt: number;
  /** Σ remaining of every lot − debt: what the counted entries add up to. */
  total: number;
}

export function balances(sql: SqlStorage, now: number): Balances {
  const lots = sumLots(sql, now);
  const { debt } = selectStats(sql);
  const held = sumHeld(sql, now);
  return { available: lots.available - debt - held, pending: lots.pending, held, debt, total: lots.all - debt };
}

/** The instant `days` days after `from`, or null (never) when `days` is null/undefined. */
export function expiryAfter(from: number, days: number | null | undefined): number | null {
  return days === null || days === undefined ? null : from + days * DAY;
}

/** Processes everything due at or before `now`, in time order. Idempotent. */
export function advance(sql: SqlStorage, now: number): void {
  for (const lapsed of lapseHolds(sql, now)) {
    emit(sql, "order.lapsed", { orderId: lapsed.orderId, pointsReleased: lapsed.holdPoints, balance: balances(sql, now).available }, lapsed.holdExpiresAt);
  }
  for (;;) {
    const event = selectDueLotEvent(sql, now);
    const coupon = selectDueCouponEvent(sql, now);
    // At the same instant lots go first: a coupon's refund is a new lot and never changes what was due before it.
    if (coupon && (!event || coupon.dueAt < event.at)) {
      if (coupon.kind === "expire") expireCoupon(sql, coupon, coupon.dueAt);
      else releaseCoupon(sql, coupon, coupon.dueAt);
      continue;
    }
    if (!event) break;
    const lot = selectLot(sql, event.id)!;
    if (event.kind === "available") {
      markLotAvailableNoted(sql, lot.id);
      insertEntry(sql, {
        at: lot.pendingUntil, type: "available", points: lot.remaining, orderId: lot.orderId, lotId: lot.id,
        expiresAt: lot.expiresAt,
      });
      settleDebt(sql, lot.pendingUntil);
    } else {
      expireLot(sql, lot);
    }
  }
}

/**
 * A lot's expiry. Points that holds in force at that instant still need (beyond the other available lots) do
 * not expire yet: they move to a `carry` lot that expires when the last of those holds ends — so a customer
 * whose points expire during checkout can still pay with them, and a lapsed hold lets them expire after all.
 */
function expireLot(sql: SqlStorage, lot: LotRow): void {
  const at = lot.expiresAt!;
  markLotExpired(sql, lot.id, at);
  if (lot.remaining === 0) return;
  const holds = selectHoldsAt(sql, at);
  const keep = Math.min(lot.remaining, Math.max(0, holds.held - sumAvailableExcept(sql, at, lot.id)));
  if (keep > 0) {
    insertLot(sql, { source: "carry", orderId: lot.orderId, points: keep, pendingUntil: at, expiresAt: holds.until, createdAt: at });
  }
  if (lot.remaining > keep) {
    insertEntry(sql, {
      at, type: "expire", points: -(lot.remaining - keep), orderId: lot.orderId, lotId: lot.id, expiresAt: at,
    });
    emit(sql, "points.expired", { points: lot.remaining - keep, orderId: lot.orderId, balance: balances(sql, at).available }, at);
  }
}

/** The next instant something becomes due (a hold's end, a lot turning available or expiring, a coupon expiring), or null. */
export function nextDue(sql: SqlStorage): number | null {
  return selectDueTimes(sql).alarm;
}

/**
 * A coupon expires unused at `at`: its cost comes back as a lot available at once and expiring after the
 * program's `points.expiryDays` as it was when the coupon was issued; a `reward_expired` entry records it.
 */
export function expireCoupon(sql: SqlStorage, coupon: CouponRow, at: number): void {
  markCouponExpired(sql, coupon.code, at);
  const expiresAt = expiryAfter(at, coupon.refundExpiryDays);
  const lotId = issueLot(sql, { source: "reward_refund", orderId: null, points: coupon.cost, pendingUntil: at, expiresAt }, at, true);
  insertEntry(sql, { at, type: "reward_expired", points: coupon.cost, lotId, expiresAt, reason: coupon.rewardName });
  const balance = balances(sql, at).available;
  emit(sql, "coupon.expired", { code: coupon.code, rewardId: coupon.rewardId, name: coupon.rewardName, cost: coupon.cost, balance }, at);
  emit(sql, "points.earned", {
    points: coupon.cost, source: "reward_refund", orderId: null, reason: coupon.rewardName, availableAt: iso(at),
    expiresAt: expiresAt === null ? null : iso(expiresAt), balance,
  }, at);
}

/**
 * An order lets go of a coupon at `at` (its hold lapsed, or it was cancelled): usable again, or — already past
 * its own expiry, which the order's hold had kept it from — expired now with its cost given back.
 */
export function releaseCoupon(sql: SqlStorage, coupon: CouponRow, at: number): void {
  if (coupon.expiresAt <= at) expireCoupon(sql, coupon, at);
  else updateCouponState(sql, coupon.code, "active", null);
}

/** Pays debt from available points, soonest-expiring first. Changes no total. Returns the points settled. */
export function settleDebt(sql: SqlStorage, now: number): number {
  let { debt } = selectStats(sql);
  if (debt === 0) return 0;
  let settled = 0;
  for (const lot of selectAvailableLots(sql, now, debt)) {
    if (debt === 0) break;
    const take = Math.min(lot.remaining, debt);
    updateLotRemaining(sql, lot.id, lot.remaining - take);
    debt -= take;
    settled += take;
  }
  if (settled) addStats(sql, { debt: -settled });
  return settled;
}

/**
 * Creates a lot of `points` and settles debt from it if it is available at once. Returns the lot id. A write that
 * would take the customer's points (every lot's remaining, pending included) beyond `LIMITS.points` — the range the
 * engine evaluates exactly — is refused with `invalid_state` naming `points`, and its transaction changes nothing.
 * Giving back what was spent (`unchecked`: a coupon's refund inside due work) never refuses.
 */
export function issueLot(
  sql: SqlStorage,
  lot: { source: string; orderId: string | null; points: number; pendingUntil: number; expiresAt: number | null },
  now: number,
  unchecked = false,
): number {
  if (!unchecked && sumLots(sql, now).all + lot.points > LIMITS.points) {
    refuse("invalid_state", `The customer's points would exceed ${LIMITS.points} (the most a balance can hold)`, { path: "points" });
  }
  const id = insertLot(sql, { ...lot, createdAt: now });
  settleDebt(sql, now);
  return id;
}

/** Spends `points` for an order from the available lots, recording order_spends; a shortfall becomes debt. */
export function spendFromLots(sql: SqlStorage, orderId: string, points: number, now: number): { fromLots: number; intoDebt: number } {
  let left = points;
  for (const lot of selectAvailableLots(sql, now, points)) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    updateLotRemaining(sql, lot.id, lot.remaining - take);
    insertOrderSpend(sql, orderId, lot.id, take);
    left -= take;
  }
  if (left) addStats(sql, { debt: left });
  return { fromLots: points - left, intoDebt: left };
}

/** Takes `points` from the available lots, soonest-expiring first. The caller checks there are enough. */
export function takeFromAvailable(sql: SqlStorage, points: number, now: number): number {
  let left = points;
  for (const lot of selectAvailableLots(sql, now, points)) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    updateLotRemaining(sql, lot.id, lot.remaining - take);
    left -= take;
  }
  return points - left;
}

/**
 * Takes back earned points: from `lotId` (the order's lot, pending or available) first, then from the available
 * lots; what is missing becomes debt.
 */
export function takeBack(sql: SqlStorage, lotId: number | null, points: number, now: number): { fromLots: number; intoDebt: number } {
  let left = points;
  const own = lotId === null ? undefined : selectLot(sql, lotId);
  if (own && own.remaining > 0 && left > 0) {
    const take = Math.min(own.remaining, left);
    updateLotRemaining(sql, own.id, own.remaining - take);
    left -= take;
  }
  left -= takeFromAvailable(sql, left, now);
  if (left) addStats(sql, { debt: left });
  return { fromLots: points - left, intoDebt: left };
}

/**
 * Gives `points` spent by an order back to the lots they came from (latest-expiring first). Points that went
 * into debt when the order was confirmed reduce the debt; anything beyond (not expected) becomes a new lot
 * expiring `expiryDays` from now. Points given to an already expired lot expire again at once.
 * Returns the points that expired again.
 */
export function giveBack(sql: SqlStorage, orderId: string, points: number, now: number, expiryDays: number | null): number {
  let left = points;
  let expired = 0;
  for (const spend of selectOrderSpends(sql, orderId)) {
    if (left === 0) break;
    const give = Math.min(spend.points - spend.givenBack, left);
    if (give <= 0) continue;
    updateOrderSpendGivenBack(sql, orderId, spend.lotId, spend.givenBack + give);
    left -= give;
    const lot = selectLot(sql, spend.lotId)!;
    // Expired by the clock, or already expired by advance(): a call may carry a `now` a little before an expiry
    // the alarm has processed (the caller read its clock first). Points put back into such a lot would never
    // expire nor be spendable again: they would be lost from the balance while still counted in the total.
    if (lot.expiredAt !== null || (lot.expiresAt !== null && lot.expiresAt <= now)) {
      insertEntry(sql, {
        at: now, type: "expire", points: -give, orderId, lotId: lot.id, expiresAt: lot.expiresAt,
        reason: "given back to a lot that had expired",
      });
      emit(sql, "points.expired", { points: give, orderId, balance: balances(sql, now).available }, now);
      expired += give;
    } else {
      updateLotRemaining(sql, lot.id, lot.remaining + give);
    }
  }
  const { debt } = selectStats(sql);
  const fromDebt = Math.min(debt, left);
  if (fromDebt) addStats(sql, { debt: -fromDebt });
  left -= fromDebt;
  if (left) insertLot(sql, { source: "refund", orderId, points: left, pendingUntil: now, expiresAt: expiryAfter(now, expiryDays), createdAt: now });
  settleDebt(sql, now);
  return expired;
}

/** Points that will expire within (now, until], grouped by instant. */
export function expiring(sql: SqlStorage, now: number, until: number, limit = 10): { points: number; at: number }[] {
  return selectExpiring(sql, now, until, limit);
}
