/**
 * Money and points arithmetic: exact allocation, floor-once earning, points payment rules, input limits, and
 * exact results at the limits (expected values computed here with BigInt from the documented formulas).
 */
import { describe, expect, test } from "vitest";
import { createEngine, ProgramInvalidError, ReceiptInvalidError } from "../host/node.ts";
import type { Evaluation, Problem, Program } from "../host/types.ts";
import {
  campaign,
  line,
  lineDiscounts,
  linePoints,
  linePointsPaid,
  program,
  quote,
  receipt,
  tier,
  type LineInput,
} from "./builders.ts";

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function expectBalanced(ev: Evaluation): void {
  expect(sum(lineDiscounts(ev))).toBe(ev.discount);
  expect(sum(linePointsPaid(ev))).toBe(ev.pointsSpentAmount);
  expect(sum(linePoints(ev)) + sum(ev.campaigns.map((c) => c.points))).toBe(ev.pointsEarned);
}

/**
 * Rate earning as engine/README.md states it: exact per-line points numerator/denominator, their sum floored
 * once, the whole points left after flooring each line go to the largest fractional parts (ties: earlier line).
 */
function floorOnce(numerators: bigint[], denominator: bigint): { total: bigint; perLine: bigint[] } {
  const total = numerators.reduce((a, b) => a + b, 0n) / denominator;
  const perLine = numerators.map((n) => n / denominator);
  const fractions = numerators.map((n) => n % denominator);
  let left = total - perLine.reduce((a, b) => a + b, 0n);
  const order = numerators.map((_, i) => i).sort((a, b) => (fractions[b]! > fractions[a]! ? 1 : fractions[b]! < fractions[a]! ? -1 : a - b));
  for (const i of order) {
    if (left === 0n) break;
    perLine[i]! += 1n;
    left -= 1n;
  }
  return { total, perLine };
}

/** Largest-remainder split of `total` in proportion to `weights` (ties: earlier index). */
function largestRemainder(total: bigint, weights: bigint[]): bigint[] {
  const w = weights.reduce((a, b) => a + b, 0n);
  const parts = weights.map((x) => (total * x) / w);
  const fractions = weights.map((x, i) => total * x - parts[i]! * w);
  let left = total - parts.reduce((a, b) => a + b, 0n);
  const order = weights.map((_, i) => i).sort((a, b) => (fractions[b]! > fractions[a]! ? 1 : fractions[b]! < fractions[a]! ? -1 : a - b));
  for (const i of order) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts;
}

describe("allocation is exact", () => {
  test("a fixed amount over seven uneven lines", () => {
    const prices = [13, 17, 19, 23, 29, 31, 37]; // Σ 169; shares of 100: 7.69 10.06 11.24 13.61 17.16 18.34 21.89
    const ev = quote(program({ campaigns: [campaign({ effect: { discountAmount: 100 } })] }), receipt({ lines: prices.map((price) => line({ price })) }));
    expect(lineDiscounts(ev)).toEqual([8, 10, 11, 14, 17, 18, 22]);
    expect(ev.discount).toBe(100);
    expectBalanced(ev);
  });
  test("the points money over eligible lines, then earning on what is left", () => {
    const p = program({ redeem: { maxShareBps: 10000 } });
    const r = receipt({ lines: [line({ price: 10000 }), line({ price: 20000 }), line({ price: 40000 })], redeemPoints: 100 });
    const ev = quote(p, r, { balance: 100000 });
    expect(ev.pointsSpent).toBe(100);
    expect(ev.pointsSpentAmount).toBe(10000);
    expect(linePointsPaid(ev)).toEqual([1429, 2857, 5714]); // 1428.57 2857.14 5714.29
    // earnable 8571 / 17143 / 34286 → 8.571 + 17.143 + 34.286 = 60 → floors 8 17 34, +1 to the largest fraction
    expect(linePoints(ev)).toEqual([9, 17, 34]);
    expect(ev.pointsEarned).toBe(60);
    expectBalanced(ev);
  });
});

describe("earning: exact points summed, floored once, allocated back by largest remainder", () => {
  test("three lines earning 0.5 points each → 1 point, on the earliest line", () => {
    const ev = quote(program(), receipt({ lines: [line({ price: 500 }), line({ price: 500 }), line({ price: 500 })] }));
    expect(ev.pointsEarned).toBe(1);
    expect(linePoints(ev)).toEqual([1, 0, 0]);
  });
  test("three lines earning 0.7 → 2 points", () => {
    const ev = quote(program(), receipt({ lines: [line({ price: 700 }), line({ price: 700 }), line({ price: 700 })] }));
    expect(ev.pointsEarned).toBe(2);
    expect(linePoints(ev)).toEqual([1, 1, 0]);
  });
  test("1.5 + 2.8 + 0.9 = 5.2 → 5: floors 1 2 0, extras to .9 and .8", () => {
    const ev = quote(program(), receipt({ lines: [line({ price: 1500 }), line({ price: 2800 }), line({ price: 900 })] }));
    expect(ev.pointsEarned).toBe(5);
    expect(linePoints(ev)).toEqual([1, 3, 1]);
  });
  test("earn.excludeTags: those lines earn nothing", () => {
    const ev = quote(
      program({ earn: { excludeTags: ["no-earn"] } }),
      receipt({ lines: [line({ price: 100000, tags: ["no-earn"] }), line({ price: 100000 })] }),
    );
    expect(linePoints(ev)).toEqual([0, 100]);
  });
  test("step: floor(Σ earnable / every) × points, allocated pro rata", () => {
    const p = program({ earn: { step: { every: 100000, points: 100 } } });
    const ev = quote(p, receipt({ lines: [line({ price: 70000 }), line({ price: 70000 }), line({ price: 70000 })] }));
    expect(ev.pointsEarned).toBe(200); // 2 100.00 RUB → 2 full steps
    expect(linePoints(ev)).toEqual([67, 67, 66]);
  });
  test("step with a multiplier: multiplied earnable counts and weighs", () => {
    const c = campaign({ target: { skus: ["x"] }, effect: { pointsMultiplierBps: 20000 } });
    const p = program({ earn: { step: { every: 100000, points: 100 } }, campaigns: [c] });
    const ev = quote(p, receipt({ lines: [line({ price: 60000, sku: "x" }), line({ price: 50000 })] }));
    // 120000 + 50000 = 170000 → 1 step = 100 points; 70.59 / 29.41 → 71 / 29
    expect(ev.pointsEarned).toBe(100);
    expect(linePoints(ev)).toEqual([71, 29]);
  });
  test("step counts only what is not paid with points (onPointsPaid false)", () => {
    const p = program({ earn: { step: { every: 100000, points: 100 } }, redeem: { maxShareBps: 3000 } });
    const ev = quote(p, receipt({ lines: [line({ price: 250000 })], redeemPoints: 600 }), { balance: 1000 });
    expect(ev.pointsSpentAmount).toBe(60000);
    expect(ev.pointsEarned).toBe(100); // 1 900.00 RUB → 1 full step
    const onPaid = program({ earn: { step: { every: 100000, points: 100 }, onPointsPaid: true }, redeem: { maxShareBps: 3000 } });
    expect(quote(onPaid, receipt({ lines: [line({ price: 250000 })], redeemPoints: 600 }), { balance: 1000 }).pointsEarned).toBe(200);
  });
  test("step ignores tier rates", () => {
    const p = program({ earn: { step: { every: 100000, points: 100 } }, tiers: [tier({ id: "gold", from: 0, rateBps: 5000 })] });
    expect(quote(p, receipt({ lines: [line({ price: 249900 })] }), { spend: 0 }).pointsEarned).toBe(200);
  });
  test("points.value 1: 10% of 1 000.00 RUB = 10 000 points", () => {
    expect(quote(program({ points: { value: 1 } }), receipt()).pointsEarned).toBe(10000);
  });
});

describe("points payment", () => {
  const p = program({ redeem: { maxShareBps: 3000 } });
  const r = (redeemPoints: number | "max", lines: LineInput[] = [line({ price: 100000 })]) => receipt({ lines, redeemPoints });

  test('"max" and numbers are clipped to maxRedeemablePoints', () => {
    expect(quote(p, r("max"), { balance: 1000 }).pointsSpent).toBe(300);
    expect(quote(p, r(500), { balance: 1000 }).pointsSpent).toBe(300);
    expect(quote(p, r(120), { balance: 1000 }).pointsSpent).toBe(120);
    expect(quote(p, r(0), { balance: 1000 }).pointsSpent).toBe(0);
    expect(quote(p, r(0), { balance: 1000 }).maxRedeemablePoints).toBe(300);
  });
  test("the balance limits too", () => {
    const ev = quote(p, r("max"), { balance: 250 });
    expect(ev.maxRedeemablePoints).toBe(250);
    expect(ev.pointsSpent).toBe(250);
    expect(ev.pointsSpentAmount).toBe(25000);
  });
  test("anonymous or zero balance: nothing", () => {
    expect(quote(p, r("max")).pointsSpent).toBe(0);
    expect(quote(p, r("max"), { balance: 0 }).pointsSpent).toBe(0);
  });
  test("a negative balance spends nothing", () => {
    const ev = quote(p, r("max"), { balance: -50 });
    expect(ev.pointsSpent).toBe(0);
    expect(ev.pointsSpentAmount).toBe(0);
    expect(ev.maxRedeemablePoints).toBe(0);
    expect(ev.customer.balance).toBe(-50);
    expect(ev.total).toBe(100000);
  });
  test("minPoints: a maximum below it is 0; a clipped request below it spends nothing", () => {
    const p50 = program({ redeem: { maxShareBps: 3000, minPoints: 50 } });
    const small = quote(p50, r("max", [line({ price: 10000 })]), { balance: 1000 }); // cap 30 points
    expect(small.maxRedeemablePoints).toBe(0);
    expect(small.pointsSpent).toBe(0);
    expect(quote(p50, r("max"), { balance: 40 }).maxRedeemablePoints).toBe(0);
    expect(quote(p50, r(20), { balance: 1000 }).pointsSpent).toBe(0);
    expect(quote(p50, r(50), { balance: 1000 }).pointsSpent).toBe(50);
    expect(quote(p50, r(60), { balance: 1000 }).pointsSpent).toBe(60);
  });
  test("the cap is floored to whole points of points.value", () => {
    const p7 = program({ points: { value: 7 }, redeem: { maxShareBps: 3000 } });
    const ev = quote(p7, r("max"), { balance: 100000 });
    expect(ev.maxRedeemablePoints).toBe(4285); // floor(30000 / 7)
    expect(ev.pointsSpentAmount).toBe(29995);
  });
  test("eligible is what is left after discounts", () => {
    const half = program({ redeem: { maxShareBps: 3000 }, campaigns: [campaign({ effect: { discountBps: 5000 } })] });
    expect(quote(half, r("max"), { balance: 1000 }).maxRedeemablePoints).toBe(150);
  });
  test("minOrder compares the total after discounts, without shipping", () => {
    const min = program({ redeem: { maxShareBps: 3000, minOrder: 50000 } });
    const withShipping = receipt({ lines: [line({ price: 40000 })], shipping: 20000, redeemPoints: "max" });
    expect(quote(min, withShipping, { balance: 1000 }).pointsSpent).toBe(0);
    const discounted = program({ redeem: { maxShareBps: 3000, minOrder: 50000 }, campaigns: [campaign({ effect: { discountBps: 2000 } })] });
    expect(quote(discounted, r("max", [line({ price: 60000 })]), { balance: 1000 }).pointsSpent).toBe(0); // 480.00 < 500.00
  });
  test("shipping is never paid with points; a receipt paid fully by points earns nothing", () => {
    const all = program({ redeem: { maxShareBps: 10000 } });
    const ev = quote(all, receipt({ shipping: 30000, redeemPoints: "max" }), { balance: 1000000 });
    expect(ev.pointsSpent).toBe(1000);
    expect(ev.pointsSpentAmount).toBe(100000);
    expect(ev.total).toBe(30000);
    expect(ev.pointsEarned).toBe(0);
  });
  test("excluded lines carry no points money", () => {
    const ex = program({ redeem: { maxShareBps: 10000, excludeTags: ["promo"] } });
    const ev = quote(ex, r("max", [line({ price: 30000, tags: ["promo"] }), line({ price: 20000 })]), { balance: 1000000 });
    expect(ev.maxRedeemablePoints).toBe(200);
    expect(linePointsPaid(ev)).toEqual([0, 20000]);
    expect(linePoints(ev)).toEqual([30, 0]);
  });
});

function rejection(run: () => unknown): { error: unknown; problems: Problem[] } {
  try {
    run();
  } catch (error) {
    return { error, problems: (error as { problems?: Problem[] }).problems ?? [] };
  }
  throw new Error("expected the input to be rejected");
}

function receiptProblems(lines: LineInput[], extra: Parameters<typeof receipt>[0] = {}): string[] {
  const { error, problems } = rejection(() => quote(program(), receipt({ ...extra, lines })));
  expect(error).toBeInstanceOf(ReceiptInvalidError);
  expect(problems.length).toBeGreaterThan(0);
  for (const p of problems) expect(typeof p.message).toBe("string");
  return problems.map((p) => p.path);
}

describe("limits: beyond them a ReceiptInvalidError naming the field", () => {
  const ok = line({ price: 100 });
  test.each([
    ["price above 10^12", { price: 1_000_000_000_001 }, "lines[2].price"],
    ["negative price", { price: -1 }, "lines[2].price"],
    ["fractional price", { price: 1.5 }, "lines[2].price"],
    ["qty 0", { price: 100, qty: 0 }, "lines[2].qty"],
    ["qty above 10^6", { price: 100, qty: 1_000_001 }, "lines[2].qty"],
    ["fractional qty", { price: 100, qty: 1.5 }, "lines[2].qty"],
  ])("%s", (_name, bad, path) => {
    expect(receiptProblems([ok, ok, line(bad)])).toContain(path);
  });
  test("subtotal above 10^13 (10^12 × 10 + 1)", () => {
    const paths = receiptProblems([line({ price: 1_000_000_000_000, qty: 10 }), line({ price: 1 })]);
    expect(paths.every((p) => p.length > 0)).toBe(true);
  });
  test("price 10^12 × qty 11", () => {
    receiptProblems([line({ price: 1_000_000_000_000, qty: 11 })]);
  });
  test("1 001 lines are rejected, 0 lines too", () => {
    const lines = Array.from({ length: 1001 }, () => line({ price: 100 }));
    expect(receiptProblems(lines).some((p) => p.startsWith("lines"))).toBe(true);
    expect(receiptProblems([]).some((p) => p.startsWith("lines"))).toBe(true);
  });
  test("shipping and redeemPoints", () => {
    expect(receiptProblems([ok], { shipping: 1_000_000_000_001 })).toContain("shipping");
    expect(receiptProblems([ok], { shipping: -1 })).toContain("shipping");
    expect(receiptProblems([ok], { redeemPoints: -1 })).toContain("redeemPoints");
    expect(receiptProblems([ok], { redeemPoints: 2.5 })).toContain("redeemPoints");
  });
  describe("strings: 1 … 200 characters, ≤ 50 categories / tags per line, ≤ 20 codes", () => {
    const long = "x".repeat(200);
    const many = Array.from({ length: 51 }, (_, k) => `c${k}`);
    test("at the limits: accepted", () => {
      const lines = [line({ price: 100, sku: long, categories: many.slice(0, 50), tags: [long] })];
      expect(quote(program(), receipt({ lines, codes: many.slice(0, 20) })).subtotal).toBe(100);
    });
    test("a 201-character or empty sku", () => {
      expect(receiptProblems([line({ price: 100, sku: `${long}x` })])).toContain("lines[0].sku");
      expect(receiptProblems([line({ price: 100, sku: "" })])).toContain("lines[0].sku");
    });
    test("an empty line id", () => {
      expect(receiptProblems([line({ id: "", price: 100 })])).toContain("lines[0].id");
    });
    test("51 categories or tags on a line", () => {
      expect(receiptProblems([line({ price: 100, categories: many })]).some((p) => p.startsWith("lines[0].categories"))).toBe(true);
      expect(receiptProblems([line({ price: 100, tags: many })]).some((p) => p.startsWith("lines[0].tags"))).toBe(true);
    });
    test("21 codes, or a 201-character code", () => {
      expect(receiptProblems([ok], { codes: many.slice(0, 21) }).some((p) => p.startsWith("codes"))).toBe(true);
      expect(receiptProblems([ok], { codes: [`${long}x`] }).some((p) => p.startsWith("codes"))).toBe(true);
    });
  });
  test("at: RFC 3339 with an offset and a real calendar date", () => {
    expect(receiptProblems([ok], { at: "2026-11-23T10:15:00" })).toContain("at");
    expect(receiptProblems([ok], { at: "2026-02-30T10:00:00+03:00" })).toContain("at");
  });
  test("customer snapshot out of range", () => {
    const engine = createEngine(program());
    expect(rejection(() => engine.quote(receipt(), { balance: 1e15 + 1 })).error).toBeInstanceOf(ReceiptInvalidError);
    expect(rejection(() => engine.quote(receipt(), { spend: -1 })).error).toBeInstanceOf(ReceiptInvalidError);
    expect(rejection(() => engine.quote(receipt(), { orders: 1.5 })).error).toBeInstanceOf(ReceiptInvalidError);
  });
  test("points that would not fit a safe integer are an error, never an overflow", () => {
    // step: 10^9 points per full 1 kopeck on 10^13 → 10^22 points
    const p = program({ earn: { step: { every: 1, points: 1_000_000_000 } } });
    const { error } = rejection(() => quote(p, receipt({ lines: [line({ price: 1_000_000_000_000, qty: 10 })] })));
    expect(error).toBeInstanceOf(ReceiptInvalidError);
  });
  test("1 000 lines at 10^10 each: subtotal exactly 10^13 is fine", () => {
    const lines = Array.from({ length: 1000 }, () => line({ price: 10_000_000_000 }));
    const ev = quote(program({ campaigns: [campaign({ effect: { discountBps: 3333 } })] }), receipt({ lines }));
    expect(ev.subtotal).toBe(10_000_000_000_000);
    expect(ev.lines).toHaveLength(1000);
    expect(ev.lines[999]!.id).toBe("1000");
    expect(ev.discount).toBe(1000 * 3_333_000_000);
    expectBalanced(ev);
  });
});

describe("program validation lists every problem with its path", () => {
  function programProblems(p: Program): string[] {
    const { error, problems } = rejection(() => createEngine(p));
    expect(error).toBeInstanceOf(ProgramInvalidError);
    return problems.map((x) => x.path);
  }
  test("rates out of range, value 0: both reported", () => {
    const paths = programProblems(program({ earn: { rateBps: 10001 }, points: { value: 0 } }));
    expect(paths).toContain("earn.rateBps");
    expect(paths).toContain("points.value");
  });
  test("two discount effects in one campaign", () => {
    const paths = programProblems(program({ campaigns: [campaign({ effect: { discountBps: 1000, discountAmount: 500 } })] }));
    expect(paths.some((x) => x.startsWith("campaigns[0].effect"))).toBe(true);
  });
  test("multiplier above ×10", () => {
    const paths = programProblems(program({ campaigns: [campaign({ effect: { pointsMultiplierBps: 100001 } })] }));
    expect(paths).toContain("campaigns[0].effect.pointsMultiplierBps");
  });
  test("tier levels not in ascending from", () => {
    const paths = programProblems(program({ tiers: [tier({ id: "a", from: 100 }), tier({ id: "b", from: 50 })] }));
    expect(paths.some((x) => x.startsWith("tiers.levels"))).toBe(true);
  });
});

describe("exact at the limits (expected values from BigInt)", () => {
  test("10^13 subtotal at rate 100% and the ×100 multiplier cap: 10^15 points", () => {
    const x10 = (id: string) => campaign({ id, effect: { pointsMultiplierBps: 100000 } });
    const p = program({ points: { value: 1 }, earn: { rateBps: 10000 }, campaigns: [x10("a"), x10("b"), x10("c")] });
    const ev = quote(p, receipt({ lines: [line({ price: 1_000_000_000_000, qty: 10 })] }));
    // 10^13 × 10^4 × min(10^5 × 10^5 × 10^5 / 10^8, 10^6) / (10^8 × 1) = 10^15
    expect(ev.subtotal).toBe(10_000_000_000_000);
    expect(ev.pointsEarned).toBe(1_000_000_000_000_000);
    expect(ev.lines[0]!.pointsEarned).toBe(1_000_000_000_000_000);
  });

  test("uneven amounts near 10^13: percent discount and rate points", () => {
    const c = campaign({ effect: { discountBps: 3333, pointsMultiplierBps: 99999 } });
    const p = program({ points: { value: 7 }, earn: { rateBps: 9999 }, campaigns: [c] });
    const lines = [line({ price: 999_999_899_999, qty: 10 }), line({ price: 3, qty: 3 }), line({ price: 1, qty: 1_000_000 })];
    const ev = quote(p, receipt({ lines }));

    const amounts = [999_999_899_999n * 10n, 9n, 1_000_000n]; // Σ = 10^13 − 1
    const discounts = amounts.map((a) => (a * 3333n) / 10000n);
    const remaining = amounts.map((a, i) => a - discounts[i]!);
    const denominator = 10n ** 8n * 7n;
    const numerators = remaining.map((r) => r * 9999n * 99999n);
    const { total, perLine } = floorOnce(numerators, denominator);

    expect(ev.subtotal).toBe(Number(amounts.reduce((a, b) => a + b, 0n)));
    expect(lineDiscounts(ev)).toEqual(discounts.map(Number));
    expect(ev.discount).toBe(Number(discounts.reduce((a, b) => a + b, 0n)));
    expect(ev.pointsEarned).toBe(Number(total));
    expect(linePoints(ev)).toEqual(perLine.map(Number));
    expectBalanced(ev);
  });

  test("a fixed discount near 10^13 allocated exactly", () => {
    const amount = 999_999_999_989n;
    const c = campaign({ effect: { discountAmount: Number(amount) } });
    const lines = [line({ price: 999_999_999_999, qty: 7 }), line({ price: 333_333_333_333, qty: 9 }), line({ price: 1, qty: 3 })];
    const ev = quote(program({ campaigns: [c] }), receipt({ lines }));
    const weights = [999_999_999_999n * 7n, 333_333_333_333n * 9n, 3n];
    expect(lineDiscounts(ev)).toEqual(largestRemainder(amount, weights).map(Number));
    expect(ev.discount).toBe(Number(amount));
  });

  test("points payment and earning near 10^13", () => {
    const p = program({ points: { value: 7 }, earn: { rateBps: 1000 }, redeem: { maxShareBps: 3333 } });
    const ev = quote(p, receipt({ lines: [line({ price: 1_000_000_000_000, qty: 10 })], redeemPoints: "max" }), { balance: 1e15 });
    const cap = (10n ** 13n * 3333n) / 10000n;
    const points = cap / 7n;
    const money = points * 7n;
    const earned = ((10n ** 13n - money) * 1000n) / (10000n * 7n);
    expect(ev.maxRedeemablePoints).toBe(Number(points));
    expect(ev.pointsSpent).toBe(Number(points));
    expect(ev.pointsSpentAmount).toBe(Number(money));
    expect(ev.total).toBe(Number(10n ** 13n - money));
    expect(ev.pointsEarned).toBe(Number(earned));
  });
});
