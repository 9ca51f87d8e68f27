/**
 * Placing and settling orders (worker/README.md "Placing and settling an order"). Each function is the body
 * of one transaction: it reads, decides, writes, and throws Refused (rolling everything back) when the
 * request must be refused. `advance(now)` has already run.
 */
import { DEFAULT_HOLD_MINUTES, LIMITS } from "../../engine/host/limits.ts";
import { ProgramInvalidError, ReceiptInvalidError, type Engine, type QuoteOptions } from "../../engine/host/index.ts";
import type { CampaignCounters, CustomerSnapshot, Evaluation, Program, Receipt } from "../../engine/host/types.ts";
import { engineFor, quoteIdOf } from "../lib/engine-cache.ts";
import { addStats, insertEntry, insertSpendLog } from "./account-sql.ts";
import {
  addBought,
  addCampaignUses,
  insertOrder,
  insertReturn,
  noteCustomerId,
  selectOrder,
  selectReturns,
  updateOrderCancelled,
  updateOrderConfirmed,
  type OrderRow,
} from "./order-sql.ts";
import { bookOf, unitsShare, type OrderBook } from "./book.ts";
import { appliedCoupons, holdCoupons, presentedCoupons, releaseOrderCoupons, useCoupons } from "./coupons.ts";
import { selectCoupon } from "./coupon-sql.ts";
import { recall, remember, type Remembered } from "./idempotency.ts";
import { balances, DAY, expiryAfter, giveBack, issueLot, spendFromLots, takeBack } from "./ledger.ts";
import { emit } from "../lib/outbox.ts";
import { refuse } from "../lib/refusal.ts";
import type { LimitedCampaign, OrderView, PlaceOrderInput, QuotedEvaluation, ReturnLineView, ReturnLinesInput, ReturnView } from "./types.ts";
import { checkSizes } from "./sizes.ts";
import { iso, orderView, snapshotOf } from "./views.ts";

const MAX_HOLD_MINUTES = LIMITS.holdMinutes;

function mustOrder(sql: SqlStorage, orderId: string): OrderRow {
  const order = selectOrder(sql, orderId);
  if (!order) refuse("not_found", `No order ${orderId}`);
  return order;
}

/**
 * The engine's quote; a receipt the engine refuses is 400 invalid_request naming its field, never a 500, and so is
 * one whose evaluation or order would be too large to answer or store (sizes.ts).
 */
export function quoteOrFail(engine: Engine, receipt: Receipt, snapshot: CustomerSnapshot, counters?: CampaignCounters, options?: QuoteOptions): Evaluation {
  try {
    const evaluation = engine.quote(receipt, snapshot, counters, options);
    checkSizes(receipt, evaluation);
    return evaluation;
  } catch (e) {
    if (e instanceof ReceiptInvalidError) {
      refuse("invalid_request", e.message, { path: e.problems[0]?.path ?? "", problems: e.problems });
    }
    throw e;
  }
}

/** A placeOrder input whose program has been found (the caller may pass only its version). */
export type ResolvedOrderInput = PlaceOrderInput & { program: Program };

function engineOrFail(input: ResolvedOrderInput): Engine {
  try {
    return engineFor(input.shopId, input.programVersion, input.program);
  } catch (e) {
    if (e instanceof ProgramInvalidError) refuse("program_invalid", e.message, { problems: e.problems });
    throw e;
  }
}

/** What placing an order settles before evaluating it; the counters are reserved between `planOrder` and `holdOrder`. */
export interface OrderPlan {
  input: ResolvedOrderInput;
  remembered: Remembered<OrderView>;
  engine: Engine;
  /** The receipt with `at` filled in. */
  evaluated: Receipt;
  snapshot: CustomerSnapshot;
  /** This customer's active coupons among the receipt's codes, of rewards the program still has. */
  coupons: ReturnType<typeof presentedCoupons>;
  options: QuoteOptions;
  holdMinutes: number;
}

/**
 * How placing an order reads the customer's snapshot and looks up coupons: straight from storage, or through the
 * account's preview memo (preview-memo.ts), which a quote just before the order has usually filled.
 */
export interface OrderReads {
  snapshot(now: number, program: Program): CustomerSnapshot;
  coupon: typeof selectCoupon;
}

const fromStorage = (sql: SqlStorage): OrderReads => ({ snapshot: (now, program) => snapshotOf(sql, now, program), coupon: selectCoupon });

/**
 * The first half of placing an order (reads only): the stored answer when this is a replay, else the plan —
 * refusing an order id that exists with another body (409) and a hold length out of range (400).
 */
export function planOrder(sql: SqlStorage, input: ResolvedOrderInput, reads: OrderReads = fromStorage(sql)): { replay: OrderView } | { plan: OrderPlan } {
  const { orderId, receipt, quoteId, now } = input;
  const holdMinutes = input.holdMinutes ?? DEFAULT_HOLD_MINUTES;
  // The hold's length is part of the request; the default is left out, so it hashes as it did before it counted.
  const request = { orderId, receipt, quoteId: quoteId ?? null, ...(holdMinutes === DEFAULT_HOLD_MINUTES ? {} : { holdMinutes }) };
  const remembered = recall<OrderView>(sql, `order:${orderId}`, request);
  if (remembered.replay) return { replay: remembered.replay };
  if (selectOrder(sql, orderId)) refuse("idempotency_conflict", `order ${orderId} already exists`);
  if (!Number.isInteger(holdMinutes) || holdMinutes < 1 || holdMinutes > MAX_HOLD_MINUTES) {
    refuse("invalid_request", `holdMinutes must be an integer from 1 to ${MAX_HOLD_MINUTES}`, { path: "holdMinutes" });
  }
  const engine = engineOrFail(input);
  const evaluated: Receipt = { ...receipt, at: receipt.at ?? iso(now) };
  const snapshot = reads.snapshot(now, input.program);
  // A coupon of a reward the program no longer has is not offered (the engine knows only the program's rewards).
  const rewardIds = new Set((input.program.rewards ?? []).map((r) => r.id));
  const coupons = presentedCoupons(sql, receipt.codes, null, reads.coupon).filter((c) => rewardIds.has(c.rewardId));
  const options: QuoteOptions = { rewards: coupons.map((c) => c.rewardId) };
  return { plan: { input, remembered, engine, evaluated, snapshot, coupons, options, holdMinutes } };
}

/** The order's evaluation given what is left of limited campaigns (400 for a receipt the engine refuses). */
export function evaluateOrder(plan: OrderPlan, counters: CampaignCounters | undefined): Evaluation {
  return quoteOrFail(plan.engine, plan.evaluated, plan.snapshot, counters, plan.options);
}

/**
 * The second half (one transaction): holds the points `evaluation` spends and the coupons it applied.
 * Refuses: 409 `conflict` when `quoteId` no longer matches (with the fresh evaluation), 422 `insufficient_points`
 * when a number of points was asked for and the balance (not the program's caps) is what stops it. `counters` are
 * those the evaluation was made with.
 */
export function holdOrder(sql: SqlStorage, plan: OrderPlan, evaluation: Evaluation, counters: CampaignCounters | undefined): OrderView {
  const { input, remembered, engine, evaluated, snapshot, coupons, options, holdMinutes } = plan;
  const { orderId, receipt, quoteId, now } = input;
  const quoted: QuotedEvaluation = { ...evaluation, currency: input.program.currency, programVersion: input.programVersion, quoteId: quoteIdOf(evaluation) };
  if (quoteId !== undefined && quoteId !== quoted.quoteId) {
    refuse("conflict", "The evaluation no longer matches the quote", { evaluation: quoted });
  }
  const asked = receipt.redeemPoints;
  if (typeof asked === "number" && evaluation.pointsSpent < asked) {
    // Would an unlimited balance spend more? Then the balance, not the program's caps, is what stops it.
    const uncapped = quoteOrFail(engine, evaluated, { ...snapshot, balance: 1e15 }, counters, options);
    if (uncapped.pointsSpent > evaluation.pointsSpent) {
      refuse("insufficient_points", `Only ${Math.max(0, snapshot.balance ?? 0)} points are available now`, { path: "redeemPoints" });
    }
  }

  const limits = new Map((input.program.campaigns ?? []).map((c) => [c.id, c.limits]));
  const limitedCampaigns: LimitedCampaign[] = evaluation.campaigns
    .filter((c) => {
      const l = limits.get(c.id);
      return l?.totalUses !== undefined || l?.budget !== undefined;
    })
    .map((c) => ({ campaignId: c.id, discount: c.discount }));
  if (receipt.customerId) noteCustomerId(sql, receipt.customerId, now);
  const placed = {
    orderId,
    status: "pending" as const,
    requestHash: remembered.requestHash,
    receipt: JSON.stringify(evaluated),
    evaluation: JSON.stringify(quoted),
    programVersion: input.programVersion,
    pendingDays: input.program.points.pendingDays ?? 0,
    expiryDays: input.program.points.expiryDays ?? null,
    holdPoints: evaluation.pointsSpent,
    holdExpiresAt: now + holdMinutes * 60_000,
    book: JSON.stringify(bookOf(evaluation, evaluated.lines)),
    limitedCampaigns: JSON.stringify(limitedCampaigns),
    store: typeof receipt.store === "string" ? receipt.store : null,
    placedAt: now,
  };
  insertOrder(sql, placed);
  holdCoupons(sql, orderId, appliedCoupons(coupons, evaluation));
  emit(sql, "order.placed", {
    ...orderFigures(sql, orderId, placed.store, evaluation, now), holdExpiresAt: iso(placed.holdExpiresAt), programVersion: input.programVersion,
  }, now);
  // The row as inserted, not read back; a pending order has no returns.
  const row: OrderRow = { ...placed, lotId: null, confirmedAt: null, cancelledAt: null, lapsedAt: null };
  return remember(sql, remembered, orderView(sql, row, []), now, 201);
}

/** The figures every order event carries; `amount` and `pointsSpent` as evaluated (confirming uses the book's). */
function orderFigures(sql: SqlStorage, orderId: string, store: string | null, evaluation: Evaluation, now: number) {
  return {
    orderId, store, subtotal: evaluation.subtotal, discount: evaluation.discount, amount: evaluation.total,
    pointsSpent: evaluation.pointsSpent, pointsEarned: evaluation.pointsEarned, balance: balances(sql, now).available,
  };
}

/** Skus and categories of an order, once each. */
function boughtOf(book: OrderBook): { kind: "sku" | "category"; value: string }[] {
  const skus = new Set(book.lines.flatMap((l) => (l.sku === undefined ? [] : [l.sku])));
  const categories = new Set(book.lines.flatMap((l) => l.categories ?? []));
  return [...[...skus].map((value) => ({ kind: "sku" as const, value })), ...[...categories].map((value) => ({ kind: "category" as const, value }))];
}

/** Campaigns whose uses count per customer (tier discounts are not campaigns). */
const usedCampaigns = (evaluation: Evaluation): string[] => evaluation.campaigns.map((c) => c.id).filter((id) => !id.startsWith("tier:"));

/**
 * Paid: spends the held points (soonest-expiring lots first), issues the earned points as a lot (pending for
 * the program's pendingDays, expiring expiryDays after it becomes available), adds to spend and order count,
 * records bought skus/categories and campaign uses; its coupons become used. A lapsed hold is honoured if the
 * points and the coupons are still there.
 */
export function confirmOrder(sql: SqlStorage, orderId: string, now: number): OrderView {
  const remembered = recall<OrderView>(sql, `confirm:${orderId}`, { orderId });
  if (remembered.replay) return remembered.replay;
  const order = mustOrder(sql, orderId);
  if (order.status === "cancelled" || order.status === "confirmed") refuse("invalid_state", `Order ${orderId} is ${order.status}`);
  if (order.status === "lapsed" && order.holdPoints > 0 && balances(sql, now).available < order.holdPoints) {
    refuse("hold_expired", `The hold of order ${orderId} lapsed and its ${order.holdPoints} points are no longer available`);
  }
  useCoupons(sql, orderId);
  const evaluation = JSON.parse(order.evaluation) as QuotedEvaluation;
  const book = JSON.parse(order.book) as OrderBook;
  if (order.holdPoints > 0) spendFromLots(sql, orderId, order.holdPoints, now);
  let lotId: number | null = null;
  let expiresAt: number | null = null;
  if (evaluation.pointsEarned > 0) {
    const pendingUntil = now + order.pendingDays * DAY;
    expiresAt = expiryAfter(pendingUntil, order.expiryDays);
    lotId = issueLot(sql, { source: "order", orderId, points: evaluation.pointsEarned, pendingUntil, expiresAt }, now);
  }
  addStats(sql, { spend: book.paid, orders: 1 });
  insertSpendLog(sql, now, book.paid, orderId);
  addBought(sql, boughtOf(book), 1, now);
  addCampaignUses(sql, usedCampaigns(evaluation), 1);
  insertEntry(sql, {
    at: now, type: "order", points: evaluation.pointsEarned - order.holdPoints, orderId, lotId, amount: book.paid,
    pointsSpent: order.holdPoints, pointsEarned: evaluation.pointsEarned, expiresAt, store: order.store,
  });
  updateOrderConfirmed(sql, orderId, now, lotId);
  const figures = { ...orderFigures(sql, orderId, order.store, evaluation, now), amount: book.paid, pointsSpent: order.holdPoints };
  emit(sql, "order.confirmed", { ...figures, availableAt: lotId === null ? null : iso(now + order.pendingDays * DAY) }, now);
  if (order.holdPoints > 0) emit(sql, "points.spent", { points: order.holdPoints, orderId, rewardId: null, balance: figures.balance }, now);
  if (lotId !== null) {
    emit(sql, "points.earned", {
      points: evaluation.pointsEarned, source: "order", orderId, reason: null, availableAt: iso(now + order.pendingDays * DAY),
      expiresAt: expiresAt === null ? null : iso(expiresAt), balance: figures.balance,
    }, now);
  }
  // The row as updated, not read back; returns need a confirmed order, so there are none yet.
  return remember(sql, remembered, orderView(sql, { ...order, status: "confirmed", confirmedAt: now, lotId }, []), now);
}

/**
 * Pending or lapsed: releases the hold. Confirmed: reverses what its returns have not reversed yet. Either way its
 * coupons are usable again (or expire now with their cost given back, if their time ran out meanwhile).
 */
export function cancelOrder(sql: SqlStorage, orderId: string, now: number): OrderView {
  const remembered = recall<OrderView>(sql, `cancel:${orderId}`, { orderId });
  if (remembered.replay) return remembered.replay;
  const order = mustOrder(sql, orderId);
  if (order.status === "cancelled") return remember(sql, remembered, orderView(sql, order), now);
  const reversed = { amount: 0, pointsGivenBack: 0, pointsTakenBack: 0 };
  if (order.status === "confirmed") {
    const evaluation = JSON.parse(order.evaluation) as QuotedEvaluation;
    const book = JSON.parse(order.book) as OrderBook;
    const returns = selectReturns(sql, orderId);
    const given = evaluation.pointsSpent - returns.reduce((a, r) => a + r.pointsGivenBack, 0);
    const taken = evaluation.pointsEarned - returns.reduce((a, r) => a + r.pointsTakenBack, 0);
    const amount = book.paid - returns.reduce((a, r) => a + r.amount, 0);
    if (given > 0) giveBack(sql, orderId, given, now, order.expiryDays);
    if (taken > 0) takeBack(sql, order.lotId, taken, now);
    addStats(sql, { spend: -amount, orders: -1 });
    insertSpendLog(sql, order.confirmedAt!, -amount, orderId);
    addBought(sql, boughtOf(book), -1, now);
    addCampaignUses(sql, usedCampaigns(evaluation), -1);
    insertEntry(sql, {
      at: now, type: "cancel", points: given - taken, orderId, amount: -amount, pointsSpent: -given,
      pointsEarned: -taken, store: order.store,
    });
    Object.assign(reversed, { amount, pointsGivenBack: given, pointsTakenBack: taken });
  }
  releaseOrderCoupons(sql, orderId, now);
  updateOrderCancelled(sql, orderId, now);
  emit(sql, "order.cancelled", { orderId, wasConfirmed: order.status === "confirmed", ...reversed, balance: balances(sql, now).available }, now);
  return remember(sql, remembered, orderView(sql, mustOrder(sql, orderId)), now);
}

export type ReturnResult = ReturnView & { balance: number };

/**
 * Whether a confirmed order stands: not cancelled and not every unit returned (a partial return keeps it). What
 * the referral bonuses a first order paid depend on (flows/referrals.ts).
 */
export function orderStands(sql: SqlStorage, orderId: string): boolean {
  const order = mustOrder(sql, orderId);
  if (order.status !== "confirmed") return false;
  const returned = new Map<string, number>();
  for (const r of selectReturns(sql, orderId)) {
    for (const line of JSON.parse(r.lines) as ReturnLineView[]) returned.set(line.id, (returned.get(line.id) ?? 0) + line.qty);
  }
  return !(JSON.parse(order.book) as OrderBook).lines.every((l) => returned.get(l.id) === l.qty);
}

/**
 * Takes back the points earned on the returned units and gives back the points spent on them, line by line,
 * cumulatively exact (book.ts `unitsShare`): after every unit is back, the order's earned (bonus included)
 * and spent points and its qualifying spend are reversed exactly.
 */
export function returnLines(sql: SqlStorage, input: ReturnLinesInput, now: number): ReturnResult {
  const { orderId, returnId } = input;
  const remembered = recall<ReturnResult>(sql, `return:${returnId}`, { orderId, lines: input.lines });
  if (remembered.replay) return remembered.replay;
  const order = mustOrder(sql, orderId);
  if (order.status !== "confirmed") refuse("invalid_state", `Order ${orderId} is ${order.status}: only confirmed orders take returns`);
  if (!Array.isArray(input.lines) || input.lines.length === 0) refuse("invalid_request", "lines must list at least one line", { path: "lines" });
  const book = JSON.parse(order.book) as OrderBook;
  const returned = new Map<string, number>();
  for (const r of selectReturns(sql, orderId)) {
    for (const line of JSON.parse(r.lines) as ReturnLineView[]) returned.set(line.id, (returned.get(line.id) ?? 0) + line.qty);
  }
  const seen = new Set<string>();
  const lines = input.lines.map(({ id, qty }, i): ReturnLineView => {
    if (seen.has(id)) refuse("invalid_request", `line ${id} is listed twice`, { path: `lines[${i}].id` });
    seen.add(id);
    if (!Number.isSafeInteger(qty) || qty < 1) refuse("invalid_request", "qty must be a positive integer", { path: `lines[${i}].qty` });
    const line = book.lines.find((l) => l.id === id);
    if (!line) refuse("invalid_state", `Order ${orderId} has no line ${id}`, { path: `lines[${i}].id` });
    const done = returned.get(id) ?? 0;
    if (done + qty > line.qty) {
      refuse("invalid_state", `Line ${id}: ${done} of ${line.qty} units already returned, ${qty} more is too many`, { path: `lines[${i}].qty` });
    }
    returned.set(id, done + qty);
    return {
      id, qty,
      pointsTakenBack: unitsShare(line.earned, done, qty, line.qty),
      pointsGivenBack: unitsShare(line.spent, done, qty, line.qty),
      amount: unitsShare(line.paid, done, qty, line.qty),
    };
  });
  const allBack = book.lines.every((l) => returned.get(l.id) === l.qty);
  const taken = lines.reduce((a, l) => a + l.pointsTakenBack, 0) + (allBack ? book.bonus : 0);
  const given = lines.reduce((a, l) => a + l.pointsGivenBack, 0);
  const amount = lines.reduce((a, l) => a + l.amount, 0);
  if (given > 0) giveBack(sql, orderId, given, now, order.expiryDays);
  if (taken > 0) takeBack(sql, order.lotId, taken, now);
  addStats(sql, { spend: -amount });
  insertSpendLog(sql, order.confirmedAt!, -amount, orderId);
  insertEntry(sql, {
    at: now, type: "return", points: given - taken, orderId, returnId, amount: -amount, pointsSpent: -given,
    pointsEarned: -taken, store: order.store,
  });
  const view: ReturnView = { returnId, orderId, at: iso(now), lines, pointsTakenBack: taken, pointsGivenBack: given, amount };
  insertReturn(sql, { returnId, orderId, lines: JSON.stringify(lines), pointsTakenBack: taken, pointsGivenBack: given, amount, at: now });
  const balance = balances(sql, now).available;
  emit(sql, "order.returned", {
    orderId, returnId, amount, pointsGivenBack: given, pointsTakenBack: taken, full: allBack, lines: lines.map(({ id, qty }) => ({ id, qty })), balance,
  }, now);
  return remember(sql, remembered, { ...view, balance }, now);
}
