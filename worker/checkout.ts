/**
 * Checkout orchestration across objects (worker/README.md "Placing and settling an order"): the program
 * from the Shop; for a quote, the customer's snapshot and the reward coupons their receipt presents from their
 * CustomerAccount and what is left of limited campaigns from their CampaignCounters; an order is placed by the
 * account, which reserves its limited campaigns itself; their uses are committed when it is confirmed, released
 * when it is cancelled (lapsed holds release themselves at the counter).
 */
import type { CampaignCounters, CustomerSnapshot, Program, Receipt } from "../engine/host/types.ts";
import type { QuoteOptions } from "../engine/host/index.ts";
import type { CustomerAccount } from "./account/account.ts";
import { unwrap } from "./account/result.ts";
import type { LimitedCampaign, OrderReceipt, OrderView, QuotedEvaluation } from "./account/types.ts";
import { campaignCounter } from "./counters/counter.ts";
import { limitedCampaigns, peekCounter, recentReading, releaseReservations } from "./counters/reservations.ts";
import { engineFor, knownProgram, quoteIdOfAsync, rememberProgram } from "./engine-cache.ts";
import { now as clockNow } from "./clock.ts";
import { HttpError } from "./http.ts";

export { unwrap };
import { shopObject } from "./shop/shop.ts";
import { objectByName } from "./objects.ts";

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
const MAX_CACHED_SHOPS = 64;
const currentVersions = new Map<string, { version: number; until: number }>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= MAX_CACHED_SHOPS) map.delete(map.keys().next().value!);
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
  const cached = known && known.until > at ? knownProgram(shopId, known.version) : undefined;
  if (cached) return { version: known!.version, program: cached as Program };
  const shop = shopObject(env, shopId);
  const version = await shop.getProgramVersion();
  if (version === null) throw new HttpError(404, "not_found", "No program has been published yet");
  let program = knownProgram(shopId, version) as Program | undefined;
  if (!program) {
    const stored = await shop.getProgram(version);
    if (stored === null) throw new Error(`program version ${version} of shop ${shopId} vanished`);
    program = stored.program as Program;
    rememberProgram(shopId, version, program);
  }
  remember(currentVersions, shopId, { version, until: at + PROGRAM_VERSION_TTL_MS });
  return { version, program };
}

export function accountOf(env: Env, shopId: string, customerId: string): DurableObjectStub<CustomerAccount> {
  return objectByName(env.CUSTOMER_ACCOUNT, `${shopId}:${customerId}`);
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
  const evaluation = engineFor(shopId, version, program).quote(receipt, snapshot, counters, options);
  return { ...evaluation, programVersion: version, quoteId: await quoteIdOfAsync(evaluation) };
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
  const indexed = await shopObject(env, shopId).indexOrder(orderId, customerId, now);
  if (indexed.customerId !== customerId) {
    throw new HttpError(409, "idempotency_conflict", `Order ${orderId} belongs to another customer`, "orderId");
  }
  const { version } = await currentProgram(env, shopId);
  return unwrap(await accountOf(env, shopId, customerId).placeOrder({
    shopId, programVersion: version, orderId, receipt, quoteId: order.quoteId, holdMinutes: order.holdMinutes, now, reserve: true,
  }));
}

/** The customer an order belongs to (the Shop's order index); 404 for an order this shop never placed. */
export async function orderOwner(env: Env, shopId: string, orderId: string): Promise<string> {
  const found = await shopObject(env, shopId).findOrder(orderId);
  if (!found) throw new HttpError(404, "not_found", `No order ${orderId}`);
  return found.customerId;
}

/**
 * Confirmation commits the order's campaign uses at their counters. The account took them again before
 * confirming a lapsed order (account/confirm.ts), so each counter holds a reservation to commit; one it does not
 * (a retry after a crash let the reservation lapse) is recorded as committed anyway: the order was confirmed with
 * that discount, and the counter must count every use given.
 */
export async function commitCounters(env: Env, shopId: string, order: OrderView): Promise<void> {
  await Promise.all(order.limitedCampaigns.map((c: LimitedCampaign) =>
    campaignCounter(env, shopId, c.campaignId).commit(order.orderId, { uses: 1, budget: c.discount })));
}

/** Cancellation gives the order's campaign uses back. */
export async function releaseCounters(env: Env, shopId: string, order: OrderView): Promise<void> {
  await releaseReservations(env, shopId, order.orderId, order.limitedCampaigns.map((c: LimitedCampaign) => c.campaignId));
}
