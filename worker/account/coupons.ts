/**
 * Reward coupons (docs/program.md `rewards`). Redeeming a reward takes its cost from the available points and
 * issues a single-use code owned by this customer, valid `validDays` days. A receipt that carries the code
 * (in `codes`, case-insensitively) gets the reward's campaign `reward:<id>` from the engine — only for its
 * owner: anywhere else the code means nothing, like an unknown promo code.
 *
 * States: `active` (usable) → `held` by a pending order → `used` when it is confirmed. A hold that lapses or
 * an order that is cancelled (pending or confirmed) lets the coupon go: `active` again, or `expired` if its
 * time ran out meanwhile. An `active` coupon reaching its expiry becomes `expired` and its cost comes back as
 * points (ledger.ts `expireCoupon`). Returns leave a used coupon used. An order takes a coupon only when its
 * evaluation really applied it (the campaign gave a discount), and a reward at most once per order.
 */
import { LIMITS } from "../../engine/host/limits.ts";
import { normalizeCode, REWARD_PREFIX } from "../../engine/host/compile.ts";
import type { Evaluation } from "../../engine/host/types.ts";
import { randomFrom } from "../lib/crypto.ts";
import { insertEntry } from "./account-sql.ts";
import {
  insertCoupon,
  insertOrderCoupon,
  selectCoupon,
  selectCoupons,
  selectOrderCoupons,
  updateCouponState,
  type CouponRow,
} from "./coupon-sql.ts";
import { recall, remember } from "./idempotency.ts";
import { balances, DAY, releaseCoupon, takeFromAvailable } from "./ledger.ts";
import { emit } from "../lib/outbox.ts";
import { refuse } from "../lib/refusal.ts";
import type { CouponIssued, CouponState, CouponView, RedeemRewardInput } from "./types.ts";
import { couponView, iso } from "./views.ts";

/** 32 characters without 0/O, 1/I (256 is a multiple of 32: no byte is drawn again). */
const CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/** Three groups of four: 60 random bits. */
const CODE_GROUPS = 3;

/** A fresh coupon code, `K-XXXX-XXXX-XXXX`. */
export function newCouponCode(): string {
  const chars = randomFrom(CODE_ALPHABET, CODE_GROUPS * 4);
  const groups: string[] = [];
  for (let g = 0; g < CODE_GROUPS; g++) groups.push(chars.slice(g * 4, g * 4 + 4));
  return `K-${groups.join("-")}`;
}

const MAX_COST = LIMITS.points;
const MAX_VALID_DAYS = 36_500;

/**
 * Spends a reward's cost (soonest-expiring lots first) and issues its coupon. 422 `insufficient_points` beyond
 * the available balance (a negative balance blocks). With `requestId`, a retry answers the first answer.
 */
export function redeemReward(sql: SqlStorage, input: RedeemRewardInput, now: number): CouponIssued {
  const { rewardId, name, cost, validDays } = input;
  const remembered = input.requestId === undefined ? undefined : recall<CouponIssued>(sql, `reward:${input.requestId}`, { rewardId });
  if (remembered?.replay) return remembered.replay;
  if (!Number.isSafeInteger(cost) || cost < 1 || cost > MAX_COST) refuse("invalid_request", "cost must be a positive integer", { path: "cost" });
  if (!Number.isSafeInteger(validDays) || validDays < 1 || validDays > MAX_VALID_DAYS) {
    refuse("invalid_request", `validDays must be an integer from 1 to ${MAX_VALID_DAYS}`, { path: "validDays" });
  }
  const { available } = balances(sql, now);
  if (available < cost) {
    refuse("insufficient_points", `The reward costs ${cost} points; ${Math.max(0, available)} are available`, { path: "rewardId" });
  }
  takeFromAvailable(sql, cost, now);
  let code = newCouponCode();
  // 60 random bits: a clash within one account is next to impossible, but a primary key must never fail.
  while (selectCoupon(sql, code)) code = newCouponCode();
  const expiresAt = now + validDays * DAY;
  insertCoupon(sql, { code, rewardId, rewardName: name, cost, issuedAt: now, expiresAt, refundExpiryDays: input.expiryDays ?? null });
  insertEntry(sql, { at: now, type: "reward", points: -cost, reason: name });
  const issued: CouponIssued = { code, rewardId, name, cost, expiresAt: iso(expiresAt), balance: balances(sql, now).available };
  emit(sql, "points.spent", { points: cost, orderId: null, rewardId, balance: issued.balance }, now);
  emit(sql, "reward.redeemed", { rewardId, name, cost, code, expiresAt: issued.expiresAt, balance: issued.balance }, now);
  return remembered ? remember(sql, remembered, issued, now, 201) : issued;
}

/**
 * The coupons a receipt's `codes` present that this order may use: this customer's, active (or already this
 * order's, for a replay), at most one per reward, in the order of the codes. `lookup`: how a code is looked up
 * (a quote's remembers, preview-memo.ts).
 */
export function presentedCoupons(
  sql: SqlStorage, codes: unknown, orderId: string | null = null, lookup: typeof selectCoupon = selectCoupon,
): CouponRow[] {
  if (!Array.isArray(codes)) return [];
  const found: CouponRow[] = [];
  for (const code of codes) {
    if (typeof code !== "string" || code.length > 64) continue;
    const coupon = lookup(sql, normalizeCode(code));
    if (!coupon || found.some((c) => c.rewardId === coupon.rewardId)) continue;
    const mine = orderId !== null && coupon.orderId === orderId && (coupon.state === "held" || coupon.state === "used");
    if (coupon.state === "active" || mine) found.push(coupon);
  }
  return found;
}

/** The coupons whose campaign the evaluation applied with a discount: the ones an order takes. */
export function appliedCoupons(coupons: readonly CouponRow[], evaluation: Evaluation): CouponRow[] {
  return coupons.filter((c) => evaluation.campaigns.some((a) => a.id === `${REWARD_PREFIX}${c.rewardId}` && a.discount > 0));
}

/** placeOrder: the order holds the coupons it applied. */
export function holdCoupons(sql: SqlStorage, orderId: string, coupons: readonly CouponRow[]): void {
  for (const c of coupons) {
    updateCouponState(sql, c.code, "held", orderId);
    insertOrderCoupon(sql, orderId, c.code);
  }
}

/**
 * confirmOrder: the order's coupons become used. A lapsed order let its coupons go: it takes them again if
 * they are still active, else 422 `hold_expired` (another order has one, or it expired with points back).
 * Checks every coupon before changing any.
 */
export function useCoupons(sql: SqlStorage, orderId: string): void {
  const coupons = selectOrderCoupons(sql, orderId);
  for (const c of coupons) {
    const ours = c.state === "held" && c.orderId === orderId;
    if (!ours && c.state !== "active") {
      refuse("hold_expired", `The hold of order ${orderId} lapsed and coupon ${c.code} is no longer available`);
    }
  }
  for (const c of coupons) updateCouponState(sql, c.code, "used", orderId);
}

/** cancelOrder: coupons this order holds or used are usable again (or expire now, with points back). */
export function releaseOrderCoupons(sql: SqlStorage, orderId: string, now: number): void {
  for (const c of selectOrderCoupons(sql, orderId)) {
    if (c.orderId === orderId && (c.state === "held" || c.state === "used")) releaseCoupon(sql, c, now);
  }
}

/** The customer's coupons, newest first (all states unless `states` narrows them). */
export function listCoupons(sql: SqlStorage, states?: readonly CouponState[]): CouponView[] {
  return selectCoupons(sql, states).map(couponView);
}
