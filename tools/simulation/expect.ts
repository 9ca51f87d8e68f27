/**
 * What the reference model says a request must answer, and the model's own step once the answer is in.
 * Each function returns an Expectation: a refusal (code), a replay of a stored answer, or acceptance with a
 * `check` that compares the object's answer to the model and then applies the request to the model.
 */
import { LIMITS } from "../../engine/host/limits.ts";
import type { Evaluation } from "../../engine/host/types.ts";
import type { AdjustView, CouponIssued, EventView, OrderView } from "../../worker/account/types.ts";
import type { ReturnResult } from "../../worker/account/orders.ts";
import { allocate, DAY, FIRST_ORDER_BONUS, LedgerModel, MINUTE, POINT_VALUE, redeemable, type ModelCoupon, type ModelOrder } from "./model.ts";
import { VARIANTS, type Request } from "./operations.ts";
import { BIRTHDAY_RULE, birthdayYear, BONUSES, couponDiscounts, REWARDS } from "./program.ts";
import { LIMITED, LIMITED_KINDS, RECONFIRM_HOLD_MS, type ShopModel } from "./campaigns.ts";

export type Expectation =
  | { kind: "refuse"; code: string }
  | { kind: "replay"; answer: string }
  | { kind: "accept"; check: (answer: unknown) => void };

/** The stored first answers of one account: key → request body and answer (both JSON). */
export type Keys = Map<string, { body: string; answer: string }>;

/** The idempotency key of a request and the body it is remembered with; null for a request without a key. */
export function keyOf(r: Request): { key: string; body: string } | null {
  switch (r.type) {
    case "place":
      return { key: `order:${r.orderId}`, body: JSON.stringify([r.orderId, r.receipt, r.quoteId ?? null]) };
    case "confirm":
      return { key: `confirm:${r.orderId}`, body: r.orderId };
    case "cancel":
      return { key: `cancel:${r.orderId}`, body: r.orderId };
    case "return":
      return { key: `return:${r.returnId}`, body: JSON.stringify([r.orderId, r.lines]) };
    case "adjust":
      return { key: `${r.kind}:${r.id}`, body: JSON.stringify([r.id, r.points, r.reason ?? null]) };
    case "event":
      return { key: `event:${r.id}`, body: JSON.stringify([r.eventType, r.points ?? null, r.reason ?? null]) };
    case "redeem":
      // Without a request id every call buys another coupon; with one, the reward asked for is the body.
      return r.requestId === undefined ? null : { key: `reward:${r.requestId}`, body: r.rewardId };
  }
}

export class Mismatch extends Error {}

export function same(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Mismatch(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Spending never takes the available balance below zero (nor further below, if a return already did). */
function spendsWithinBalance(model: LedgerModel, before: number, now: number, what: string): void {
  const after = model.available(now);
  if (after < Math.min(0, before)) throw new Mismatch(`${what} took the available balance from ${before} to ${after}`);
}

/**
 * The limited campaigns an order placed at `now` gets (campaigns.ts): those whose code the receipt carries, while
 * this customer has no use of a `perCustomer` one (confirmed or held) and the shared counter has a use and budget
 * left; the budget campaign's 5.00 is cut to the budget left and to the receipt. In id order, as evaluations list them.
 */
function limitedOf(model: LedgerModel, shop: ShopModel, r: Extract<Request, { type: "place" }>, subtotal: number, now: number) {
  const codes = r.receipt.codes ?? [];
  const applied: { campaignId: string; discount: number; bonus: number }[] = [];
  for (const kind of LIMITED_KINDS) {
    const { code, bonus, amount, limits } = LIMITED[kind];
    if (!codes.includes(code)) continue;
    const counter = shop.counter(r.epoch, kind);
    shop.touched.add(counter.id);
    if (limits.perCustomer !== undefined && model.campaignUses(counter.id, now) >= limits.perCustomer) continue;
    const { usesLeft, budgetLeft } = counter.left(now);
    if (usesLeft === 0 || budgetLeft === 0) continue;
    applied.push({ campaignId: counter.id, discount: Math.min(amount, budgetLeft ?? Infinity, subtotal), bonus });
  }
  return applied.sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
}

function place(model: LedgerModel, r: Extract<Request, { type: "place" }>, now: number, shop: ShopModel): Expectation {
  const hold = r.holdMinutes ?? 30;
  if (!Number.isInteger(hold) || hold < 1 || hold > LIMITS.holdMinutes) return { kind: "refuse", code: "invalid_request" };
  if (r.receipt.lines.some((l) => l.qty < 1)) return { kind: "refuse", code: "invalid_request" };
  if (r.quoteId !== undefined) return { kind: "refuse", code: "conflict" }; // a stale quote id never matches
  const subtotal = r.receipt.lines.reduce((a, l) => a + l.price * l.qty, 0);
  // The customer's own active coupons among the codes, one per reward, of rewards the program has; an order
  // takes those that give a discount.
  const presented: ModelCoupon[] = [];
  for (const code of r.receipt.codes ?? []) {
    const coupon = model.coupons.get(code.toUpperCase());
    if (!coupon || coupon.state !== "active" || presented.some((c) => c.rewardId === coupon.rewardId)) continue;
    if (VARIANTS[r.variant]!.rewards) presented.push(coupon);
  }
  const discounts = couponDiscounts(r.receipt.lines, presented.map((c) => c.rewardId));
  const applied = presented.filter((c) => discounts.get(c.rewardId)!.some((d) => d > 0));
  const limited = limitedOf(model, shop, r, subtotal, now);
  if (limited.some((c) => c.discount > 0) && presented.length) throw new Error("the stream never sends the budget campaign's code beside coupons");
  const discount = [...discounts.values()].flat().reduce((a, d) => a + d, 0) + limited.reduce((a, c) => a + c.discount, 0);
  const available = model.available(now);
  const asked = r.receipt.redeemPoints ?? 0;
  const most = redeemable(subtotal - discount, available);
  const spent = asked === "max" ? most : Math.min(asked, most);
  if (typeof asked === "number" && spent < asked && Math.min(asked, redeemable(subtotal - discount, Infinity)) > spent) {
    return { kind: "refuse", code: "insufficient_points" };
  }
  return {
    kind: "accept",
    check(answer) {
      const view = answer as OrderView;
      const e: Evaluation = view.evaluation;
      same(view.status, "pending", "status");
      same(view.holdExpiresAt, iso(now + hold * MINUTE), "holdExpiresAt");
      same(e.discount, discount, "discount (the coupons' and the budget campaign's)");
      same(
        JSON.stringify(e.campaigns.filter((c) => c.id.startsWith("lim-")).map((c) => [c.id, c.discount])),
        JSON.stringify(limited.map((c) => [c.campaignId, c.discount])),
        "limited campaigns applied (code, perCustomer, what the counter has left)",
      );
      same(
        JSON.stringify([...view.limitedCampaigns].sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1))),
        JSON.stringify(limited.map(({ campaignId, discount }) => ({ campaignId, discount }))),
        "limitedCampaigns",
      );
      for (const [rewardId, perLine] of discounts) {
        same(e.lines.map((l) => l.discounts.find((d) => d.campaign === `reward:${rewardId}`)?.amount ?? 0).join(), perLine.join(), `reward:${rewardId} per line`);
      }
      same(e.pointsSpent, spent, "pointsSpent (soonest of: asked, 30% cap, available balance)");
      same(e.lines.reduce((a, l) => a + l.pointsPaid, 0), spent * POINT_VALUE, "Σ pointsPaid");
      const paid = e.lines.map((l) => l.amount - l.discount - l.pointsPaid);
      const onLines = e.lines.reduce((a, l) => a + l.pointsEarned, 0);
      same(onLines, Math.floor(paid.reduce((a, p) => a + p, 0) / 1000), "Σ lines' pointsEarned (10% of money paid)");
      same(
        e.pointsEarned - onLines, (model.orderCount === 0 ? FIRST_ORDER_BONUS : 0) + limited.reduce((a, c) => a + c.bonus, 0),
        "receipt bonus points (first order, limited campaigns)",
      );
      const shares = allocate(spent, e.lines.map((l) => l.pointsPaid));
      const variant = VARIANTS[r.variant]!;
      const order: ModelOrder = {
        orderId: r.orderId, status: "pending", holdPoints: spent, holdEnd: now + hold * MINUTE,
        pendingDays: variant.pendingDays, expiryDays: variant.expiryDays,
        lines: e.lines.map((l, i) => ({ id: l.id, qty: r.receipt.lines[i]!.qty, earned: l.pointsEarned, spent: shares[i]!, paid: paid[i]!, returned: 0 })),
        bonus: e.pointsEarned - onLines, earned: e.pointsEarned, paid: paid.reduce((a, p) => a + p, 0),
        lotId: null, confirmedAt: null, spends: new Map(), takenBack: 0, givenBack: 0, amountBack: 0, history: ["pending"],
        coupons: applied.map((c) => c.code).sort(),
        variant: r.variant, epoch: r.epoch, limited: limited.map(({ campaignId, discount }) => ({ campaignId, discount })),
      };
      model.orders.set(r.orderId, order);
      for (const c of limited) shop.byId(c.campaignId).reserve(r.orderId, c.discount, order.holdEnd);
      for (const c of applied) {
        model.events.couponsHeld++;
        c.state = "held";
        c.orderId = r.orderId;
      }
      spendsWithinBalance(model, available, now, "placeOrder");
    },
  };
}

function confirm(model: LedgerModel, r: Extract<Request, { type: "confirm" }>, now: number, shop: ShopModel): Expectation {
  const order = model.orders.get(r.orderId);
  if (!order) return { kind: "refuse", code: "not_found" };
  if (order.status === "cancelled" || order.status === "confirmed") return { kind: "refuse", code: "invalid_state" };
  for (const c of order.limited) shop.touched.add(c.campaignId);
  const late = order.status === "lapsed" && order.limited.length > 0;
  // A lapsed order gave its campaign uses back: it takes each again, if this customer's perCustomer uses (its own
  // not among them) and the counter (its uses, and its budget for the same discount) still have room.
  const campaignGone = order.status === "lapsed" && order.limited.some((c) => {
    const counter = shop.byId(c.campaignId);
    const { perCustomer } = LIMITED[counter.kind].limits;
    return (perCustomer !== undefined && model.campaignUses(c.campaignId, now) + 1 > perCustomer) || !counter.fits(c.discount, now);
  });
  const available = model.available(now);
  const pointsGone = order.status === "lapsed" && order.holdPoints > 0 && available < order.holdPoints;
  // A lapsed order let its coupons go: it takes them again only if they are still active.
  if (campaignGone || pointsGone || model.couponsGone(order)) {
    if (late) shop.lateConfirms[campaignGone ? "refusedForCampaign" : "refusedOtherwise"]++;
    return { kind: "refuse", code: "hold_expired" };
  }
  return {
    kind: "accept",
    check(answer) {
      same((answer as OrderView).status, "confirmed", "status");
      same((answer as OrderView).confirmedAt, iso(now), "confirmedAt");
      for (const c of order.limited) {
        const counter = shop.byId(c.campaignId);
        if (order.status === "lapsed") counter.reserve(order.orderId, c.discount, now + RECONFIRM_HOLD_MS);
        counter.commit(order.orderId, now);
      }
      if (late) shop.lateConfirms.accepted++;
      model.confirm(order, now);
      spendsWithinBalance(model, available, now, "confirmOrder");
    },
  };
}

function cancel(model: LedgerModel, r: Extract<Request, { type: "cancel" }>, now: number, shop: ShopModel): Expectation {
  const order = model.orders.get(r.orderId);
  if (!order) return { kind: "refuse", code: "not_found" };
  return {
    kind: "accept",
    check(answer) {
      same((answer as OrderView).status, "cancelled", "status");
      // Every use goes back: a pending order's reservation, a confirmed order's committed use.
      for (const c of order.limited) {
        shop.touched.add(c.campaignId);
        shop.byId(c.campaignId).release(order.orderId);
      }
      if (order.status !== "cancelled") model.cancel(order, now);
    },
  };
}

function returnLines(model: LedgerModel, r: Extract<Request, { type: "return" }>, now: number): Expectation {
  const order = model.orders.get(r.orderId);
  if (!order) return { kind: "refuse", code: "not_found" };
  if (order.status !== "confirmed") return { kind: "refuse", code: "invalid_state" };
  if (r.lines.length === 0) return { kind: "refuse", code: "invalid_request" };
  const seen = new Map<string, number>();
  for (const { id, qty } of r.lines) {
    if (seen.has(id)) return { kind: "refuse", code: "invalid_request" };
    if (!Number.isSafeInteger(qty) || qty < 1) return { kind: "refuse", code: "invalid_request" };
    const line = order.lines.find((l) => l.id === id);
    if (!line) return { kind: "refuse", code: "invalid_state" };
    if (line.returned + qty > line.qty) return { kind: "refuse", code: "invalid_state" };
    seen.set(id, qty);
  }
  return {
    kind: "accept",
    check(answer) {
      const view = answer as ReturnResult;
      const expected = model.returnUnits(order, r.lines, now);
      same(JSON.stringify(view.lines), JSON.stringify(expected.lines), "return lines (pro rata by units)");
      same(view.pointsTakenBack, expected.pointsTakenBack, "pointsTakenBack");
      same(view.pointsGivenBack, expected.pointsGivenBack, "pointsGivenBack");
      same(view.amount, expected.amount, "amount");
      same(view.balance, model.available(now), "balance after the return");
    },
  };
}

function adjust(model: LedgerModel, r: Extract<Request, { type: "adjust" }>, now: number): Expectation {
  const { points } = r;
  if (!Number.isSafeInteger(points) || points === 0 || Math.abs(points) > 1e15 || (r.kind === "bonus" && points < 0)) {
    return { kind: "refuse", code: "invalid_request" };
  }
  const available = model.available(now);
  if (points < 0 && available < -points) return { kind: "refuse", code: "insufficient_points" };
  return {
    kind: "accept",
    check(answer) {
      model.adjust(points, points > 0 ? r.expiryDays : null, now);
      const view = answer as AdjustView;
      same(JSON.stringify(view), JSON.stringify({ id: r.id, points, reason: r.reason ?? null, at: iso(now), balance: model.available(now) }), "adjustment");
      if (points < 0) spendsWithinBalance(model, available, now, "adjust");
    },
  };
}

const POINTS_BY_TYPE: Record<string, number | undefined> = { review: BONUSES.review, rating: BONUSES.rating, survey: BONUSES.survey };

function event(model: LedgerModel, r: Extract<Request, { type: "event" }>, now: number): Expectation {
  let points: number;
  let year: number | null = null;
  if (r.eventType === "custom") {
    if (!Number.isSafeInteger(r.points) || r.points! < 1 || r.points! > 1e15) return { kind: "refuse", code: "invalid_request" };
    points = r.points!;
  } else {
    if (r.points !== undefined || r.reason !== undefined) return { kind: "refuse", code: "invalid_request" };
    if (r.program !== "active") return { kind: "refuse", code: "invalid_state" }; // no program, or paused
    if (r.eventType === "birthday") {
      if (model.birthday === null) return { kind: "refuse", code: "invalid_state" };
      year = birthdayYear(model.birthday, now);
      if (year === null) return { kind: "refuse", code: "invalid_state" }; // outside the window
      if (model.birthdayYears.has(year)) return { kind: "refuse", code: "conflict" }; // once a year
      points = BIRTHDAY_RULE.points;
    } else {
      points = POINTS_BY_TYPE[r.eventType] ?? 0;
      if (!points) return { kind: "refuse", code: "invalid_state" };
    }
  }
  return {
    kind: "accept",
    check(answer) {
      const expiryDays = r.program === "none" ? null : VARIANTS[r.variant]!.expiryDays;
      model.grantEvent(points, expiryDays, now);
      if (year !== null) {
        model.birthdayYears.set(year, r.id);
        model.events.birthdays++;
      }
      const reason = r.eventType === "custom" ? (r.reason ?? "custom") : r.eventType;
      const expected: EventView = { id: r.id, type: r.eventType, points, reason, at: iso(now), balance: model.available(now) };
      same(JSON.stringify(answer), JSON.stringify(expected), "event");
    },
  };
}

const CODE = /^K-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

function redeem(model: LedgerModel, r: Extract<Request, { type: "redeem" }>, now: number): Expectation {
  const reward = REWARDS.find((w) => w.id === r.rewardId)!;
  const cost = r.cost ?? reward.cost;
  if (!Number.isSafeInteger(cost) || cost < 1) return { kind: "refuse", code: "invalid_request" };
  const available = model.available(now);
  if (available < cost) return { kind: "refuse", code: "insufficient_points" };
  return {
    kind: "accept",
    check(answer) {
      const view = answer as CouponIssued;
      if (!CODE.test(view.code)) throw new Mismatch(`coupon code ${JSON.stringify(view.code)} is not K-XXXX-XXXX-XXXX`);
      if (model.coupons.has(view.code)) throw new Mismatch(`coupon code ${view.code} issued twice`);
      const expiresAt = now + reward.coupon.validDays * DAY;
      model.redeem({ code: view.code, rewardId: reward.id, cost, expiresAt, state: "active", orderId: null, refundExpiryDays: VARIANTS[r.variant]!.expiryDays }, now);
      const expected: CouponIssued = { code: view.code, rewardId: reward.id, name: reward.name, cost, expiresAt: iso(expiresAt), balance: model.available(now) };
      same(JSON.stringify(view), JSON.stringify(expected), "coupon issued");
      spendsWithinBalance(model, available, now, "redeemReward");
    },
  };
}

/** What `r` must answer at `now` (the model has already caught up to `now`). */
export function expectationOf(model: LedgerModel, keys: Keys, r: Request, now: number, shop: ShopModel): Expectation {
  const keyed = keyOf(r);
  const stored = keyed && keys.get(keyed.key);
  if (stored) return stored.body === keyed.body ? { kind: "replay", answer: stored.answer } : { kind: "refuse", code: "idempotency_conflict" };
  switch (r.type) {
    case "place": return place(model, r, now, shop);
    case "confirm": return confirm(model, r, now, shop);
    case "cancel": return cancel(model, r, now, shop);
    case "return": return returnLines(model, r, now);
    case "adjust": return adjust(model, r, now);
    case "event": return event(model, r, now);
    case "redeem": return redeem(model, r, now);
  }
}
