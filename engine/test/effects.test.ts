/** Campaign effects, stacking and priority (tiers and a paused program: tiers.test.ts; nudges: nudges.test.ts). */
import { describe, expect, test } from "vitest";
import {
  appliedIds,
  campaign,
  discountBy,
  line,
  lineDiscounts,
  linePoints,
  program,
  quote,
  receipt,
} from "./builders.ts";

describe("discountBps", () => {
  test("rounded down per line, not per receipt", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { discountBps: 1500 } })] }),
      receipt({ lines: [line({ price: 333 }), line({ price: 333 })] }),
    );
    // 49.95 + 49.95 → 49 + 49 (not floor(99.9) = 99)
    expect(lineDiscounts(ev)).toEqual([49, 49]);
    expect(ev.discount).toBe(98);
  });
  test("rounded on the line amount, not per unit", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { discountBps: 1500 } })] }),
      receipt({ lines: [line({ price: 999, qty: 3 })] }),
    );
    expect(ev.lines[0]!.amount).toBe(2997);
    expect(ev.discount).toBe(449); // 449.55 (per unit it would be 3 × 149 = 447)
  });

  describe("basis after an earlier 50% campaign", () => {
    const half = campaign({ id: "half", priority: 10, effect: { discountBps: 5000 } });
    test("discounted: 10% of the remaining 500.00", () => {
      const c1 = campaign({ basis: "discounted", effect: { discountBps: 1000 } });
      const ev = quote(program({ campaigns: [half, c1] }), receipt());
      expect(discountBy(ev, "1", "half")).toBe(50000);
      expect(discountBy(ev, "1", "c1")).toBe(5000);
      expect(ev.discount).toBe(55000);
      expect(ev.lines[0]!.discounts).toEqual([
        { campaign: "half", amount: 50000 },
        { campaign: "c1", amount: 5000 },
      ]);
    });
    test("original: 10% of the original 1 000.00", () => {
      const c1 = campaign({ basis: "original", effect: { discountBps: 1000 } });
      const ev = quote(program({ campaigns: [half, c1] }), receipt());
      expect(discountBy(ev, "1", "c1")).toBe(10000);
      expect(ev.discount).toBe(60000);
    });
    test("original never takes a line below zero", () => {
      const big = campaign({ id: "big", priority: 10, effect: { discountBps: 9500 } });
      const c1 = campaign({ basis: "original", effect: { discountBps: 1000 } });
      const ev = quote(program({ campaigns: [big, c1] }), receipt());
      expect(discountBy(ev, "1", "c1")).toBe(5000);
      expect(ev.discount).toBe(100000);
      expect(ev.total).toBe(0);
    });
  });
});

describe("discountAmount: allocated pro rata to remaining amounts, largest remainder", () => {
  test("100 over three equal lines → 34 / 33 / 33 (ties: earliest line)", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { discountAmount: 100 } })] }),
      receipt({ lines: [line({ price: 1000 }), line({ price: 1000 }), line({ price: 1000 })] }),
    );
    expect(lineDiscounts(ev)).toEqual([34, 33, 33]);
    expect(ev.discount).toBe(100);
    expect(ev.campaigns).toEqual([{ id: "c1", discount: 100, points: 0 }]);
  });
  test("the extra minor unit goes to the largest fractional part, not the earliest line", () => {
    // 14.29 / 28.57 / 57.14 → 14 / 29 / 57
    const ev = quote(
      program({ campaigns: [campaign({ effect: { discountAmount: 100 } })] }),
      receipt({ lines: [line({ price: 1000 }), line({ price: 2000 }), line({ price: 4000 })] }),
    );
    expect(lineDiscounts(ev)).toEqual([14, 29, 57]);
  });
  test("only over the target lines", () => {
    const ev = quote(
      program({ campaigns: [campaign({ target: { tags: ["x"] }, effect: { discountAmount: 900 } })] }),
      receipt({ lines: [line({ price: 1000, tags: ["x"] }), line({ price: 5000 }), line({ price: 2000, tags: ["x"] })] }),
    );
    expect(lineDiscounts(ev)).toEqual([300, 0, 600]);
  });
  test("in proportion to what is left after an earlier campaign", () => {
    const half = campaign({ id: "half", priority: 10, target: { skus: ["a"] }, effect: { discountBps: 5000 } });
    const c1 = campaign({ effect: { discountAmount: 300 } });
    const ev = quote(
      program({ campaigns: [half, c1] }),
      receipt({ lines: [line({ price: 1000, sku: "a" }), line({ price: 1000, sku: "b" })] }),
    );
    // remaining 500 and 1000 → 100 and 200
    expect(discountBy(ev, "1", "c1")).toBe(100);
    expect(discountBy(ev, "2", "c1")).toBe(200);
    expect(lineDiscounts(ev)).toEqual([600, 200]);
  });
  test("an amount bigger than the lines is capped at what is left", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { discountAmount: 10000 } })] }),
      receipt({ lines: [line({ price: 3000 }), line({ price: 2000 })] }),
    );
    expect(lineDiscounts(ev)).toEqual([3000, 2000]);
    expect(ev.discount).toBe(5000);
    expect(ev.campaigns).toEqual([{ id: "c1", discount: 5000, points: 0 }]);
    expect(ev.total).toBe(0);
    expect(ev.pointsEarned).toBe(0); // nothing earned on a receipt paying 0
  });
});

describe("cheapestFree", () => {
  test("3 for 2 across lines: floor(6 / 3) = 2 cheapest units free", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { cheapestFree: 3 } })] }),
      receipt({ lines: [line({ price: 1000, qty: 2 }), line({ price: 500 }), line({ price: 800, qty: 3 })] }),
    );
    // free: the 500 unit and one 800 unit (floor(2400 × 1 / 3) = 800)
    expect(lineDiscounts(ev)).toEqual([0, 500, 800]);
    expect(ev.discount).toBe(1300);
  });
  test("equal prices: the earlier line's unit is free", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { cheapestFree: 3 } })] }),
      receipt({ lines: [line({ price: 900 }), line({ price: 500 }), line({ price: 500 })] }),
    );
    expect(lineDiscounts(ev)).toEqual([0, 500, 0]);
  });
  test("several free units of one line", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { cheapestFree: 3 } })] }),
      receipt({ lines: [line({ price: 100, qty: 7 })] }),
    );
    expect(ev.discount).toBe(200);
  });
  test("fewer units than N: nothing free", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { cheapestFree: 3 } })] }),
      receipt({ lines: [line({ price: 100, qty: 2 })] }),
    );
    expect(ev.discount).toBe(0);
  });
  test("only target units count and only target units are free", () => {
    const ev = quote(
      program({ campaigns: [campaign({ target: { categories: ["socks"] }, effect: { cheapestFree: 2 } })] }),
      receipt({
        lines: [line({ price: 100 }), line({ price: 700, categories: ["socks"] }), line({ price: 600, categories: ["socks"] })],
      }),
    );
    expect(lineDiscounts(ev)).toEqual([0, 0, 600]);
  });
  describe("after an earlier 10% campaign (line 3 × 10.00)", () => {
    const tenth = campaign({ id: "tenth", priority: 10, effect: { discountBps: 1000 } });
    const lines = [line({ price: 1000, qty: 3 })];
    test("discounted: the free unit's share of the remaining 2 700 = 900", () => {
      const c1 = campaign({ basis: "discounted", effect: { cheapestFree: 3 } });
      const ev = quote(program({ campaigns: [tenth, c1] }), receipt({ lines }));
      expect(discountBy(ev, "1", "c1")).toBe(900);
      expect(ev.discount).toBe(1200);
    });
    test("original: the unit's price 1 000", () => {
      const c1 = campaign({ basis: "original", effect: { cheapestFree: 3 } });
      const ev = quote(program({ campaigns: [tenth, c1] }), receipt({ lines }));
      expect(discountBy(ev, "1", "c1")).toBe(1000);
      expect(ev.discount).toBe(1300);
    });
  });
});

describe("bundle", () => {
  const bundle = {
    items: [
      { skus: ["phone"], qty: 1 },
      { categories: ["cases"], qty: 1 },
    ],
    discountBps: 1000,
  };
  test("sets repeat while every item can be filled; each unit joins one set", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { bundle } })] }),
      receipt({
        lines: [
          line({ price: 50000, qty: 2, sku: "phone" }),
          line({ price: 3000, sku: "case-a", categories: ["cases"] }),
          line({ price: 2000, qty: 2, sku: "case-b", categories: ["cases"] }),
          line({ price: 1500, sku: "cable" }),
        ],
      }),
    );
    // set 1: phone + case-a; set 2: phone + one case-b; no third phone.
    expect(lineDiscounts(ev)).toEqual([10000, 300, 200, 0]);
    expect(ev.discount).toBe(10500);
  });
  test("most expensive qualifying units first", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { bundle } })] }),
      receipt({
        lines: [
          line({ price: 40000, sku: "phone" }),
          line({ price: 60000, sku: "phone" }),
          line({ price: 1000, categories: ["cases"] }),
        ],
      }),
    );
    expect(lineDiscounts(ev)).toEqual([0, 6000, 100]);
  });
  test("equal prices: the earlier line's unit joins the set", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { bundle } })] }),
      receipt({
        lines: [line({ price: 1000, categories: ["cases"] }), line({ price: 50000, sku: "phone" }), line({ price: 50000, sku: "phone" })],
      }),
    );
    expect(lineDiscounts(ev)).toEqual([100, 5000, 0]);
  });
  test("an item with qty 2", () => {
    const twoShirts = {
      items: [
        { tags: ["shirt"], qty: 2 },
        { tags: ["tie"], qty: 1 },
      ],
      discountBps: 2000,
    };
    const ev = quote(
      program({ campaigns: [campaign({ basis: "original", effect: { bundle: twoShirts } })] }),
      receipt({ lines: [line({ price: 3000, qty: 5, tags: ["shirt"] }), line({ price: 1000, qty: 2, tags: ["tie"] })] }),
    );
    // 5 shirts, 2 ties → 2 sets: 4 shirts (4 × 600) and 2 ties (2 × 200)
    expect(lineDiscounts(ev)).toEqual([2400, 400]);
  });
  describe("after an earlier 10% campaign", () => {
    const tenth = campaign({ id: "tenth", priority: 10, effect: { discountBps: 1000 } });
    const lines = [line({ price: 50000, sku: "phone" }), line({ price: 3000, categories: ["cases"] })];
    test("discounted: discountBps of each unit's share of what is left", () => {
      const c1 = campaign({ basis: "discounted", effect: { bundle } });
      const ev = quote(program({ campaigns: [tenth, c1] }), receipt({ lines }));
      expect(discountBy(ev, "1", "c1")).toBe(4500);
      expect(discountBy(ev, "2", "c1")).toBe(270);
    });
    test("original: discountBps of the unit price", () => {
      const c1 = campaign({ basis: "original", effect: { bundle } });
      const ev = quote(program({ campaigns: [tenth, c1] }), receipt({ lines }));
      expect(discountBy(ev, "1", "c1")).toBe(5000);
      expect(discountBy(ev, "2", "c1")).toBe(300);
    });
  });
  test("no complete set: no discount", () => {
    const ev = quote(program({ campaigns: [campaign({ effect: { bundle } })] }), receipt({ lines: [line({ price: 50000, sku: "phone" })] }));
    expect(ev.discount).toBe(0);
  });
});

describe("points effects", () => {
  test("pointsMultiplierBps 20000: ×2 on target lines only", () => {
    const c = campaign({ target: { categories: ["coffee"] }, effect: { pointsMultiplierBps: 20000 } });
    const ev = quote(
      program({ campaigns: [c] }),
      receipt({ lines: [line({ price: 100000, categories: ["coffee"] }), line({ price: 100000, categories: ["tea"] })] }),
    );
    expect(linePoints(ev)).toEqual([200, 100]);
    expect(ev.pointsEarned).toBe(300);
    expect(ev.discount).toBe(0);
    expect(ev.campaigns).toEqual([{ id: "c1", discount: 0, points: 0 }]);
  });
  test("multipliers on one line multiply", () => {
    const a = campaign({ id: "a", effect: { pointsMultiplierBps: 20000 } });
    const b = campaign({ id: "b", effect: { pointsMultiplierBps: 15000 } });
    expect(quote(program({ campaigns: [a, b] }), receipt()).pointsEarned).toBe(300);
  });
  test("the combined multiplier is kept in bps, rounded down after each step", () => {
    // 10001 × 10001 / 10000 = 10002.0001 → 10002 bps.
    // 10^11 × 1000 × 10002 / (10^8 × 100) = 100 020 000 (unrounded: 100 020 001).
    const a = campaign({ id: "a", effect: { pointsMultiplierBps: 10001 } });
    const b = campaign({ id: "b", effect: { pointsMultiplierBps: 10001 } });
    const ev = quote(program({ campaigns: [a, b] }), receipt({ lines: [line({ price: 100000000000 })] }));
    expect(ev.pointsEarned).toBe(100020000);
  });
  test("bonusPoints: per receipt, on top of the rate", () => {
    const ev = quote(program({ campaigns: [campaign({ effect: { bonusPoints: 100 } })] }), receipt());
    expect(ev.pointsEarned).toBe(200);
    expect(linePoints(ev)).toEqual([100]);
    expect(ev.campaigns).toEqual([{ id: "c1", discount: 0, points: 100 }]);
    expect(ev.earned).toHaveLength(2);
    expect(ev.earned[0]).toEqual({ source: "purchase", points: 100 });
    expect(ev.earned[1]!.points).toBe(100);
  });
  test("bonusPoints are not earned on a receipt paying 0 (README: nothing is earned)", () => {
    const free = campaign({ effect: { discountBps: 10000, bonusPoints: 50 } });
    const ev = quote(program({ campaigns: [free] }), receipt());
    expect(ev.total).toBe(0);
    expect(ev.pointsEarned).toBe(0);
    expect(ev.campaigns).toEqual([{ id: "c1", discount: 100000, points: 0 }]);

    const paidByPoints = quote(
      program({ redeem: { maxShareBps: 10000 }, campaigns: [campaign({ effect: { bonusPoints: 50 } })] }),
      receipt({ redeemPoints: "max" }),
      { balance: 5000 },
    );
    expect(paidByPoints.pointsSpentAmount).toBe(100000);
    expect(paidByPoints.pointsEarned).toBe(0);
  });
  test("bonusPoints of two campaigns, with a discount", () => {
    const a = campaign({ id: "a", effect: { discountBps: 1000, bonusPoints: 50 } });
    const b = campaign({ id: "b", effect: { bonusPoints: 7 } });
    const ev = quote(program({ campaigns: [a, b] }), receipt());
    // 900.00 RUB left → 90 points, + 50 + 7
    expect(ev.pointsEarned).toBe(147);
    expect(ev.earned.map((e) => e.points)).toEqual([90, 50, 7]);
  });
});

describe("freeShipping", () => {
  test("a campaign makes shipping free: not charged in total", () => {
    const ev = quote(
      program({ campaigns: [campaign({ effect: { freeShipping: true } })] }),
      receipt({ shipping: 30000 }),
    );
    expect(ev.freeShipping).toBe(true);
    expect(ev.discount).toBe(0);
    expect(ev.total).toBe(100000);
    expect(ev.pointsEarned).toBe(100); // shipping never earns
  });
  test("without it, shipping is charged and neither discounted nor earning", () => {
    const ev = quote(program({ campaigns: [campaign({ effect: { discountBps: 5000 } })] }), receipt({ shipping: 30000 }));
    expect(ev.freeShipping).toBe(false);
    expect(ev.discount).toBe(50000);
    expect(ev.total).toBe(80000);
    expect(ev.pointsEarned).toBe(50);
  });
});

describe("stacking and priority", () => {
  const ab = [line({ price: 100000, sku: "a" }), line({ price: 100000, sku: "b" })];
  test("exclusive blocks lower-priority campaigns on the lines it touched only", () => {
    const x = campaign({ id: "x", priority: 10, stacking: "exclusive", target: { skus: ["a"] }, effect: { discountBps: 1000 } });
    const y = campaign({ id: "y", priority: 5, effect: { discountBps: 2000 } });
    const ev = quote(program({ campaigns: [y, x] }), receipt({ lines: ab }));
    expect(lineDiscounts(ev)).toEqual([10000, 20000]);
    expect(discountBy(ev, "1", "y")).toBe(0);
  });
  test("stack: both apply on the same line, the later on what is left", () => {
    const x = campaign({ id: "x", priority: 10, effect: { discountBps: 1000 } });
    const y = campaign({ id: "y", priority: 5, effect: { discountBps: 2000 } });
    const ev = quote(program({ campaigns: [y, x] }), receipt());
    expect(ev.discount).toBe(28000); // 10000 + 20% of 90000
  });
  test("a lower-priority exclusive campaign does not undo higher ones but blocks lower ones", () => {
    const hi = campaign({ id: "hi", priority: 10, effect: { discountBps: 2000 } });
    const mid = campaign({ id: "mid", priority: 5, stacking: "exclusive", effect: { discountBps: 1000 } });
    const lo = campaign({ id: "lo", priority: 1, effect: { discountBps: 5000 } });
    const ev = quote(program({ campaigns: [lo, mid, hi] }), receipt());
    expect(discountBy(ev, "1", "hi")).toBe(20000);
    expect(discountBy(ev, "1", "mid")).toBe(8000);
    expect(discountBy(ev, "1", "lo")).toBe(0);
    expect(appliedIds(ev)).not.toContain("lo");
  });
  test("lines claimed by an exclusive campaign get no lower multiplier, bonus or free shipping", () => {
    const x = campaign({ id: "x", priority: 10, stacking: "exclusive", effect: { discountBps: 1000 } });
    const perks = campaign({ id: "perks", priority: 5, effect: { pointsMultiplierBps: 30000, bonusPoints: 100, freeShipping: true } });
    const ev = quote(program({ campaigns: [x, perks] }), receipt({ shipping: 30000 }));
    expect(appliedIds(ev)).toEqual(["x"]);
    expect(ev.freeShipping).toBe(false);
    expect(ev.pointsEarned).toBe(90); // 900.00 RUB at 10%, no ×3, no bonus
    expect(ev.total).toBe(120000);
  });
  test("an exclusive campaign that does not apply claims nothing", () => {
    const x = campaign({ id: "x", priority: 10, stacking: "exclusive", when: { codes: ["VIP"] }, effect: { discountBps: 5000 } });
    const y = campaign({ id: "y", priority: 5, effect: { discountBps: 1000 } });
    const ev = quote(program({ campaigns: [x, y] }), receipt());
    expect(appliedIds(ev)).toEqual(["y"]);
    expect(ev.discount).toBe(10000);
  });
  test("higher priority first", () => {
    const b = campaign({ id: "b", priority: 10, effect: { discountAmount: 1000 } });
    const a = campaign({ id: "a", priority: 5, effect: { discountBps: 5000 } });
    const ev = quote(program({ campaigns: [a, b] }), receipt({ lines: [line({ price: 10000 })] }));
    expect(discountBy(ev, "1", "b")).toBe(1000);
    expect(discountBy(ev, "1", "a")).toBe(4500);
  });
  test("equal priority: by id", () => {
    const pct = { discountBps: 5000 };
    const amt = { discountAmount: 1000 };
    const r = receipt({ lines: [line({ price: 10000 })] });
    const first = quote(program({ campaigns: [campaign({ id: "b", priority: 5, effect: amt }), campaign({ id: "a", priority: 5, effect: pct })] }), r);
    expect(discountBy(first, "1", "a")).toBe(5000);
    expect(discountBy(first, "1", "b")).toBe(1000);
    const second = quote(program({ campaigns: [campaign({ id: "b", priority: 5, effect: pct }), campaign({ id: "a", priority: 5, effect: amt })] }), r);
    expect(discountBy(second, "1", "a")).toBe(1000);
    expect(discountBy(second, "1", "b")).toBe(4500);
  });
});
