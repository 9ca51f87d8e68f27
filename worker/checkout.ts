/**
 * Checkout orchestration across objects (worker/README.md "Placing and settling an order"): the program
 * from the Shop, the customer's snapshot and the reward coupons their receipt presents from their
 * CustomerAccount, what is left of limited campaigns from their CampaignCounters — reserved for an order before
 * the account holds it, committed when it is confirmed, released when it is cancelled (lapsed holds release
 * themselves at the counter).
 */
import type { CampaignCounters, Campaign, CustomerSnapshot, Program, Receipt } from "../engine/host/types.ts";
import type { QuoteOptions } from "../engine/host/index.ts";
import type { CustomerAccount } from "./account/account.ts";
import { unwrap } from "./account/result.ts";
import type { LimitedCampaign, OrderReceipt, OrderView, QuotedEvaluation } from "./account/types.ts";
import { campaignCounter } from "./counters/counter.ts";
import { engineFor, quoteIdOf } from "./engine-cache.ts";
import { now as clockNow } from "./clock.ts";
import { HttpError } from "./http.ts";

export { unwrap };
import { shopObject } from "./shop/shop.ts";

/** The receipt with `at` filled in (api.md: optional, default now). */
export function withTime(receipt: OrderReceipt, at: number): Receipt {
  return { ...receipt, at: receipt.at ?? new Date(at).toISOString() };
}

export interface CurrentProgram {
  version: number;
  program: Program;
}

/**
 * How long an isolate trusts the current program version it read from the Shop. Every quote and order needs
 * the program; reading it from the Shop object costs a round-trip and a 50-campaign program's JSON parse and
 * copy each time. A version's text never changes, so programs are kept per (shop, version); only "which
 * version is current" can go stale, by at most this long in an isolate other than the one that published
 * (that one forgets at once, `forgetCurrentProgram`).
 */
export const PROGRAM_VERSION_TTL_MS = 5_000;
/** Enough for the shops an isolate serves at once; the oldest entry is dropped beyond it. */
const MAX_CACHED_PROGRAMS = 64;
const programs = new Map<string, CurrentProgram>();
const currentVersions = new Map<string, { version: number; until: number }>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= MAX_CACHED_PROGRAMS) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** After `PUT /v1/program` in this isolate: the next request reads the current version from the Shop. */
export function forgetCurrentProgram(shopId: string): void {
  currentVersions.delete(shopId);
}

/** The shop's current program; 404 when none is published (nothing can be evaluated yet). */
export async function currentProgram(env: Env, shopId: string): Promise<CurrentProgram> {
  const at = clockNow();
  const known = currentVersions.get(shopId);
  const cached = known && known.until > at ? programs.get(`${shopId}\u0000${known.version}`) : undefined;
  if (cached) return cached;
  const shop = shopObject(env, shopId);
  const version = await shop.getProgramVersion();
  if (version === null) throw new HttpError(404, "not_found", "No program has been published yet");
  const key = `${shopId}\u0000${version}`;
  let current = programs.get(key);
  if (!current) {
    const stored = await shop.getProgram(version);
    if (stored === null) throw new Error(`program version ${version} of shop ${shopId} vanished`);
    current = stored as CurrentProgram;
    remember(programs, key, current);
  }
  remember(currentVersions, shopId, { version, until: at + PROGRAM_VERSION_TTL_MS });
  return current;
}

export function accountOf(env: Env, shopId: string, customerId: string): DurableObjectStub<CustomerAccount> {
  return env.CUSTOMER_ACCOUNT.getByName(`${shopId}:${customerId}`);
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

function limitedCampaigns(program: Program): Campaign[] {
  return (program.campaigns ?? []).filter((c) => c.limits?.totalUses !== undefined || c.limits?.budget !== undefined);
}

/**
 * How long a quote may use what an isolate last read of a limited campaign's counter. A quote is a preview:
 * placing an order always reads the counters afresh and reserves, so a stale figure can only make a quote
 * offer a use that is gone (the order then evaluates without it; with a `quoteId`, 409 `conflict`). Without
 * it every quote would cost one more Durable Object round trip per limited campaign.
 */
export const QUOTE_COUNTERS_TTL_MS = 1_000;
const counterReadings = new Map<string, { left: CampaignCounters[string]; until: number }>();

/** What is left of every limited campaign, shop-wide; `fresh: false` lets a quote use a recent reading. */
export async function peekCounters(env: Env, shopId: string, program: Program, fresh = true): Promise<CampaignCounters> {
  const at = clockNow();
  const limited = limitedCampaigns(program);
  const counters: CampaignCounters = {};
  await Promise.all(limited.map(async (c) => {
    const key = `${shopId}\u0000${c.id}`;
    const recent = fresh ? undefined : counterReadings.get(key);
    if (recent && recent.until > at) {
      counters[c.id] = recent.left;
      return;
    }
    const left = await campaignCounter(env, shopId, c.id).peek(c.limits ?? {});
    counters[c.id] = left;
    remember(counterReadings, key, { left, until: at + QUOTE_COUNTERS_TTL_MS });
  }));
  return counters;
}

/** POST /v1/checkout/quote: the evaluation for this customer now; changes nothing. */
export async function quote(env: Env, shopId: string, receipt: Receipt, now: number): Promise<QuotedEvaluation> {
  const { version, program } = await currentProgram(env, shopId);
  const [{ snapshot, options }, counters] = await Promise.all([
    checkoutSnapshot(env, shopId, program, receipt, now),
    peekCounters(env, shopId, program, false),
  ]);
  const evaluation = engineFor(shopId, version, program).quote(receipt, snapshot, counters, options);
  return { ...evaluation, programVersion: version, quoteId: quoteIdOf(evaluation) };
}

function limitsOf(program: Program, campaignId: string) {
  return program.campaigns?.find((c) => c.id === campaignId)?.limits ?? {};
}

async function release(env: Env, shopId: string, orderId: string, campaignIds: Iterable<string>): Promise<void> {
  await Promise.all([...campaignIds].map((id) => campaignCounter(env, shopId, id).release(orderId)));
}

const MAX_ROUNDS = 4;

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
 * POST /v1/orders. Reserves the limited campaigns the order would use before the account holds anything:
 * a counter that refuses (another checkout took the last use) makes that campaign unavailable and the order
 * is evaluated again. The account then evaluates with exactly what was reserved, so it can never use more.
 */
export async function placeOrder(env: Env, shopId: string, order: PlaceOrder): Promise<OrderView> {
  const { orderId, customerId, receipt, now } = order;
  const shop = shopObject(env, shopId);
  const indexed = await shop.indexOrder(orderId, customerId, now);
  if (indexed.customerId !== customerId) {
    throw new HttpError(409, "idempotency_conflict", `Order ${orderId} belongs to another customer`, "orderId");
  }
  const { version, program } = await currentProgram(env, shopId);
  const account = accountOf(env, shopId, customerId);
  const engine = engineFor(shopId, version, program);
  const presented = { customerId, codes: receipt.codes };
  const holdExpiresAt = now + order.holdMinutes * 60_000;
  const counters = await peekCounters(env, shopId, program);
  const reserved = new Map<string, number>();
  for (let round = 0; ; round++) {
    const { snapshot, options } = await checkoutSnapshot(env, shopId, program, presented, now, orderId);
    const evaluation = engine.quote(withTime(receipt, now), snapshot, counters, options);
    const wanted = evaluation.campaigns.filter((c) => counters[c.id] !== undefined);
    const outcomes = await Promise.all(wanted.map((c) =>
      campaignCounter(env, shopId, c.id).reserve({ orderId, uses: 1, budget: c.discount, limits: limitsOf(program, c.id), expiresAt: holdExpiresAt })));
    let denied = false;
    wanted.forEach((c, i) => {
      if (outcomes[i]!.granted) reserved.set(c.id, c.discount);
      else {
        denied = true;
        counters[c.id] = { usesLeft: 0, budgetLeft: 0 };
      }
    });
    const stale = [...reserved.keys()].filter((id) => !wanted.some((c) => c.id === id));
    await release(env, shopId, orderId, stale);
    for (const id of stale) reserved.delete(id);
    if (!denied) break;
    if (round + 1 >= MAX_ROUNDS) {
      await release(env, shopId, orderId, reserved.keys());
      throw new HttpError(409, "conflict", "Campaign limits kept changing while the order was placed; retry");
    }
  }
  // The account may use a limited campaign only as far as this order reserved it.
  const granted: CampaignCounters = {};
  for (const id of Object.keys(counters)) {
    const discount = reserved.get(id);
    granted[id] = discount === undefined ? { usesLeft: 0, budgetLeft: 0 } : { usesLeft: 1, budgetLeft: discount };
  }
  const placed = await account.placeOrder({
    shopId, program, programVersion: version, orderId, receipt, quoteId: order.quoteId,
    holdMinutes: order.holdMinutes, counters: granted, now,
  });
  if (!placed.ok) {
    await release(env, shopId, orderId, reserved.keys());
    return unwrap(placed);
  }
  await settleReservations(env, shopId, program, placed.value, reserved, holdExpiresAt);
  return placed.value;
}

/** After the account answered: keep exactly what the order uses (a replay answers the first order). */
async function settleReservations(
  env: Env, shopId: string, program: Program, order: OrderView, reserved: Map<string, number>, expiresAt: number,
): Promise<void> {
  const used = new Map(order.limitedCampaigns.map((c: LimitedCampaign) => [c.campaignId, c.discount]));
  await release(env, shopId, order.orderId, [...reserved.keys()].filter((id) => !used.has(id)));
  await Promise.all([...used].filter(([id, discount]) => reserved.get(id) !== discount).map(([id, discount]) =>
    campaignCounter(env, shopId, id).reserve({ orderId: order.orderId, uses: 1, budget: discount, limits: limitsOf(program, id), expiresAt })));
}

/** The customer an order belongs to (the Shop's order index); 404 for an order this shop never placed. */
export async function orderOwner(env: Env, shopId: string, orderId: string): Promise<string> {
  const found = await shopObject(env, shopId).findOrder(orderId);
  if (!found) throw new HttpError(404, "not_found", `No order ${orderId}`);
  return found.customerId;
}

/** Confirmation commits the order's campaign uses at their counters. */
export async function commitCounters(env: Env, shopId: string, program: Program, order: OrderView, now: number): Promise<void> {
  await Promise.all(order.limitedCampaigns.map(async (c: LimitedCampaign) => {
    const counter = campaignCounter(env, shopId, c.campaignId);
    if ((await counter.commit(order.orderId)).committed) return;
    // The reservation lapsed before the confirmation arrived: take the use again and commit it.
    await counter.reserve({ orderId: order.orderId, uses: 1, budget: c.discount, limits: limitsOf(program, c.campaignId), expiresAt: now + 60_000 });
    await counter.commit(order.orderId);
  }));
}

/** Cancellation gives the order's campaign uses back. */
export async function releaseCounters(env: Env, shopId: string, order: OrderView): Promise<void> {
  await release(env, shopId, order.orderId, order.limitedCampaigns.map((c: LimitedCampaign) => c.campaignId));
}
