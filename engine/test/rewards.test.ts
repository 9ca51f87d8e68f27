import { describe, expect, it } from "vitest";
import { createEngine, ReceiptInvalidError } from "../host/node.ts";
import type { Program, Receipt } from "../host/types.ts";

/** Rewards bought with points give coupons; a quote applies a coupon only when the customer presents it. */
const program: Program = {
  currency: "RUB",
  timezone: "Europe/Moscow",
  points: { value: 100 },
  earn: { rateBps: 1000 },
  redeem: { maxShareBps: 3000 },
  tiers: { levels: [{ id: "silver", name: "Серебро", from: 0, discountBps: 500 }] },
  campaigns: [{ id: "phones-exclusive", stacking: "exclusive", target: { categories: ["phones"] }, effect: { discountBps: 1000 } }],
  rewards: [
    { id: "coupon-20", name: "−20% на товар", cost: 500, coupon: { discountBps: 2000, target: "item", validDays: 30 } },
    { id: "order-10", name: "−10% на заказ", cost: 900, coupon: { discountBps: 1000, target: "order", validDays: 30 } },
  ],
};

const receipt: Receipt = {
  at: "2026-11-23T10:00:00+03:00",
  lines: [
    { id: "a", sku: "tea", price: 50000, qty: 2 },
    { id: "b", sku: "kettle", price: 80000, qty: 1 },
    { id: "c", sku: "phone", categories: ["phones"], price: 900000, qty: 1 },
  ],
};

const discountsOf = (lines: { id: string; discounts: { campaign: string; amount: number }[] }[], campaign: string) =>
  Object.fromEntries(lines.map((l) => [l.id, l.discounts.find((d) => d.campaign === campaign)?.amount ?? 0]));

describe("reward coupons", () => {
  const engine = createEngine(program);

  it("do nothing unless the quote grants them", () => {
    const evaluation = engine.quote(receipt);
    expect(evaluation.campaigns.map((c) => c.id)).toEqual(["phones-exclusive", "tier:silver"]);
  });

  it('"item": discountBps off the most expensive unit no exclusive campaign claimed, before the tier discount', () => {
    const evaluation = engine.quote(receipt, {}, undefined, { rewards: ["coupon-20"] });
    // The phone (9 000 ₽) is claimed by the exclusive campaign: the kettle (800 ₽) is the most expensive unit left.
    expect(discountsOf(evaluation.lines, "reward:coupon-20")).toEqual({ a: 0, b: 16000, c: 0 });
    // The tier's 5% then applies to what is left: 100000 → 5000, 64000 → 3200; not to the claimed phone.
    expect(discountsOf(evaluation.lines, "tier:silver")).toEqual({ a: 5000, b: 3200, c: 0 });
    expect(evaluation.campaigns).toContainEqual({ id: "reward:coupon-20", discount: 16000, points: 0 });
  });

  it('"item" on a line of several units discounts one unit\'s share', () => {
    const tea = { ...receipt, lines: [receipt.lines[0]!] };
    const evaluation = engine.quote(tea, {}, undefined, { rewards: ["coupon-20"] });
    expect(discountsOf(evaluation.lines, "reward:coupon-20")).toEqual({ a: 10000 }); // 20% of one 500 ₽ unit
  });

  it('"order": discountBps off every unclaimed line', () => {
    const evaluation = engine.quote(receipt, {}, undefined, { rewards: ["order-10"] });
    expect(discountsOf(evaluation.lines, "reward:order-10")).toEqual({ a: 10000, b: 8000, c: 0 });
  });

  it("an id that is not one of the program's rewards is an input error naming it", () => {
    expect(() => engine.quote(receipt, {}, undefined, { rewards: ["coupon-99"] })).toThrow(ReceiptInvalidError);
    try {
      engine.quote(receipt, {}, undefined, { rewards: ["coupon-99"] });
    } catch (e) {
      expect((e as ReceiptInvalidError).problems).toContainEqual({ path: "rewards[0]", message: "is not a reward of the program" });
    }
  });
});
