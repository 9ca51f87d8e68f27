/**
 * Campaign targets: `skus`, `categories`, `tags` are OR-ed within a list and AND-ed across lists;
 * `excludeTags` removes lines; no target = every line. A 10% campaign on 1 000.00 RUB lines shows which
 * lines are targets (10000 off) and which are not (0).
 */
import { describe, expect, test } from "vitest";
import type { TargetFilter } from "../host/types.ts";
import { appliedIds, campaign, line, lineDiscounts, program, quote, receipt } from "./builders.ts";

const lines = [
  line({ price: 100000, sku: "espresso", categories: ["coffee", "beans"], tags: ["promo"] }),
  line({ price: 100000, sku: "sencha", categories: ["tea"] }),
  line({ price: 100000, sku: "mug", categories: ["dishes"], tags: ["gift"] }),
  line({ price: 100000, sku: "latte", categories: ["coffee"], tags: ["new", "gift"] }),
];

function targeted(target: TargetFilter | undefined): boolean[] {
  const ev = quote(program({ campaigns: [campaign({ target })] }), receipt({ lines }));
  return lineDiscounts(ev).map((d) => {
    expect([0, 10000]).toContain(d);
    return d > 0;
  });
}

describe("campaign target", () => {
  test("no target: every line", () => {
    expect(targeted(undefined)).toEqual([true, true, true, true]);
    expect(targeted({})).toEqual([true, true, true, true]);
  });
  test("skus: any listed sku", () => {
    expect(targeted({ skus: ["sencha"] })).toEqual([false, true, false, false]);
    expect(targeted({ skus: ["sencha", "mug"] })).toEqual([false, true, true, false]);
  });
  test("skus compare exactly (case-sensitive ids)", () => {
    expect(targeted({ skus: ["Sencha"] })).toEqual([false, false, false, false]);
  });
  test("categories: any of the line's categories", () => {
    expect(targeted({ categories: ["coffee"] })).toEqual([true, false, false, true]);
    expect(targeted({ categories: ["beans"] })).toEqual([true, false, false, false]);
    expect(targeted({ categories: ["tea", "dishes"] })).toEqual([false, true, true, false]);
  });
  test("tags: any of the line's tags", () => {
    expect(targeted({ tags: ["gift"] })).toEqual([false, false, true, true]);
    expect(targeted({ tags: ["promo", "new"] })).toEqual([true, false, false, true]);
  });
  test("excludeTags alone: every line without those tags", () => {
    expect(targeted({ excludeTags: ["gift"] })).toEqual([true, true, false, false]);
    expect(targeted({ excludeTags: ["promo", "new"] })).toEqual([false, true, true, false]);
  });
  test("lists are AND-ed: category coffee and tag gift", () => {
    expect(targeted({ categories: ["coffee"], tags: ["gift"] })).toEqual([false, false, false, true]);
  });
  test("lists are AND-ed: sku and category", () => {
    expect(targeted({ skus: ["espresso", "sencha", "mug"], categories: ["coffee", "tea"] })).toEqual([true, true, false, false]);
  });
  test("categories minus excludeTags", () => {
    expect(targeted({ categories: ["coffee"], excludeTags: ["promo"] })).toEqual([false, false, false, true]);
  });
  test("excludeTags wins over tags", () => {
    expect(targeted({ tags: ["gift"], excludeTags: ["new"] })).toEqual([false, false, true, false]);
  });
  test("empty lists count as not given (docs/program.md's own example: skus [], categories [coffee])", () => {
    expect(targeted({ skus: [], categories: ["coffee"], tags: [], excludeTags: [] })).toEqual([true, false, false, true]);
  });
  test("a line without sku/categories/tags matches only an unrestricted target", () => {
    const bare = [line({ price: 100000 })];
    const only = (target: TargetFilter) =>
      lineDiscounts(quote(program({ campaigns: [campaign({ target })] }), receipt({ lines: bare })));
    expect(only({ excludeTags: ["promo"] })).toEqual([10000]);
    expect(only({ skus: ["x"] })).toEqual([0]);
    expect(only({ categories: ["x"] })).toEqual([0]);
    expect(only({ tags: ["x"] })).toEqual([0]);
  });
  test("no target line: the campaign does not apply (no bonus, no free shipping)", () => {
    const c = campaign({ target: { skus: ["absent"] }, effect: { bonusPoints: 100, freeShipping: true } });
    const ev = quote(program({ campaigns: [c] }), receipt({ lines, shipping: 30000 }));
    expect(appliedIds(ev)).toEqual([]);
    expect(ev.freeShipping).toBe(false);
    expect(ev.pointsEarned).toBe(400); // 4 × 1 000.00 RUB at 10%, no bonus
    expect(ev.total).toBe(430000);
  });
  test("a campaign's target decides which lines get its multiplier", () => {
    const c = campaign({ target: { categories: ["coffee"] }, effect: { pointsMultiplierBps: 30000 } });
    const ev = quote(program({ campaigns: [c] }), receipt({ lines }));
    expect(ev.lines.map((l) => l.pointsEarned)).toEqual([300, 100, 100, 300]);
    expect(ev.pointsEarned).toBe(800);
  });
});
