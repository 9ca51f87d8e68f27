/**
 * Checkout orchestration across objects (worker/README.md "Placing and settling an order"): the program
 * from the Shop; for a quote, the customer's snapshot and the reward coupons their receipt presents from their
 * CustomerAccount and what is left of limited campaigns from their CampaignCounters; an order is placed by the
 * account, which reserves its limited campaigns itself; their uses are committed when it is confirmed, released
 * when it is cancelled (lapsed holds release themselves at the counter).
 */
import type { CampaignCounters, CustomerSnapshot, Program, Receipt } from "../../engine/host/types.ts";
import type { QuoteOptions } from "../../engine/host/index.ts";
import { accountOf } from "../account/account.ts";
import { quoteOrFail, type ReturnResult } from "../account/orders.ts";
import { referralMoment, settleReferral, takeBackReferral } from "./referrals.ts";
import { unwrap, refusal } from "../lib/refusal.ts";
import type { LimitedCampaign, OrderReceipt, OrderView, QuotedEvaluation, ReturnLinesInput } from "../account/types.ts";
import { campaignCounter } from "../counters/counter.ts";
import { limitedCampaigns, peekCounter, recentReading, releaseReservations } from "../counters/reservations.ts";
import { engineFor, quoteIdOfAsync } from "../lib/engine-cache.ts";
import { now as clockNow } from "../lib/clock.ts";

import { shopObject } from "../shop/shop.ts";
import { currentProgram } from "./program.ts";

/** The receipt with `at` filled in (docs/api.md: optional, default now). */
export function withTime(receipt: OrderReceipt, at: number): Receipt {
  return { ...receipt, at: receipt.at ?? new Date(at).toISOString() };
}

/** What the account needs of the program for a snapshot (its tiers): not the whole program over RPC. */
function tiersOf(program: Program): Pick<Program, "tiers"> {
  return { tiers: program.tiers };
}

/**
 * The customer's snapshot and the rewards whose coupons the receipt's codes present (the account's own active
 * coupons; with `orderId`, also those that order already holds — a replay). Rewards the program no longer has
 * are left out: the engine knows only the program's. Anonymous receipts present no coupons.
 */
export async function checkoutSnapshot(
  env: Env, shopId: string, program: Program, receipt: Pick<Receipt, "customerId" | "codes">, now: number, orderId?: string,
): Promise<{ snapshot: CustomerSnapshot; options: QuoteOptions }> {
  if (!receipt.customerId) return { snapshot: {}, options: {} };
  const { snapshot, rewards } = unwrap(await accountOf(env, shopId, receipt.customerId)
    .getCheckoutSnapshot(now, tiersOf(program), { codes: receipt.codes, orderId }));
  const known = new Set((program.rewards ?? []).map((r) => r.id));
  return { snapshot, options: { rewards: rewards.filter((id) => known.has(id)) } };
}

/**
 * How long a quote may use what an isolate last read of a limited campaign's counter. A quote is a preview:
 * placing an order always reserves at the counters, so a stale figure can only make a quote offer a use that is
 * gone (the order then evaluates without it; with a `quoteId`, 409 `conflict`). Without it every quote would cost
 * one more Durable Object round trip per limited campaign.
 */
export const QUOTE_COUNTERS_TTL_MS = 1_000;

/** What is left of every limited campaign, shop-wide, as read at most QUOTE_COUNTERS_TTL_MS ago. */
export async function peekCounters(env: Env, shopId: string, program: Program): Promise<CampaignCounters> {
  const at = clockNow();
  const counters: CampaignCounters = {};
  await Promise.all([...limitedCampaigns(program)].map(async ([id, limits]) => {
    counters[id] = recentReading(shopId, id, at, QUOTE_COUNTERS_TTL_MS) ?? await peekCounter(env, shopId, id, limits, at);
  }));
  return counters;
}

/** POST /v1/checkout/quote: the evaluation for this customer now; changes nothing. */
export async function quote(env: Env, shopId: string, receipt: Receipt, now: number): Promise<QuotedEvaluation> {
  const { version, program } = await currentProgram(env, shopId);
  const [{ snapshot, options }, counters] = await Promise.all([
    checkoutSnapshot(env, shopId, program, receipt, now),
    peekCounters(env, shopId, program),
  ]);
  const evaluation = quoteOrFail(engineFor(shopId, version, program), receipt, snapshot, counters, options);
  return { ...evaluation, currency: program.currency, programVersion: version, quoteId: await quoteIdOfAsync(evaluation) };
}

export interface PlaceOrder {
  orderId: string;
  customerId: string;
  /** As the client sent it: `at` stays absent when it was (it is part of the order's idempotency). */
  receipt: OrderReceipt;
  quoteId?: string;
  holdMinutes: number;
  now: number;
}

/**
 * POST /v1/orders: the order id is indexed in the Shop (the first customer wins), then the customer's account
 * evaluates, reserves the limited campaigns its evaluation applies at their counters and holds — one call, one
 * evaluation; the program travels as its version only (worker/README.md "Placing and settling an order").
 */
export async function placeOrder(env: Env, shopId: string, order: PlaceOrder): Promise<OrderView> {
  const { orderId, customerId, receipt, now } = order;
  const { version } = await currentProgram(env, shopId);
  const shop = shopObject(env, shopId);
  const indexed = await shop.indexOrder(orderId, customerId, now);
  if (indexed.customerId !== customerId) {
    throw refusal("idempotency_conflict", `Order ${orderId} belongs to another customer`, "orderId");
  }
  const account = accountOf(env, shopId, customerId);
  const placed = await account.placeOrder({
    shopId, programVersion: version, orderId, receipt, quoteId: order.quoteId, holdMinutes: order.holdMinutes, now,
  });
  // A refusal changes nothing: the id this request indexed is free again (and names no customer).
  if (!placed.ok && indexed.created) await shop.forgetOrder(orderId, customerId);
  if (placed.ok && !indexed.created && (await shop.orderPlaced(orderId, customerId, now)).customerId !== customerId) {
    // The id was freed by a refused twin and taken by another customer meanwhile: this order gives way.
    await releaseCounters(env, shopId, unwrap(await account.cancelOrder(orderId, now)), now);
    throw refusal("idempotency_conflict", `Order ${orderId} belongs to another customer`, "orderId");
  }
  return unwrap(placed);
}

/** The account holding an order of this shop; `not_found` for an order the shop never placed. */
async function orderHolder(env: Env, shopId: string, orderId: string): Promise<{ customerId: string; referralDue: boolean; referralPaid: boolean }> {
  const found = await shopObject(env, shopId).findOrder(orderId);
  if (!found) throw refusal("not_found", `No order ${orderId}`);
  return found;
}

/**
 * POST /v1/orders/{id}/confirm: the account confirms (a lapsed order only if its points, coupons and campaign
 * uses are still there: account/confirm.ts), then the order's campaign uses are committed at their counters, and
 * a referred customer's first confirmed order pays both referral bonuses (docs/program.md `referral.on:
 * "first_order"`); a retry of the confirmation settles them if an interruption left them owed.
 */
export async function confirmOrder(env: Env, shopId: string, orderId: string, now: number): Promise<OrderView> {
  const holder = await orderHolder(env, shopId, orderId);
  const order = unwrap(await accountOf(env, shopId, holder.customerId).confirmOrder(orderId, now));
  await commitCounters(env, shopId, order, now);
  if (holder.referralDue) {
    const { program } = await currentProgram(env, shopId);
    if (referralMoment(program) === "first_order") await settleReferral(env, shopId, holder.customerId, program, now, orderId);
  }
  return order;
}

/**
 * POST /v1/orders/{id}/cancel: pending → the hold released; confirmed → reversed. Campaign uses go back, and
 * the referral bonuses this order paid are taken back (a retry takes nothing twice).
 */
export async function cancelOrder(env: Env, shopId: string, orderId: string, now: number): Promise<OrderView> {
  const { customerId, referralPaid } = await orderHolder(env, shopId, orderId);
  const order = unwrap(await accountOf(env, shopId, customerId).cancelOrder(orderId, now));
  await releaseCounters(env, shopId, order, now);
  if (referralPaid) await takeBackReferral(env, shopId, customerId, orderId, now);
  return order;
}

/**
 * POST /v1/orders/{id}/returns. A return that brings back the last unit of an order that paid referral bonuses
 * takes them back; a partial return keeps them.
 */
export async function returnLines(env: Env, shopId: string, input: ReturnLinesInput, now: number): Promise<ReturnResult> {
  const { customerId, referralPaid } = await orderHolder(env, shopId, input.orderId);
  const account = accountOf(env, shopId, customerId);
  const result = unwrap(await account.returnLines(input, now));
  if (referralPaid && !unwrap(await account.orderStands(input.orderId, now))) {
    await takeBackReferral(env, shopId, customerId, input.orderId, now);
  }
  return result;
}

/** GET /v1/orders/{id}. */
export async function getOrder(env: Env, shopId: string, orderId: string, now: number): Promise<OrderView> {
  const { customerId } = await orderHolder(env, shopId, orderId);
  return unwrap(await accountOf(env, shopId, customerId).getOrder(orderId, now));
}

/**
 * Confirmation commits the order's campaign uses at their counters. The account took them again before
 * confirming a lapsed order (account/confirm.ts), so each counter holds a reservation to commit; one it does not
 * (a retry after a crash let the reservation lapse) is recorded as committed anyway: the order was confirmed with
 * that discount, and the counter must count every use given.
 */
export async function commitCounters(env: Env, shopId: string, order: OrderView, now: number): Promise<void> {
  await Promise.all(order.limitedCampaigns.map((c: LimitedCampaign) =>
    campaignCounter(env, shopId, c.campaignId).commit(order.orderId, now, { uses: 1, budget: c.discount })));
}

/** Cancellation gives the order's campaign uses back. */
export async function releaseCounters(env: Env, shopId: string, order: OrderView, now: number): Promise<void> {
  await releaseReservations(env, shopId, order.orderId, order.limitedCampaigns.map((c: LimitedCampaign) => c.campaignId), now);
}
