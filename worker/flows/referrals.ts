/**
 * Referral bonuses (docs/program.md `bonuses.referral`): the referee's and the referrer's, paid once — at registration
 * or on the referee's first confirmed order — and taken back when that order is cancelled or returned in full. Every
 * grant is an account bonus with a fixed id, and every take-back is keyed by the bonus it takes back, so a step
 * interrupted anywhere can run again and grants or takes nothing twice.
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
 *
 * With `orderId` (the `first_order` moment: that order was just confirmed) the referral first names the order
 * that pays it — the first one named stays — and once both bonuses are granted the order is looked at again: if
 * it was cancelled or returned in full meanwhile (its cancellation may have looked before the bonuses landed),
 * they are taken back here.
 * Returns the referee's points granted by this call (0 on a repeat).
 */
export async function settleReferral(
  env: Env, shopId: string, refereeId: string, program: ValidProgram, at: number, orderId?: string,
): Promise<number> {
  const shop = shopObject(env, shopId);
  const referrerId = await shop.referralDue(refereeId);
  if (referrerId === null) return 0;
  const payingOrder = orderId === undefined ? null : await shop.claimReferral(refereeId, orderId);
  if (orderId !== undefined && payingOrder === null) return 0;
  const referral = program.bonuses?.referral;
  const expiryDays = program.points.expiryDays ?? null;
  let granted = 0;
  if (referral && referral.referee > 0) {
    const bonus = unwrap(await accountOf(env, shopId, refereeId).grantBonus(
      { id: REFEREE_BONUS_ID, points: referral.referee, reason: "referral: welcome from a friend", expiryDays,
        referral: { role: "referee", otherCustomerId: referrerId, trigger: referralMoment(program) ?? "first_order" } }, at));
    if (bonus.granted) granted = referral.referee;
  }
  if (referral && referral.referrer > 0) {
    unwrap(await accountOf(env, shopId, referrerId).grantBonus(
      { id: referrerBonusId(refereeId), points: referral.referrer, reason: "referral: a friend joined", expiryDays,
        referral: { role: "referrer", otherCustomerId: refereeId, trigger: referralMoment(program) ?? "first_order" } }, at));
  }
  await shop.markReferralRewarded(refereeId, at);
  if (payingOrder !== null && !unwrap(await accountOf(env, shopId, refereeId).orderStands(payingOrder, at))) {
    await takeBackReferral(env, shopId, refereeId, payingOrder, at);
    return 0;
  }
  return granted;
}

/**
 * The order that paid `refereeId`'s referral was cancelled or returned in full: both bonuses go back — the
 * referee's and the referrer's, as many points as each was granted, into debt where they were spent
 * (account.ts `revokeBonus`) — and the referral is over (a later order pays nothing). Nothing happens when this
 * order paid no referral. Safe to call any number of times.
 */
export async function takeBackReferral(env: Env, shopId: string, refereeId: string, orderId: string, at: number): Promise<void> {
  const referrerId = await shopObject(env, shopId).revokeReferral(refereeId, orderId, at);
  if (referrerId === null) return;
  const reason = `referral taken back: order ${orderId} did not stand`;
  await Promise.all([
    accountOf(env, shopId, refereeId).revokeBonus({ bonusId: REFEREE_BONUS_ID, reason }, at).then(unwrap),
    accountOf(env, shopId, referrerId).revokeBonus({ bonusId: referrerBonusId(refereeId), reason }, at).then(unwrap),
  ]);
}
