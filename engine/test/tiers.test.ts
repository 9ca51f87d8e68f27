/** The tier: level by spend, member discount after campaigns, rate, free shipping; a paused program. */
import { describe, expect, test } from "vitest";
import { campaign, line, lineDiscounts, program, quote, receipt, tier } from "./builders.ts";

describe("tiers", () => {
  const levels = [
    tier({ id: "bronze", from: 0, rateBps: 500 }),
    tier({ id: "silver", from: 10000000, rateBps: 1000, discountBps: 500 }),
    tier({ id: "gold", from: 20000000, rateBps: 2000, discountBps: 1000, freeShipping: true }),
  ];
  const silver = { spend: 10000000 };

  test("tier discount applies after campaigns, on what is left", () => {
    const ev = quote(program({ tiers: levels, campaigns: [campaign()] }), receipt(), silver);
    expect(ev.lines[0]!.discounts).toEqual([
      { campaign: "c1", amount: 10000 },
      { campaign: "tier:silver", amount: 4500 },
    ]);
    expect(ev.discount).toBe(14500);
    expect(ev.campaigns.find((c) => c.id === "tier:silver")?.discount).toBe(4500);
    expect(ev.customer.tier).toBe("silver");
    expect(ev.pointsEarned).toBe(85); // 855.00 RUB at silver's 10%
  });
  test("tier discount is rounded down per line", () => {
    const ev = quote(program({ tiers: levels }), receipt({ lines: [line({ price: 333 }), line({ price: 333 })] }), silver);
    expect(lineDiscounts(ev)).toEqual([16, 16]);
  });
  test("not on lines claimed by an exclusive campaign", () => {
    const x = campaign({ stacking: "exclusive", target: { skus: ["a"] } });
    const ev = quote(
      program({ tiers: levels, campaigns: [x] }),
      receipt({ lines: [line({ price: 100000, sku: "a" }), line({ price: 100000, sku: "b" })] }),
      silver,
    );
    expect(lineDiscounts(ev)).toEqual([10000, 5000]);
    expect(ev.lines[0]!.discounts).toEqual([{ campaign: "c1", amount: 10000 }]);
    expect(ev.lines[1]!.discounts).toEqual([{ campaign: "tier:silver", amount: 5000 }]);
  });
  test("the tier is the highest level whose from <= spend", () => {
    expect(quote(program({ tiers: levels }), receipt(), { spend: 9999999 }).customer.tier).toBe("bronze");
    expect(quote(program({ tiers: levels }), receipt(), { spend: 20000000 }).customer.tier).toBe("gold");
    const noBase = [tier({ id: "silver", from: 10000000, discountBps: 500 })];
    const ev = quote(program({ tiers: noBase }), receipt(), { spend: 5000 });
    expect(ev.customer.tier).toBe(null);
    expect(ev.discount).toBe(0);
  });
  describe("tier rate replaces earn.rateBps", () => {
    const rated = [tier({ id: "basic", from: 0 }), tier({ id: "silver", from: 1000, rateBps: 1000 }), tier({ id: "gold", from: 2000, rateBps: 2000 })];
    const p = program({ earn: { rateBps: 300 }, tiers: rated });
    test.each([
      [0, 30], // basic has no rateBps: earn.rateBps
      [1000, 100],
      [5000, 200],
    ])("spend %i → %i points on 1 000.00 RUB", (spend, points) => {
      expect(quote(p, receipt(), { spend }).pointsEarned).toBe(points);
    });
    test("times campaign multipliers", () => {
      const p2 = program({ earn: { rateBps: 300 }, tiers: rated, campaigns: [campaign({ effect: { pointsMultiplierBps: 20000 } })] });
      expect(quote(p2, receipt(), { spend: 5000 }).pointsEarned).toBe(400);
    });
  });
  test("tier freeShipping", () => {
    const gold = quote(program({ tiers: levels }), receipt({ shipping: 30000 }), { spend: 20000000 });
    expect(gold.freeShipping).toBe(true);
    expect(gold.discount).toBe(10000);
    expect(gold.total).toBe(90000);
    const s = quote(program({ tiers: levels }), receipt({ shipping: 30000 }), silver);
    expect(s.freeShipping).toBe(false);
    expect(s.total).toBe(125000);
  });
});

describe("paused program", () => {
  test("no campaign, tier discount, points payment, earning, nudge or free shipping; tier and balance reported", () => {
    const p = program({
      status: "paused",
      tiers: [tier({ id: "bronze", from: 0 }), tier({ id: "silver", from: 10000000, discountBps: 500, freeShipping: true }), tier({ id: "gold", from: 90000000 })],
      campaigns: [campaign({ effect: { discountBps: 1000, bonusPoints: 100, freeShipping: true } })],
    });
    const ev = quote(p, receipt({ shipping: 30000, redeemPoints: "max" }), { spend: 10000000, balance: 5000 });
    expect(ev.subtotal).toBe(100000);
    expect(ev.discount).toBe(0);
    expect(ev.pointsSpent).toBe(0);
    expect(ev.pointsSpentAmount).toBe(0);
    expect(ev.maxRedeemablePoints).toBe(0);
    expect(ev.pointsEarned).toBe(0);
    expect(ev.freeShipping).toBe(false);
    expect(ev.total).toBe(130000);
    expect(ev.campaigns).toEqual([]);
    expect(ev.nudges).toEqual([]);
    expect(ev.lines).toEqual([{ id: "1", amount: 100000, discount: 0, discounts: [], pointsPaid: 0, pointsEarned: 0 }]);
    expect(ev.customer.tier).toBe("silver");
    expect(ev.customer.balance).toBe(5000);
  });
});
