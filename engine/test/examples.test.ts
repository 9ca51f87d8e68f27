/** The worked examples of docs/program.md, each with its exact numbers. */
import { describe, expect, test } from "vitest";
import { line, program, quote, receipt } from "./builders.ts";

describe("docs/program.md worked examples", () => {
  test("rate 10%, value 100: 1 000.00 RUB → 100 points", () => {
    const ev = quote(program({ earn: { rateBps: 1000 }, points: { value: 100 } }), receipt({ lines: [line({ price: 100000 })] }));
    expect(ev.pointsEarned).toBe(100);
    expect(ev.lines[0]!.pointsEarned).toBe(100);
    expect(ev.earned).toEqual([{ source: "purchase", points: 100 }]);
  });

  test("rate 10%, value 100: 2 499.00 RUB → 249 points", () => {
    const ev = quote(program({ earn: { rateBps: 1000 }, points: { value: 100 } }), receipt({ lines: [line({ price: 249900 })] }));
    expect(ev.pointsEarned).toBe(249);
  });

  test("step 100 points per full 1 000 RUB: 2 499.00 RUB → 200 points", () => {
    const p = program({ earn: { rateBps: 1000, step: { every: 100000, points: 100 } } });
    const ev = quote(p, receipt({ lines: [line({ price: 249900 })] }));
    expect(ev.pointsEarned).toBe(200);
    expect(ev.lines[0]!.pointsEarned).toBe(200);
  });

  test("1 point per 100 RUB (rate 100 bps, value 100): 1 250.00 RUB → 12 points", () => {
    const ev = quote(program({ earn: { rateBps: 100 }, points: { value: 100 } }), receipt({ lines: [line({ price: 125000 })] }));
    expect(ev.pointsEarned).toBe(12);
  });

  describe("ATOL rule: 1 000.00 RUB, 200 points spent (value 100), rate 10%", () => {
    const r = receipt({ lines: [line({ price: 100000 })], redeemPoints: 200 });
    const customer = { balance: 10000 };

    test("onPointsPaid: true → 100 points", () => {
      const ev = quote(program({ earn: { rateBps: 1000, onPointsPaid: true } }), r, customer);
      expect(ev.pointsSpent).toBe(200);
      expect(ev.pointsSpentAmount).toBe(20000);
      expect(ev.pointsEarned).toBe(100);
      expect(ev.total).toBe(80000);
    });

    test("onPointsPaid: false → 80 points", () => {
      const ev = quote(program({ earn: { rateBps: 1000, onPointsPaid: false } }), r, customer);
      expect(ev.pointsSpent).toBe(200);
      expect(ev.pointsSpentAmount).toBe(20000);
      expect(ev.lines[0]!.pointsPaid).toBe(20000);
      expect(ev.pointsEarned).toBe(80);
      expect(ev.total).toBe(80000);
    });
  });

  test("maxShareBps 3000, balance 10 000 points, 1 000.00 RUB → at most 300 points", () => {
    const p = program({ redeem: { maxShareBps: 3000 } });
    const ev = quote(p, receipt({ lines: [line({ price: 100000 })], redeemPoints: "max" }), { balance: 10000 });
    expect(ev.maxRedeemablePoints).toBe(300);
    expect(ev.pointsSpent).toBe(300);
    expect(ev.pointsSpentAmount).toBe(30000);
    expect(ev.total).toBe(70000);
    // Earning on the 700.00 RUB not paid with points (onPointsPaid false).
    expect(ev.pointsEarned).toBe(70);

    const asked = quote(p, receipt({ lines: [line({ price: 100000 })], redeemPoints: 10000 }), { balance: 10000 });
    expect(asked.pointsSpent).toBe(300);
  });

  describe("minOrder 500.00 RUB", () => {
    const p = program({ redeem: { maxShareBps: 3000, minOrder: 50000 } });

    test("a 499.99 RUB receipt can spend no points", () => {
      const ev = quote(p, receipt({ lines: [line({ price: 49999 })], redeemPoints: "max" }), { balance: 10000 });
      expect(ev.pointsSpent).toBe(0);
      expect(ev.pointsSpentAmount).toBe(0);
      expect(ev.maxRedeemablePoints).toBe(0);
      expect(ev.total).toBe(49999);
    });

    test("a 500.00 RUB receipt can (>= minOrder)", () => {
      const ev = quote(p, receipt({ lines: [line({ price: 50000 })], redeemPoints: "max" }), { balance: 10000 });
      expect(ev.maxRedeemablePoints).toBe(150);
      expect(ev.pointsSpent).toBe(150);
      expect(ev.total).toBe(35000);
    });
  });

  test("2 000.00 RUB of which 1 000.00 RUB are promo-tagged (excluded), maxShareBps 5000 → at most 500 points", () => {
    const p = program({ redeem: { maxShareBps: 5000, excludeTags: ["promo"] } });
    const r = receipt({
      lines: [line({ price: 100000 }), line({ price: 50000, qty: 2, tags: ["promo"] })],
      redeemPoints: "max",
    });
    const ev = quote(p, r, { balance: 10000 });
    expect(ev.maxRedeemablePoints).toBe(500);
    expect(ev.pointsSpent).toBe(500);
    expect(ev.pointsSpentAmount).toBe(50000);
    // All of the points money sits on the eligible line.
    expect(ev.lines.map((l) => l.pointsPaid)).toEqual([50000, 0]);
  });
});
