/**
 * Rewards and coupons for the widget routes: the same account operations as the secret-key routes, for the
 * customer of the token.
 */
import { couponsOf, redeemRewardFor as redeem } from "../routes/customers.ts";

/** The customer's coupons, newest first (every state). */
export function couponListOf(env: Env, shopId: string, customerId: string, at: number) {
  return couponsOf(env, shopId, customerId, at);
}

/** Spends the reward's cost and answers the coupon (404 unknown reward, 422 insufficient_points). */
export function redeemRewardFor(env: Env, shopId: string, customerId: string, rewardId: string, at: number, idempotencyKey?: string) {
  return redeem(env, shopId, customerId, rewardId, at, idempotencyKey);
}
