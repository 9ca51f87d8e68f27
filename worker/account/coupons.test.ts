import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Program } from "../../engine/host/types.ts";
import type { CustomerAccount } from "./account.ts";
import { newCouponCode } from "./coupons.ts";
import type { OrderView, RedeemRewardInput } from "./types.ts";
import { account, alarmAt, DAY, err, expectInvariants, fireAlarm, HOUR, MINUTE, ok, order, program, receipt, T0 } from "./test-helpers.ts";

// The demo program's reward: 500 points for −20% on the most expensive eligible unit, valid 30 days.
const REWARD = { id: "coupon-20", name: "Купон −20% на товар", cost: 500, coupon: { discountBps: 2000, target: "item" as const, validDays: 30 } };
const withReward = (extra: Partial<Program> = {}) => program({ rewards: [REWARD], ...extra });
const P = withReward();
const redeem = (extra: Partial<RedeemRewardInput> = {}): RedeemRewardInput =>
  ({ rewardId: REWARD.id, name: REWARD.name, cost: REWARD.cost, validDays: REWARD.coupon.validDays, expiryDays: 365, ...extra });
const iso = (ms: number) => new Date(ms).toISOString();
const CODE = /^K-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

// Cart: A 1 000.00 × 1 + B 300.00 × 2 = 1 600.00. The coupon takes 20% off the most expensive unit, A: 200.00.
// Earning 10% of the rest, 1 400.00 → 140 points.
const cart = (codes: string[], extra = {}) =>
  receipt([{ id: "A", price: 100_000, qty: 1 }, { id: "B", price: 30_000, qty: 2 }], { codes, ...extra });
const couponDiscount = (o: OrderView) => o.evaluation.campaigns.find((c) => c.id === "reward:coupon-20")?.discount ?? 0;

/** An account with `points` available and one coupon bought at T0 (balance after: points − 500). */
async function withCoupon(points = 800) {
  const stub = account();
  ok(await stub.adjust({ id: "seed", points, expiryDays: 365 }, T0));
  const coupon = ok(await stub.redeemReward(redeem(), T0));
  return { stub, code: coupon.code, coupon };
}

async function couponOf(stub: DurableObjectStub<CustomerAccount>, code: string, at: number) {
  return ok(await stub.listCoupons(at)).find((c) => c.code === code)!;
}

describe("redeeming a reward", () => {
  it("takes the cost from the balance, issues a code valid validDays days, writes the history", async () => {
    const { stub, code, coupon } = await withCoupon(800);
    expect(code).toMatch(CODE);
    expect(coupon).toEqual({ code, rewardId: "coupon-20", name: REWARD.name, cost: 500, expiresAt: iso(T0 + 30 * DAY), balance: 300 });
    expect(ok(await stub.getAccount(T0))).toMatchObject({
      balance: 300,
      coupons: [{ code, rewardId: "coupon-20", name: REWARD.name, cost: 500, state: "active", issuedAt: iso(T0), expiresAt: iso(T0 + 30 * DAY), orderId: null }],
    });
    expect(ok(await stub.history({ limit: 1 }, T0)).items[0]).toMatchObject({ type: "reward", points: -500, reason: REWARD.name, at: iso(T0) });
    const l = await expectInvariants(stub, T0);
    expect(l).toMatchObject({ inLots: 300, adjusted: 300 });
  });

  it("spends the soonest-expiring points first, like a negative adjustment", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "late", points: 400, expiryDays: 300 }, T0));
    ok(await stub.adjust({ id: "soon", points: 300, expiryDays: 10 }, T0));
    ok(await stub.redeemReward(redeem(), T0));
    // 300 from the lot expiring in 10 days, 200 from the other: 200 points left, expiring in 300 days.
    expect(ok(await stub.getAccount(T0)).balance).toBe(200);
    const lots = await runInDurableObject(stub, (_i: CustomerAccount, state) =>
      state.storage.sql.exec<{ remaining: number; expiresAt: number }>("SELECT remaining, expiresAt FROM lots ORDER BY id").toArray());
    expect(lots).toEqual([{ remaining: 200, expiresAt: T0 + 300 * DAY }, { remaining: 0, expiresAt: T0 + 10 * DAY }]);
  });

  it("beyond the available balance is 422 insufficient_points; nothing changes", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 499 }, T0));
    expect(err(await stub.redeemReward(redeem(), T0))).toMatchObject({ code: "insufficient_points", path: "rewardId" });
    expect(ok(await stub.getAccount(T0))).toMatchObject({ balance: 499, coupons: [] });
    expect(ok(await stub.history({}, T0)).items).toHaveLength(1);
    // Points held by a pending order are not available either.
    ok(await stub.adjust({ id: "more", points: 101 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }], { redeemPoints: 200 }), T0, P)));
    expect(ok(await stub.getAccount(T0)).balance).toBe(400);
    expect(err(await stub.redeemReward(redeem(), T0))).toMatchObject({ code: "insufficient_points" });
    await expectInvariants(stub, T0);
  });

  it("a negative balance blocks it", async () => {
    const stub = account();
    // 100 earned and spent, then the order is returned: the balance is in debt.
    ok(await stub.adjust({ id: "seed", points: 1000 }, T0));
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 100_000, qty: 1 }]), T0, P)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.adjust({ id: "spend-all", points: -1100 }, T0));
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0));
    expect(ok(await stub.getAccount(T0)).balance).toBe(-100);
    expect(err(await stub.redeemReward(redeem({ cost: 1 }), T0))).toMatchObject({ code: "insufficient_points" });
    await expectInvariants(stub, T0);
  });

  it("a retry with the same requestId answers the first coupon and charges once", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 1200 }, T0));
    const first = ok(await stub.redeemReward(redeem({ requestId: "k1" }), T0));
    const again = ok(await stub.redeemReward(redeem({ requestId: "k1" }), T0 + MINUTE));
    expect(again).toEqual(first);
    expect(ok(await stub.getAccount(T0 + MINUTE))).toMatchObject({ balance: 700, coupons: [expect.objectContaining({ code: first.code })] });
    // Another reward under the same request id is a conflict; without an id every call is a new coupon.
    expect(err(await stub.redeemReward(redeem({ requestId: "k1", rewardId: "other" }), T0))).toMatchObject({ code: "idempotency_conflict" });
    const second = ok(await stub.redeemReward(redeem(), T0 + MINUTE));
    expect(second.code).not.toBe(first.code);
    expect(second.balance).toBe(200);
    await expectInvariants(stub, T0 + MINUTE);
  });

  it("codes: K- and three groups of four from 32 unambiguous characters, every character used", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = newCouponCode();
      expect(code).toMatch(CODE);
      for (const ch of code.slice(2).replaceAll("-", "")) seen.add(ch);
    }
    expect(seen.size).toBe(32);
    expect([...seen].some((ch) => "01OI".includes(ch))).toBe(false);
  });
});

describe("a coupon in an order", () => {
  it("takes 20% off the most expensive unit, shown as the campaign reward:<id>; the coupon is held", async () => {
    const { stub, code } = await withCoupon();
    const placed = ok(await stub.placeOrder(order("o1", cart([code.toLowerCase()]), T0 + HOUR, P)));
    expect(placed.evaluation).toMatchObject({
      subtotal: 160_000, discount: 20_000, total: 140_000, pointsEarned: 140,
      lines: [
        { id: "A", amount: 100_000, discount: 20_000, discounts: [{ campaign: "reward:coupon-20", amount: 20_000 }] },
        { id: "B", amount: 60_000, discount: 0, discounts: [] },
      ],
      campaigns: [{ id: "reward:coupon-20", discount: 20_000, points: 0 }],
    });
    expect(await couponOf(stub, code, T0 + HOUR)).toMatchObject({ state: "held", orderId: "o1" });
    // A second cart with the same code gets nothing while the first holds it.
    const other = ok(await stub.placeOrder(order("o2", cart([code]), T0 + HOUR, P)));
    expect(other.evaluation).toMatchObject({ discount: 0, campaigns: [] });
  });

  it("confirm → used: it cannot be used again, and a return leaves it used", async () => {
    const { stub, code } = await withCoupon();
    ok(await stub.placeOrder(order("o1", cart([code]), T0 + HOUR, P)));
    ok(await stub.confirmOrder("o1", T0 + HOUR));
    expect(await couponOf(stub, code, T0 + HOUR)).toMatchObject({ state: "used", orderId: "o1" });
    expect(ok(await stub.getAccount(T0 + HOUR))).toMatchObject({ balance: 300 + 140, coupons: [] });
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "A", qty: 1 }] }, T0 + 2 * HOUR));
    expect(await couponOf(stub, code, T0 + 2 * HOUR)).toMatchObject({ state: "used", orderId: "o1" });
    const again = ok(await stub.placeOrder(order("o2", cart([code]), T0 + 3 * HOUR, P)));
    expect(couponDiscount(again)).toBe(0);
    await expectInvariants(stub, T0 + 3 * HOUR);
  });

  it("cancelling the pending order makes it usable again", async () => {
    const { stub, code } = await withCoupon();
    ok(await stub.placeOrder(order("o1", cart([code]), T0 + HOUR, P)));
    ok(await stub.cancelOrder("o1", T0 + HOUR));
    expect(await couponOf(stub, code, T0 + HOUR)).toMatchObject({ state: "active", orderId: null });
    const next = ok(await stub.placeOrder(order("o2", cart([code]), T0 + HOUR, P)));
    expect(couponDiscount(next)).toBe(20_000);
    expect(await couponOf(stub, code, T0 + HOUR)).toMatchObject({ state: "held", orderId: "o2" });
  });

  it("a lapsed hold lets it go (the alarm); the lapsed order takes it back on confirm if it is still there", async () => {
    const { stub, code } = await withCoupon();
    ok(await stub.placeOrder(order("o1", cart([code]), T0 + HOUR, P, { holdMinutes: 30 })));
    expect(await alarmAt(stub)).toBe(T0 + HOUR + 30 * MINUTE);
    await fireAlarm(stub, T0 + HOUR + 30 * MINUTE);
    expect(await couponOf(stub, code, T0 + 2 * HOUR)).toMatchObject({ state: "active", orderId: null });
    expect(ok(await stub.confirmOrder("o1", T0 + 2 * HOUR)).status).toBe("confirmed");
    expect(await couponOf(stub, code, T0 + 2 * HOUR)).toMatchObject({ state: "used", orderId: "o1" });
    await expectInvariants(stub, T0 + 2 * HOUR);
  });

  it("a lapsed order whose coupon another order took cannot be confirmed: 422 hold_expired, nothing changes", async () => {
    const { stub, code } = await withCoupon();
    ok(await stub.placeOrder(order("o1", cart([code]), T0 + HOUR, P, { holdMinutes: 30 })));
    const next = ok(await stub.placeOrder(order("o2", cart([code]), T0 + 2 * HOUR, P)));
    expect(couponDiscount(next)).toBe(20_000);
    expect(err(await stub.confirmOrder("o1", T0 + 2 * HOUR))).toMatchObject({ code: "hold_expired" });
    expect(ok(await stub.getOrder("o1", T0 + 2 * HOUR)).status).toBe("lapsed");
    expect(await couponOf(stub, code, T0 + 2 * HOUR)).toMatchObject({ state: "held", orderId: "o2" });
    expect(ok(await stub.confirmOrder("o2", T0 + 2 * HOUR)).status).toBe("confirmed");
  });

  it("cancelling a confirmed order makes it usable again", async () => {
    const { stub, code } = await withCoupon();
    ok(await stub.placeOrder(order("o1", cart([code]), T0 + HOUR, P)));
    ok(await stub.confirmOrder("o1", T0 + HOUR));
    ok(await stub.cancelOrder("o1", T0 + DAY));
    expect(await couponOf(stub, code, T0 + DAY)).toMatchObject({ state: "active", orderId: null });
    expect(ok(await stub.getAccount(T0 + DAY))).toMatchObject({ balance: 300, orders: 0 });
    const next = ok(await stub.placeOrder(order("o2", cart([code]), T0 + DAY, P)));
    expect(couponDiscount(next)).toBe(20_000);
    await expectInvariants(stub, T0 + DAY);
  });

  it("one order uses a reward once: the same code twice, or two coupons of one reward, take one coupon", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 1000 }, T0));
    const a = ok(await stub.redeemReward(redeem(), T0)).code;
    const b = ok(await stub.redeemReward(redeem(), T0)).code;
    const placed = ok(await stub.placeOrder(order("o1", cart([a, a.toLowerCase(), b]), T0, P)));
    expect(placed.evaluation).toMatchObject({ discount: 20_000, campaigns: [{ id: "reward:coupon-20", discount: 20_000 }] });
    expect(await couponOf(stub, a, T0)).toMatchObject({ state: "held", orderId: "o1" });
    expect(await couponOf(stub, b, T0)).toMatchObject({ state: "active" });
  });

  it("a coupon the evaluation did not apply (nothing left to discount) stays active", async () => {
    const exclusive = withReward({
      campaigns: [{ id: "everything-10", name: "−10%", priority: 5, stacking: "exclusive", effect: { discountBps: 1000 } }],
    });
    const { stub, code } = await withCoupon();
    const placed = ok(await stub.placeOrder(order("o1", cart([code]), T0, exclusive)));
    expect(placed.evaluation.discount).toBe(16_000);
    expect(couponDiscount(placed)).toBe(0);
    expect(await couponOf(stub, code, T0)).toMatchObject({ state: "active", orderId: null });
    // A program that no longer has the reward: the code does nothing, the coupon stays.
    const without = ok(await stub.placeOrder(order("o2", cart([code]), T0, program())));
    expect(without.evaluation).toMatchObject({ discount: 0, campaigns: [] });
    expect(await couponOf(stub, code, T0)).toMatchObject({ state: "active" });
  });

  it("another customer's code does nothing", async () => {
    const { code } = await withCoupon();
    const stranger = account();
    const placed = ok(await stranger.placeOrder(order("o1", cart([code]), T0, P)));
    expect(placed.evaluation).toMatchObject({ discount: 0, campaigns: [] });
    expect(ok(await stranger.getCheckoutSnapshot(T0, undefined, { codes: [code] })).rewards).toEqual([]);
  });

  it("two orders placed at once with one coupon: exactly one gets it", async () => {
    const { stub, code } = await withCoupon();
    const placed = await Promise.all(["o1", "o2", "o3"].map((id) => stub.placeOrder(order(id, cart([code]), T0, P))));
    const discounts = placed.map((r) => couponDiscount(ok(r)));
    expect(discounts.filter((d) => d === 20_000)).toHaveLength(1);
    expect(discounts.filter((d) => d === 0)).toHaveLength(2);
    const winner = ["o1", "o2", "o3"][discounts.indexOf(20_000)];
    expect(await couponOf(stub, code, T0)).toMatchObject({ state: "held", orderId: winner });
  });

  it("the checkout snapshot names the rewards presented; a replay of the order that holds it still sees it", async () => {
    const { stub, code } = await withCoupon();
    expect(ok(await stub.getCheckoutSnapshot(T0, undefined, { codes: ["nope", code] }))).toMatchObject({ snapshot: { balance: 300 }, rewards: ["coupon-20"] });
    ok(await stub.placeOrder(order("o1", cart([code]), T0, P)));
    expect(ok(await stub.getCheckoutSnapshot(T0, undefined, { codes: [code] })).rewards).toEqual([]);
    expect(ok(await stub.getCheckoutSnapshot(T0, undefined, { codes: [code], orderId: "o1" })).rewards).toEqual(["coupon-20"]);
    expect(ok(await stub.getCheckoutSnapshot(T0, undefined, { codes: [code], orderId: "o2" })).rewards).toEqual([]);
  });
});

describe("coupon expiry", () => {
  it("unused at its expiry (the alarm): expired, the cost back as points expiring per points.expiryDays, in the history", async () => {
    const { stub, code } = await withCoupon(500);
    const expiry = T0 + 30 * DAY;
    expect(await alarmAt(stub)).toBe(expiry);
    // Early: nothing due, the alarm stays.
    await fireAlarm(stub, expiry - 1);
    expect(await alarmAt(stub)).toBe(expiry);
    expect(await couponOf(stub, code, expiry - 1)).toMatchObject({ state: "active" });

    await fireAlarm(stub, expiry);
    expect(await couponOf(stub, code, expiry)).toMatchObject({ state: "expired", orderId: null });
    expect(ok(await stub.getAccount(expiry))).toMatchObject({
      balance: 500, coupons: [], expiring: [],
    });
    expect(ok(await stub.history({ limit: 1 }, expiry)).items[0]).toMatchObject({
      type: "reward_expired", points: 500, reason: REWARD.name, at: iso(expiry), expiresAt: iso(expiry + 365 * DAY),
    });
    // The points given back expire in their turn; the alarm is set for it.
    expect(await alarmAt(stub)).toBe(expiry + 365 * DAY);
    await expectInvariants(stub, expiry);
    // Expired, the code does nothing.
    const placed = ok(await stub.placeOrder(order("o1", cart([code]), expiry + HOUR, P)));
    expect(couponDiscount(placed)).toBe(0);
  });

  it("is processed at its own instant when the account catches up late, in time order with the lots", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 600, expiryDays: 40 }, T0));
    ok(await stub.redeemReward(redeem({ expiryDays: null }), T0));
    // 100 left expire at T0 + 40 d, the coupon at T0 + 30 d: its 500 come back never expiring.
    const items = ok(await stub.history({}, T0 + 100 * DAY)).items.slice(0, 2).reverse();
    expect(items.map((i) => [i.type, i.points, i.at, i.expiresAt])).toEqual([
      ["reward_expired", 500, iso(T0 + 30 * DAY), null],
      ["expire", -100, iso(T0 + 40 * DAY), iso(T0 + 40 * DAY)],
    ]);
    expect(ok(await stub.getAccount(T0 + 100 * DAY)).balance).toBe(500);
    expect(await alarmAt(stub)).toBeNull();
    await expectInvariants(stub, T0 + 100 * DAY);
  });

  it("a coupon held past its expiry: the order may still confirm (the hold was taken in time)", async () => {
    const { stub, code } = await withCoupon();
    const expiry = T0 + 30 * DAY;
    ok(await stub.placeOrder(order("o1", cart([code]), expiry - 10 * MINUTE, P, { holdMinutes: 30 })));
    await fireAlarm(stub, expiry);
    expect(await couponOf(stub, code, expiry)).toMatchObject({ state: "held", orderId: "o1" });
    ok(await stub.confirmOrder("o1", expiry + 5 * MINUTE));
    expect(await couponOf(stub, code, expiry + 5 * MINUTE)).toMatchObject({ state: "used" });
    expect(ok(await stub.getAccount(expiry + 5 * MINUTE)).balance).toBe(300 + 140);
    await expectInvariants(stub, expiry + 5 * MINUTE);
  });

  it("a hold that lapses after the coupon's expiry: it expires at the lapse, with its points back", async () => {
    const { stub, code } = await withCoupon();
    const expiry = T0 + 30 * DAY;
    const holdEnd = expiry + 20 * MINUTE;
    ok(await stub.placeOrder(order("o1", cart([code]), expiry - 10 * MINUTE, P, { holdMinutes: 30 })));
    expect(await alarmAt(stub)).toBe(holdEnd);
    await fireAlarm(stub, holdEnd);
    expect(await couponOf(stub, code, holdEnd)).toMatchObject({ state: "expired", orderId: null });
    expect(ok(await stub.history({ limit: 1 }, holdEnd)).items[0]).toMatchObject({ type: "reward_expired", points: 500, at: iso(holdEnd) });
    expect(ok(await stub.getAccount(holdEnd)).balance).toBe(800);
    // The lapsed order lost its coupon: 422 hold_expired.
    expect(err(await stub.confirmOrder("o1", holdEnd + MINUTE))).toMatchObject({ code: "hold_expired" });
    await expectInvariants(stub, holdEnd + MINUTE);
  });

  it("cancelling a confirmed order after the coupon's expiry: expired, with its points back", async () => {
    const { stub, code } = await withCoupon();
    ok(await stub.placeOrder(order("o1", cart([code]), T0 + HOUR, P)));
    ok(await stub.confirmOrder("o1", T0 + HOUR));
    const later = T0 + 40 * DAY;
    ok(await stub.cancelOrder("o1", later));
    expect(await couponOf(stub, code, later)).toMatchObject({ state: "expired" });
    // 300 + 140 earned − 140 taken back + 500 for the coupon.
    expect(ok(await stub.getAccount(later)).balance).toBe(800);
    const types = ok(await stub.history({ limit: 2 }, later)).items.map((i) => [i.type, i.points]);
    expect(types).toEqual(expect.arrayContaining([["reward_expired", 500], ["cancel", -140]]));
    await expectInvariants(stub, later);
  });

  it("cancelling a pending order after the coupon's expiry: expired, with its points back", async () => {
    const { stub, code } = await withCoupon();
    const expiry = T0 + 30 * DAY;
    ok(await stub.placeOrder(order("o1", cart([code]), expiry - 10 * MINUTE, P, { holdMinutes: 30 })));
    ok(await stub.cancelOrder("o1", expiry + MINUTE));
    expect(await couponOf(stub, code, expiry + MINUTE)).toMatchObject({ state: "expired" });
    expect(ok(await stub.getAccount(expiry + MINUTE)).balance).toBe(800);
    await expectInvariants(stub, expiry + MINUTE);
  });
});

describe("listCoupons", () => {
  it("lists every coupon newest first, with its state and order", async () => {
    const stub = account();
    ok(await stub.adjust({ id: "seed", points: 1500 }, T0));
    const first = ok(await stub.redeemReward(redeem(), T0)).code;
    const second = ok(await stub.redeemReward(redeem(), T0 + MINUTE)).code;
    const third = ok(await stub.redeemReward(redeem(), T0 + 2 * MINUTE)).code;
    ok(await stub.placeOrder(order("o1", cart([first]), T0 + HOUR, P)));
    ok(await stub.confirmOrder("o1", T0 + HOUR));
    ok(await stub.placeOrder(order("o2", cart([second]), T0 + HOUR, P)));
    const list = ok(await stub.listCoupons(T0 + HOUR));
    expect(list.map((c) => [c.code, c.state, c.orderId])).toEqual([[third, "active", null], [second, "held", "o2"], [first, "used", "o1"]]);
    // The account shows the ones still to be used.
    expect(ok(await stub.getAccount(T0 + HOUR)).coupons.map((c) => c.code)).toEqual([third, second]);
  });
});
