/** Nudges: what the customer is closest to (next tier, a campaign threshold, free shipping). */
import { describe, expect, test } from "vitest";
import { appliedIds, campaign, line, program, quote, receipt, tier } from "./builders.ts";

describe("nudges", () => {
  const levels = [tier({ id: "bronze", from: 0 }), tier({ id: "silver", from: 10000000 }), tier({ id: "gold", from: 20000000 })];
  test("next tier: amount left", () => {
    const ev = quote(program({ tiers: levels }), receipt(), { spend: 2500000 });
    expect(ev.nudges).toEqual([{ type: "tier", tier: "silver", amountLeft: 7500000 }]);
  });
  test("top tier: no tier nudge", () => {
    expect(quote(program({ tiers: levels }), receipt(), { spend: 25000000 }).nudges).toEqual([]);
  });
  test("campaign minSubtotal not met: what is missing", () => {
    const c = campaign({ when: { minSubtotal: 500000 } });
    const ev = quote(program({ campaigns: [c] }), receipt({ lines: [line({ price: 300000 })] }));
    expect(appliedIds(ev)).toEqual([]);
    expect(ev.nudges).toEqual([{ type: "campaign", campaign: "c1", amountLeft: 200000, qtyLeft: 0 }]);
  });
  test("campaign minQty not met", () => {
    const c = campaign({ when: { minQty: 3 } });
    const ev = quote(program({ campaigns: [c] }), receipt({ lines: [line({ price: 300000 })] }));
    expect(ev.nudges).toEqual([{ type: "campaign", campaign: "c1", amountLeft: 0, qtyLeft: 2 }]);
  });
  test("both missing, counted on target lines only", () => {
    const c = campaign({ target: { categories: ["coffee"] }, when: { minSubtotal: 100000, minQty: 3 } });
    const ev = quote(
      program({ campaigns: [c] }),
      receipt({ lines: [line({ price: 60000, categories: ["coffee"] }), line({ price: 60000, qty: 4, categories: ["tea"] })] }),
    );
    expect(ev.nudges).toEqual([{ type: "campaign", campaign: "c1", amountLeft: 40000, qtyLeft: 2 }]);
  });
  test("free-shipping threshold", () => {
    const c = campaign({ effect: { freeShipping: true }, when: { minSubtotal: 300000 } });
    const ev = quote(program({ campaigns: [c] }), receipt({ lines: [line({ price: 250000 })], shipping: 30000 }));
    expect(ev.freeShipping).toBe(false);
    expect(ev.total).toBe(280000);
    expect(ev.nudges).toEqual([{ type: "freeShipping", campaign: "c1", amountLeft: 50000, qtyLeft: 0 }]);
  });
  test("no free-shipping nudge when shipping is already free", () => {
    const goldOnly = [tier({ id: "gold", from: 0, freeShipping: true })];
    const c = campaign({ effect: { freeShipping: true }, when: { minSubtotal: 300000 } });
    const ev = quote(program({ tiers: goldOnly, campaigns: [c] }), receipt({ shipping: 30000 }), { spend: 0 });
    expect(ev.freeShipping).toBe(true);
    expect(ev.nudges.filter((n) => n.type === "freeShipping")).toEqual([]);
  });
  test("order: next tier, then campaigns by priority", () => {
    const a = campaign({ id: "a", priority: 1, when: { minSubtotal: 500000 } });
    const b = campaign({ id: "b", priority: 5, when: { minQty: 5 } });
    const ev = quote(program({ tiers: levels, campaigns: [a, b] }), receipt(), { spend: 0 });
    expect(ev.nudges).toEqual([
      { type: "tier", tier: "silver", amountLeft: 10000000 },
      { type: "campaign", campaign: "b", amountLeft: 0, qtyLeft: 4 },
      { type: "campaign", campaign: "a", amountLeft: 400000, qtyLeft: 0 },
    ]);
  });
  test("no nudge when another condition fails, or when the threshold is met", () => {
    const coded = campaign({ when: { minSubtotal: 500000, codes: ["VIP"] } });
    expect(quote(program({ campaigns: [coded] }), receipt()).nudges).toEqual([]);
    const met = campaign({ when: { minSubtotal: 100000 } });
    const ev = quote(program({ campaigns: [met] }), receipt());
    expect(ev.nudges).toEqual([]);
    expect(appliedIds(ev)).toEqual(["c1"]);
  });
});
