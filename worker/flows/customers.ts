/**
 * Reading and changing a customer's account outside checkout: the account as the shop sees it and as the
 * shopper sees it in the widget, the history, adjustments by hand, events that earn the program's bonuses, and
 * rewards bought with points. Customer ids are the shop's own and live in the shop's namespace, so another shop's
 * customer is simply not found (never forbidden: the id means nothing outside its shop).
 */
import type { Customer, Me } from "../../contract/public.ts";
import { accountOf } from "../account/account.ts";
import type { AccountView, AdjustView, CouponIssued, CouponView, EventInput, EventView, HistoryPage } from "../account/types.ts";
import { sha256Hex } from "../lib/crypto.ts";
import { refusal, unwrap } from "../lib/refusal.ts";
import { shopObject } from "../shop/shop.ts";
import type { CustomerCard, ValidProgram } from "../shop/types.ts";
import { currentProgramOrNull } from "./program.ts";
import { maskContact, welcomeChannel } from "./verification.ts";

/** `not_found` unless the customer exists in this shop (created here, or named by an order). */
export async function requireCustomer(env: Env, shopId: string, customerId: string, message = `No customer ${customerId}`): Promise<void> {
  if (!(await shopObject(env, shopId).hasCustomer(customerId))) throw refusal("not_found", message);
}

/** The account as the shop sees it (`GET /v1/customers/{id}`): the contract's `Customer`. */
export type CustomerView = Customer;

/** The account and the Shop's card of the customer, read side by side. */
async function accountAndCard(env: Env, shopId: string, customerId: string, program: ValidProgram | null, at: number) {
  const [view, card] = await Promise.all([
    accountOf(env, shopId, customerId).getAccount(at, program ?? undefined),
    shopObject(env, shopId).customerCard(customerId, at),
  ]);
  return { view, card };
}

/** The account view with the customer's own referral code (kept by the Shop, created on first need). */
function customerOf(customerId: string, view: AccountView, card: CustomerCard): CustomerView {
  const { name, balance, pending, tier, nextTier, expiring, orders, spend, coupons } = view;
  return { id: customerId, name, balance, pending, tier, nextTier, expiring, referralCode: card.referralCode, orders, spend, coupons };
}

/** The account with the customer's own referral code. */
export async function customerView(env: Env, shopId: string, customerId: string, program: ValidProgram | null, at: number): Promise<CustomerView> {
  const { view, card } = await accountAndCard(env, shopId, customerId, program, at);
  return customerOf(customerId, unwrap(view), card);
}

/** `GET /v1/customers/{id}`. */
export async function readCustomer(env: Env, shopId: string, customerId: string, at: number): Promise<CustomerView> {
  const [, current] = await Promise.all([requireCustomer(env, shopId, customerId), currentProgramOrNull(env, shopId)]);
  return customerView(env, shopId, customerId, current?.program ?? null, at);
}

/** `GET /v1/customers?phone|email`: the customer holding the (normalised) contact. */
export async function findCustomer(env: Env, shopId: string, contact: { phone: string } | { email: string }, at: number): Promise<CustomerView> {
  const [customerId, current] = await Promise.all([shopObject(env, shopId).findCustomer(contact), currentProgramOrNull(env, shopId)]);
  if (customerId === null) throw refusal("not_found", `No customer has this ${"phone" in contact ? "phone" : "email"}`);
  return customerView(env, shopId, customerId, current?.program ?? null, at);
}

/** The account as the widget shows it: what the shop sees and a little more (`GET /v1/public/me`). */
export type MeView = Me;

/** The customer's account as the widget shows it; `not_found` when the shop does not know the customer. */
export async function meOf(env: Env, shopId: string, customerId: string, program: ValidProgram | null, at: number): Promise<MeView> {
  // Two calls side by side: the Shop's card (code, referrals, contacts, verification) and the account itself.
  const { view, card } = await accountAndCard(env, shopId, customerId, program, at);
  if (!card.exists) throw refusal("not_found", "Not a member yet: register first");
  const channel = program ? welcomeChannel(program) : null;
  const { coupons, ...rest } = customerOf(customerId, unwrap(view), card);
  return {
    ...rest,
    referrals: card.referrals,
    coupons,
    contacts: {
      phone: card.contacts.phone === null ? null : maskContact("phone", card.contacts.phone),
      email: card.contacts.email === null ? null : maskContact("email", card.contacts.email),
    },
    verification: channel === null ? null : { channel, verified: card.verified[channel] === true },
  };
}

/** `GET /v1/public/me`, under the current program. */
export async function readMe(env: Env, shopId: string, customerId: string, at: number): Promise<MeView> {
  return meOf(env, shopId, customerId, (await currentProgramOrNull(env, shopId))?.program ?? null, at);
}

/** A page of the customer's history, newest first. */
export async function historyOf(
  env: Env, shopId: string, customerId: string, page: { cursor?: string; limit?: number }, at: number, missing?: string,
): Promise<HistoryPage> {
  await requireCustomer(env, shopId, customerId, missing);
  return unwrap(await accountOf(env, shopId, customerId).history(page, at));
}

/** Points added or taken by hand; they expire like any others (the program's rule). The id alone keys a retry. */
export async function adjustPoints(
  env: Env, shopId: string, customerId: string, adjustment: { id: string; points: number; reason?: string }, at: number,
): Promise<AdjustView> {
  const [, current] = await Promise.all([requireCustomer(env, shopId, customerId), currentProgramOrNull(env, shopId)]);
  const expiryDays = current?.program.points.expiryDays ?? null;
  return unwrap(await accountOf(env, shopId, customerId).adjust({ ...adjustment, expiryDays }, at));
}

/** An event that earns the program's bonus for it (review, rating, survey, birthday, custom). */
export async function recordEvent(
  env: Env, shopId: string, customerId: string, event: Omit<EventInput, "program">, at: number,
): Promise<EventView> {
  const [, current] = await Promise.all([requireCustomer(env, shopId, customerId), currentProgramOrNull(env, shopId)]);
  const p = current?.program;
  const program = p ? { timezone: p.timezone, status: p.status, bonuses: p.bonuses, points: p.points } : null;
  return unwrap(await accountOf(env, shopId, customerId).recordEvent({ ...event, program }, at));
}

/**
 * Redeems one of the program's rewards for the customer: `not_found` for a customer the shop does not have or a
 * reward the current program does not have, `invalid_state` while the program is paused, `insufficient_points`
 * beyond the available balance. `idempotencyKey` (the request's Idempotency-Key) makes the account answer a retry
 * with the first coupon. For both the secret-key API and the widget.
 */
export async function redeemReward(
  env: Env, shopId: string, customerId: string, rewardId: string, at: number, idempotencyKey?: string, missing?: string,
): Promise<CouponIssued> {
  const [, current] = await Promise.all([requireCustomer(env, shopId, customerId, missing), currentProgramOrNull(env, shopId)]);
  const reward = current?.program.rewards.find((r) => r.id === rewardId);
  if (!current || !reward) throw refusal("not_found", `The program has no reward ${rewardId}`, "rewardId");
  if (current.program.status === "paused") throw refusal("invalid_state", "The program is paused: no rewards can be redeemed", "rewardId");
  const requestId = idempotencyKey === undefined ? undefined : await sha256Hex(`kopilka reward request\u0000${idempotencyKey}`);
  return unwrap(await accountOf(env, shopId, customerId).redeemReward({
    rewardId, name: reward.name, cost: reward.cost, validDays: reward.coupon.validDays,
    expiryDays: current.program.points.expiryDays ?? null, requestId,
  }, at));
}

/** A customer's coupons, every state, newest first. */
export async function couponsOf(env: Env, shopId: string, customerId: string, at: number): Promise<CouponView[]> {
  await requireCustomer(env, shopId, customerId);
  return unwrap(await accountOf(env, shopId, customerId).listCoupons(at));
}
