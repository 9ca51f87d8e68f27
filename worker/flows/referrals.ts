/**
 * Referral bonuses (docs/program.md `bonuses.referral`): the referee's and the referrer's, paid once — at registration
 * or on the referee's first confirmed order. Every grant is an account bonus with a fixed id, so a step interrupted
 * anywhere can run again and grants nothing twice.
 */
import { accountOf } from "../account/account.ts";
import { unwrap } from "../lib/refusal.ts";
import { shopObject } from "../shop/shop.ts";
import { type ValidProgram } from "../shop/types.ts";

/** The bonus id of the referee's referral bonus (one per customer) and of the referrer's (one per referee). */
export const REFEREE_BONUS_ID = "referral";
export const referrerBonusId = (refereeId: string): string => `referral:${refereeId}`;

/** When the program pays referral bonuses: "registration" or "first_order" (the default), or null for none. */
export function referralMoment(program: ValidProgram): "registration" | "first_order" | null {
  const referral = program.bonuses?.referral;
  if (!referral || (referral.referee <= 0 && referral.referrer <= 0)) return null;
  return referral.on === "registration" ? "registration" : "first_order";
}

/**
 * Grants the referral bonuses still owed for `refereeId` — the referee's and the referrer's — and marks the
 * referral rewarded. Safe to call any number of times; nothing happens when nothing is owed.
 * Returns the referee's points granted by this call (0 on a repeat).
 */
export async function settleReferral(env: Env, shopId: string, refereeId: string, program: ValidProgram, at: number): Promise<number> {
  const shop = shopObject(env, shopId);
  const referrerId = await shop.referralDue(refereeId);
  if (referrerId === null) return 0;
  const referral = program.bonuses?.referral;
  const expiryDays = program.points.expiryDays ?? null;
  let granted = 0;
  if (referral && referral.referee > 0) {
    const bonus = unwrap(await accountOf(env, shopId, refereeId).grantBonus(
      { id: REFEREE_BONUS_ID, points: referral.referee, reason: "referral: welcome from a friend", expiryDays }, at));
    if (bonus.granted) granted = referral.referee;
  }
  if (referral && referral.referrer > 0) {
    unwrap(await accountOf(env, shopId, referrerId).grantBonus(
      { id: referrerBonusId(refereeId), points: referral.referrer, reason: "referral: a friend joined", expiryDays }, at));
  }
  await shop.markReferralRewarded(refereeId, at);
  return granted;
}
