/**
 * Engagement steps shared by the secret-key routes and the widget routes (issue 4): referral bonuses, sending a
 * verification code, and the welcome bonus it unlocks. Every grant is an account bonus with a fixed id, so any
 * step can be run again after an interruption and grants nothing twice.
 */
import { unwrap } from "./account/result.ts";
import { sha256Hex } from "./auth.ts";
import { accountOf } from "./checkout.ts";
import type { ContactKind } from "./shop/contacts.ts";
import { randomFrom } from "./shop/engagement.ts";
import { shopObject, type ValidProgram } from "./shop/shop.ts";

/** The bonus id of the referee's referral bonus (one per customer) and of the referrer's (one per referee). */
export const REFEREE_BONUS_ID = "referral";
export const referrerBonusId = (refereeId: string): string => `referral:${refereeId}`;
export const WELCOME_BONUS_ID = "welcome";

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

/** When the program pays referral bonuses: "registration" or "first_order" (the default), or null for none. */
export function referralMoment(program: ValidProgram): "registration" | "first_order" | null {
  const referral = program.bonuses?.referral;
  if (!referral || (referral.referee <= 0 && referral.referrer <= 0)) return null;
  return referral.on === "registration" ? "registration" : "first_order";
}

/** Hash of a verification code as the Shop stores it (bound to the shop, customer and channel). */
export function codeHash(shopId: string, customerId: string, channel: ContactKind, code: string): Promise<string> {
  return sha256Hex(`kopilka verification\u0000${shopId}\u0000${customerId}\u0000${channel}\u0000${code}`);
}

/** A new 6-digit code, uniformly random. */
export function newCode(): string {
  return randomFrom("0123456789", 6);
}

/**
 * Sends a new code to the customer's contact on `channel`: stored (hashed) and queued for the shop's webhook in
 * one step. Answers where it went and until when it is good, or why it could not be sent.
 */
export async function sendVerificationCode(env: Env, shopId: string, customerId: string, channel: ContactKind, at: number, locale?: string) {
  const code = newCode();
  return shopObject(env, shopId).startVerification({
    customerId,
    channel,
    codeHash: await codeHash(shopId, customerId, channel, code),
    now: at,
    event: "verification.code",
    payload: { type: "verification.code", shopId, customerId, channel, code, ...(locale ? { locale } : {}) },
  });
}

/** Grants the welcome bonus once (its fixed id); true when this call granted it. */
export async function grantWelcome(env: Env, shopId: string, customerId: string, program: ValidProgram, at: number): Promise<boolean> {
  const welcome = program.bonuses?.welcome;
  if (!welcome || welcome.points <= 0) return false;
  const bonus = unwrap(await accountOf(env, shopId, customerId).grantBonus(
    { id: WELCOME_BONUS_ID, points: welcome.points, reason: "welcome", expiryDays: program.points.expiryDays ?? null }, at));
  return bonus.granted;
}

/** A contact shown back to its owner without spelling it out: `+7 *** ***-45-67`, `a***@example.com`. */
export function maskContact(kind: ContactKind, value: string): string {
  if (kind === "email") {
    const at = value.lastIndexOf("@");
    return at <= 0 ? "***" : `${value[0]}***${value.slice(at)}`;
  }
  if (value.startsWith("+7") && value.length === 12) return `+7 *** ***-${value.slice(8, 10)}-${value.slice(10)}`;
  return `${value.slice(0, 3)}***${value.slice(-4)}`;
}
