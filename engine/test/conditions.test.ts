/**
 * Campaign conditions (`audience`, `when`, `limits`): one campaign "c1" giving 10% off, and the question is
 * only whether it applies. A 1 000.00 RUB line makes "applies" a 100.00 RUB discount.
 */
import { describe, expect, test } from "vitest";
import type { Campaign, CampaignCounters, CustomerSnapshot, Evaluation } from "../host/types.ts";
import {
  appliedIds,
  campaign,
  discountBy,
  line,
  lineDiscounts,
  program,
  quote,
  receipt,
  tier,
  type ProgramOptions,
  type ReceiptOptions,
} from "./builders.ts";

function evaluate(
  c: Partial<Campaign>,
  r: ReceiptOptions = {},
  customer?: CustomerSnapshot,
  counters?: CampaignCounters,
  p: ProgramOptions = {},
): Evaluation {
  return quote(program({ ...p, campaigns: [campaign(c)] }), receipt(r), customer, counters);
}

/** Whether c1 applied; cross-checks that "applied" and "gave 10% of 1 000.00 RUB" agree. */
function applies(
  when: Campaign["when"],
  r: ReceiptOptions = {},
  customer?: CustomerSnapshot,
  p: ProgramOptions = {},
): boolean {
  const ev = evaluate({ when }, r, customer, undefined, p);
  const applied = appliedIds(ev).includes("c1");
  expect(ev.discount).toBe(applied ? 10000 : 0);
  return applied;
}

describe("when.from / when.to: from inclusive, to exclusive", () => {
  const when = { from: "2026-11-20T00:00:00+03:00", to: "2026-11-30T00:00:00+03:00" };

  test("exactly at from applies", () => {
    expect(applies(when, { at: "2026-11-20T00:00:00+03:00" })).toBe(true);
  });
  test("one second before from does not", () => {
    expect(applies(when, { at: "2026-11-19T23:59:59+03:00" })).toBe(false);
  });
  test("one second before to applies", () => {
    expect(applies(when, { at: "2026-11-29T23:59:59+03:00" })).toBe(true);
  });
  test("exactly at to does not", () => {
    expect(applies(when, { at: "2026-11-30T00:00:00+03:00" })).toBe(false);
  });
  test("instants compare across offsets", () => {
    expect(applies(when, { at: "2026-11-19T21:00:00Z" })).toBe(true); // = from
    expect(applies(when, { at: "2026-11-19T20:59:59Z" })).toBe(false);
    expect(applies(when, { at: "2026-11-29T20:59:59Z" })).toBe(true);
    expect(applies(when, { at: "2026-11-29T21:00:00Z" })).toBe(false); // = to
  });
  test("only from, only to", () => {
    expect(applies({ from: "2026-11-20T00:00:00+03:00" }, { at: "2027-05-01T12:00:00+03:00" })).toBe(true);
    expect(applies({ to: "2026-11-20T00:00:00+03:00" }, { at: "2027-05-01T12:00:00+03:00" })).toBe(false);
  });
});

describe("when.weekdays: ISO (1 = Monday … 7 = Sunday) in the program timezone", () => {
  test("Monday 23 Nov 2026", () => {
    expect(applies({ weekdays: [1] }, { at: "2026-11-23T12:00:00+03:00" })).toBe(true);
    expect(applies({ weekdays: [2, 3, 4, 5, 6, 7] }, { at: "2026-11-23T12:00:00+03:00" })).toBe(false);
  });
  test("Sunday is 7, not 0", () => {
    expect(applies({ weekdays: [7] }, { at: "2026-11-22T12:00:00+03:00" })).toBe(true);
    expect(applies({ weekdays: [6] }, { at: "2026-11-22T12:00:00+03:00" })).toBe(false);
  });
  test("Sunday 22:30 UTC is already Monday 01:30 in Moscow", () => {
    expect(applies({ weekdays: [1] }, { at: "2026-11-22T22:30:00Z" })).toBe(true);
    expect(applies({ weekdays: [7] }, { at: "2026-11-22T22:30:00Z" })).toBe(false);
  });
  test("the receipt's own offset does not matter, the program timezone does", () => {
    // 23:30 on Sunday in New York = 07:30 on Monday in Moscow.
    expect(applies({ weekdays: [1] }, { at: "2026-11-22T23:30:00-05:00" })).toBe(true);
  });
});

describe("when.hours: from inclusive, to exclusive, local time", () => {
  const hours = { from: "10:00", to: "12:00" };
  test.each([
    ["2026-11-23T10:00:00+03:00", true],
    ["2026-11-23T11:59:59+03:00", true],
    ["2026-11-23T12:00:00+03:00", false],
    ["2026-11-23T09:59:59+03:00", false],
    ["2026-11-23T07:00:00Z", true], // 10:00 Moscow
    ["2026-11-23T09:00:00Z", false], // 12:00 Moscow
  ])("10:00–12:00 at %s → %s", (at, expected) => {
    expect(applies({ hours }, { at })).toBe(expected);
  });

  describe("a window with to <= from wraps past midnight (22:00–02:00)", () => {
    const night = { from: "22:00", to: "02:00" };
    test.each([
      ["2026-11-23T22:00:00+03:00", true],
      ["2026-11-23T23:30:00+03:00", true],
      ["2026-11-24T00:00:00+03:00", true],
      ["2026-11-24T01:59:59+03:00", true],
      ["2026-11-24T02:00:00+03:00", false],
      ["2026-11-23T21:59:59+03:00", false],
      ["2026-11-23T12:00:00+03:00", false],
    ])("at %s → %s", (at, expected) => {
      expect(applies({ hours: night }, { at })).toBe(expected);
    });
  });

  describe("DST-correct local time (Europe/Berlin)", () => {
    const berlin: ProgramOptions = { timezone: "Europe/Berlin" };
    // 2026: CEST starts Sunday 29 March 01:00 UTC, ends Sunday 25 October 01:00 UTC.
    test.each([
      ["2026-03-28T08:30:00Z", false], // Saturday, CET (+1): 09:30
      ["2026-03-28T09:30:00Z", true], // 10:30
      ["2026-03-29T08:30:00Z", true], // Sunday, CEST (+2): 10:30
      ["2026-03-29T10:30:00Z", false], // 12:30
      ["2026-10-24T08:30:00Z", true], // Saturday, CEST: 10:30
      ["2026-10-24T10:00:00Z", false], // 12:00
      ["2026-10-25T08:30:00Z", false], // Sunday, CET: 09:30
      ["2026-10-25T10:30:00Z", true], // 11:30
    ])("10:00–12:00 at %s → %s", (at, expected) => {
      expect(applies({ hours }, { at }, undefined, berlin)).toBe(expected);
    });

    test.each([
      ["2026-03-29T00:30:00Z", true], // 01:30 CET
      ["2026-03-29T00:59:59Z", true], // 01:59:59 CET
      ["2026-03-29T01:00:00Z", false], // 03:00 CEST: the clock jumped over 02:00–03:00
    ])("01:00–03:00 on the spring-forward night at %s → %s", (at, expected) => {
      expect(applies({ hours: { from: "01:00", to: "03:00" } }, { at }, undefined, berlin)).toBe(expected);
    });

    test.each([
      ["2026-10-24T23:59:59Z", false], // 01:59:59 CEST
      ["2026-10-25T00:30:00Z", true], // 02:30 CEST (first time)
      ["2026-10-25T01:30:00Z", true], // 02:30 CET (second time)
      ["2026-10-25T02:00:00Z", false], // 03:00 CET
    ])("02:00–03:00 on the fall-back night at %s → %s", (at, expected) => {
      expect(applies({ hours: { from: "02:00", to: "03:00" } }, { at }, undefined, berlin)).toBe(expected);
    });

    test("weekday follows the local date across the DST switch", () => {
      // 23:30 UTC Saturday 28 March = 00:30 CET Sunday 29 March.
      expect(applies({ weekdays: [7] }, { at: "2026-03-28T23:30:00Z" }, undefined, berlin)).toBe(true);
      // 22:30 UTC Saturday 24 October = 00:30 CEST Sunday 25 October.
      expect(applies({ weekdays: [7] }, { at: "2026-10-24T22:30:00Z" }, undefined, berlin)).toBe(true);
      expect(applies({ weekdays: [6] }, { at: "2026-10-24T22:30:00Z" }, undefined, berlin)).toBe(false);
    });
  });
});

describe("when.orderNumber (n = snapshot orders + 1)", () => {
  test("eq 1: first order only", () => {
    expect(applies({ orderNumber: { eq: 1 } }, {}, { orders: 0 })).toBe(true);
    expect(applies({ orderNumber: { eq: 1 } }, {}, { orders: 1 })).toBe(false);
    expect(applies({ orderNumber: { eq: 1 } }, {}, {})).toBe(true); // orders default 0
  });
  test("eq 5: the fifth order", () => {
    expect(applies({ orderNumber: { eq: 5 } }, {}, { orders: 4 })).toBe(true);
    expect(applies({ orderNumber: { eq: 5 } }, {}, { orders: 5 })).toBe(false);
    expect(applies({ orderNumber: { eq: 5 } }, {}, { orders: 3 })).toBe(false);
  });
  test.each([
    [1, false], // (1 - 1) % 3 == 0 but 1 < every + offset
    [2, false],
    [3, false],
    [4, true],
    [5, false],
    [6, false],
    [7, true],
    [10, true],
    [11, false],
  ])("every 3 offset 1: order #%i → %s", (n, expected) => {
    expect(applies({ orderNumber: { every: 3, offset: 1 } }, {}, { orders: n - 1 })).toBe(expected);
  });
  test.each([
    [1, false],
    [2, false],
    [3, true],
    [4, false],
    [6, true],
  ])("every 3 (offset 0): order #%i → %s", (n, expected) => {
    expect(applies({ orderNumber: { every: 3 } }, {}, { orders: n - 1 })).toBe(expected);
  });
});

describe("when.minSubtotal / minQty: the target lines' original amounts and units", () => {
  const lines = [line({ price: 60000, sku: "beans", categories: ["coffee"] }), line({ price: 60000, categories: ["tea"] })];
  const coffee = { categories: ["coffee"] };

  test("other lines do not count towards minSubtotal", () => {
    const ev = evaluate({ target: coffee, when: { minSubtotal: 100000 } }, { lines });
    expect(appliedIds(ev)).not.toContain("c1");
    expect(ev.discount).toBe(0);
  });
  test("target lines reaching minSubtotal exactly", () => {
    const ev = evaluate({ target: coffee, when: { minSubtotal: 60000 } }, { lines });
    expect(lineDiscounts(ev)).toEqual([6000, 0]);
  });
  test("an earlier discount does not take a line below minSubtotal (original amounts count)", () => {
    const half = campaign({ id: "half", priority: 10, effect: { discountBps: 5000 } });
    const c1 = campaign({ target: coffee, when: { minSubtotal: 60000 } });
    const ev = quote(program({ campaigns: [half, c1] }), receipt({ lines }));
    // half: 30000 + 30000; c1 on coffee: 10% of the remaining 30000 (basis discounted).
    expect(discountBy(ev, "1", "c1")).toBe(3000);
    expect(ev.discount).toBe(63000);
  });
  test("minQty counts target units only", () => {
    const qtyLines = [line({ price: 10000, qty: 2, categories: ["coffee"] }), line({ price: 10000, qty: 5, categories: ["tea"] })];
    expect(appliedIds(evaluate({ target: coffee, when: { minQty: 3 } }, { lines: qtyLines }))).not.toContain("c1");
    const three = [line({ price: 10000, qty: 3, categories: ["coffee"] }), line({ price: 10000, qty: 5, categories: ["tea"] })];
    expect(lineDiscounts(evaluate({ target: coffee, when: { minQty: 3 } }, { lines: three }))).toEqual([3000, 0]);
  });
  test("minQty across several target lines", () => {
    const qtyLines = [line({ price: 10000, qty: 2 }), line({ price: 5000, qty: 1 })];
    expect(lineDiscounts(evaluate({ when: { minQty: 3 } }, { lines: qtyLines }))).toEqual([2000, 500]);
    expect(appliedIds(evaluate({ when: { minQty: 4 } }, { lines: qtyLines }))).toEqual([]);
  });
  test("lines claimed by a higher-priority exclusive campaign are not target lines", () => {
    const excl = campaign({ id: "excl", priority: 10, stacking: "exclusive", target: { skus: ["beans"] }, effect: { discountBps: 500 } });
    const c1 = campaign({ when: { minSubtotal: 100000 } });
    const ev = quote(program({ campaigns: [excl, c1] }), receipt({ lines }));
    // Only the tea line (60000) is left as c1's target: below 100000.
    expect(appliedIds(ev)).toEqual(["excl"]);
    expect(lineDiscounts(ev)).toEqual([3000, 0]);
  });
});

describe("when.codes: case-insensitive", () => {
  const codes = ["SPRING10"];
  test("exact, lower and mixed case match", () => {
    expect(applies({ codes }, { codes: ["SPRING10"] })).toBe(true);
    expect(applies({ codes }, { codes: ["spring10"] })).toBe(true);
    expect(applies({ codes }, { codes: ["Spring10"] })).toBe(true);
  });
  test("one of several codes on either side is enough", () => {
    expect(applies({ codes: ["AUTUMN", "SPRING10"] }, { codes: ["other", "spring10"] })).toBe(true);
  });
  test("wrong or missing code", () => {
    expect(applies({ codes }, { codes: ["SPRING11"] })).toBe(false);
    expect(applies({ codes }, { codes: [] })).toBe(false);
    expect(applies({ codes }, {})).toBe(false);
  });
  test("Cyrillic codes compare case-insensitively too", () => {
    expect(applies({ codes: ["ВЕСНА"] }, { codes: ["весна"] })).toBe(true);
    expect(applies({ codes: ["весна"] }, { codes: ["ВеСнА"] })).toBe(true);
  });
});

describe("when.birthday: window around the birthday in the program timezone", () => {
  const window = { daysBefore: 3, daysAfter: 7 };
  test.each([
    ["2026-12-26T12:00:00+03:00", false],
    ["2026-12-27T12:00:00+03:00", true],
    ["2026-12-30T12:00:00+03:00", true],
    ["2027-01-02T12:00:00+03:00", true], // across the new year
    ["2027-01-06T23:59:59+03:00", true],
    ["2027-01-07T00:00:00+03:00", false],
  ])("birthday 30 Dec, daysBefore 3, daysAfter 7, at %s → %s", (at, expected) => {
    expect(applies({ birthday: window }, { at }, { birthday: "1990-12-30" })).toBe(expected);
  });
  test.each([
    ["2026-12-29T12:00:00+03:00", false],
    ["2026-12-30T00:00:00+03:00", true],
    ["2027-01-02T12:00:00+03:00", true],
  ])("birthday 2 Jan, daysBefore 3 reaches back into December: at %s → %s", (at, expected) => {
    expect(applies({ birthday: window }, { at }, { birthday: "1985-01-02" })).toBe(expected);
  });
  test("the local date decides, not the UTC date", () => {
    // 21:30 UTC on 26 Dec = 00:30 on 27 Dec in Moscow.
    expect(applies({ birthday: window }, { at: "2026-12-26T21:30:00Z" }, { birthday: "1990-12-30" })).toBe(true);
    expect(applies({ birthday: window }, { at: "2026-12-26T20:30:00Z" }, { birthday: "1990-12-30" })).toBe(false);
  });
  test("29 February is celebrated on 28 February in other years", () => {
    const exact = { daysBefore: 0, daysAfter: 0 };
    const leapling = { birthday: "2000-02-29" };
    expect(applies({ birthday: exact }, { at: "2026-02-28T12:00:00+03:00" }, leapling)).toBe(true);
    expect(applies({ birthday: exact }, { at: "2026-03-01T12:00:00+03:00" }, leapling)).toBe(false);
    expect(applies({ birthday: exact }, { at: "2028-02-29T12:00:00+03:00" }, leapling)).toBe(true);
    expect(applies({ birthday: exact }, { at: "2028-02-28T12:00:00+03:00" }, leapling)).toBe(false);
  });
  test("no birthday known, or anonymous: does not apply", () => {
    expect(applies({ birthday: window }, { at: "2026-12-30T12:00:00+03:00" }, {})).toBe(false);
    expect(applies({ birthday: window }, { at: "2026-12-30T12:00:00+03:00" }, { birthday: null })).toBe(false);
    expect(applies({ birthday: window }, { at: "2026-12-30T12:00:00+03:00" })).toBe(false);
  });
});

describe("when.boughtTargetBefore: per line", () => {
  const lines = [
    line({ price: 100000, sku: "beans", categories: ["coffee"] }),
    line({ price: 100000, sku: "sencha", categories: ["tea"] }),
  ];
  const c = { when: { boughtTargetBefore: true } };

  test("a category bought before: only that line", () => {
    const ev = evaluate(c, { lines }, { boughtCategories: ["coffee"] });
    expect(lineDiscounts(ev)).toEqual([10000, 0]);
  });
  test("a sku bought before: only that line", () => {
    const ev = evaluate(c, { lines }, { boughtSkus: ["sencha"] });
    expect(lineDiscounts(ev)).toEqual([0, 10000]);
  });
  test("both", () => {
    const ev = evaluate(c, { lines }, { boughtSkus: ["beans"], boughtCategories: ["tea"] });
    expect(lineDiscounts(ev)).toEqual([10000, 10000]);
  });
  test("nothing bought before: the campaign does not apply", () => {
    const ev = evaluate(c, { lines }, { boughtSkus: ["other"], boughtCategories: ["cakes"] });
    expect(appliedIds(ev)).toEqual([]);
    expect(ev.discount).toBe(0);
    expect(appliedIds(evaluate(c, { lines }))).toEqual([]);
  });
});

describe("audience", () => {
  const tiers = [tier({ id: "bronze", from: 0 }), tier({ id: "silver", from: 10000000 }), tier({ id: "gold", from: 20000000 })];
  const p: ProgramOptions = { tiers };
  function forAudience(audience: Campaign["audience"], customer?: CustomerSnapshot): boolean {
    const ev = evaluate({ audience }, {}, customer, undefined, p);
    return appliedIds(ev).includes("c1");
  }

  test("tiers: the customer's current tier must be listed", () => {
    expect(forAudience({ tiers: ["silver", "gold"] }, { spend: 10000000 })).toBe(true);
    expect(forAudience({ tiers: ["silver", "gold"] }, { spend: 25000000 })).toBe(true);
    expect(forAudience({ tiers: ["silver", "gold"] }, { spend: 9999999 })).toBe(false);
    expect(forAudience({ tiers: ["silver"] }, { spend: 20000000 })).toBe(false);
  });
  test("members: true → members only", () => {
    expect(forAudience({ members: true }, { member: true })).toBe(true);
    expect(forAudience({ members: true }, { member: false })).toBe(false);
    expect(forAudience({ members: true })).toBe(false);
  });
  test("members: false → non-members only", () => {
    expect(forAudience({ members: false }, { member: false })).toBe(true);
    expect(forAudience({ members: false }, { member: true })).toBe(false);
  });
  test("no audience → everyone", () => {
    expect(forAudience(undefined, { member: true })).toBe(true);
    expect(forAudience(undefined, { member: false })).toBe(true);
    expect(forAudience(undefined)).toBe(true);
  });
});

describe("limits", () => {
  test("perCustomer: applies only while campaignUses < perCustomer", () => {
    const c = { limits: { perCustomer: 2 } };
    expect(appliedIds(evaluate(c, {}, { campaignUses: { c1: 1 } }))).toEqual(["c1"]);
    expect(appliedIds(evaluate(c, {}, { campaignUses: { c1: 2 } }))).toEqual([]);
    expect(appliedIds(evaluate(c, {}, { campaignUses: { other: 5 } }))).toEqual(["c1"]);
    expect(appliedIds(evaluate(c, {}, {}))).toEqual(["c1"]);
  });
  test("totalUses: none left → does not apply; counters absent → full limit", () => {
    const c = { limits: { totalUses: 1000 } };
    expect(appliedIds(evaluate(c, {}, {}, { c1: { usesLeft: 0 } }))).toEqual([]);
    expect(evaluate(c, {}, {}, { c1: { usesLeft: 0 } }).discount).toBe(0);
    expect(appliedIds(evaluate(c, {}, {}, { c1: { usesLeft: 1 } }))).toEqual(["c1"]);
    expect(appliedIds(evaluate(c, {}, {}))).toEqual(["c1"]);
  });
  test("budget: the discount is capped at budgetLeft, allocated by largest remainder", () => {
    const c = { limits: { budget: 5000000 } };
    const lines = [line({ price: 20000 }), line({ price: 10000 })];
    // Uncapped 2000 + 1000 = 3000; capped to 2500: 1666.67 / 833.33 → 1667 / 833.
    const capped = evaluate(c, { lines }, {}, { c1: { budgetLeft: 2500 } });
    expect(capped.discount).toBe(2500);
    expect(lineDiscounts(capped)).toEqual([1667, 833]);
    expect(capped.campaigns).toEqual([{ id: "c1", discount: 2500, points: 0 }]);

    const enough = evaluate(c, { lines }, {}, { c1: { budgetLeft: 3000 } });
    expect(lineDiscounts(enough)).toEqual([2000, 1000]);
    const absent = evaluate(c, { lines });
    expect(lineDiscounts(absent)).toEqual([2000, 1000]);
  });
  test("budget caps a fixed amount too", () => {
    const c = { effect: { discountAmount: 10000 }, limits: { budget: 5000000 } };
    const lines = [line({ price: 30000 }), line({ price: 10000 })];
    const ev = evaluate(c, { lines }, {}, { c1: { budgetLeft: 3000 } });
    expect(lineDiscounts(ev)).toEqual([2250, 750]);
  });
});

describe("every condition must hold", () => {
  test("right day, wrong hour", () => {
    expect(applies({ weekdays: [1], hours: { from: "10:00", to: "12:00" } }, { at: "2026-11-23T13:00:00+03:00" })).toBe(false);
    expect(applies({ weekdays: [1], hours: { from: "10:00", to: "12:00" } }, { at: "2026-11-23T11:00:00+03:00" })).toBe(true);
  });
  test("code present, first order required but not first", () => {
    expect(applies({ codes: ["HELLO"], orderNumber: { eq: 1 } }, { codes: ["hello"] }, { orders: 2 })).toBe(false);
    expect(applies({ codes: ["HELLO"], orderNumber: { eq: 1 } }, { codes: ["hello"] }, { orders: 0 })).toBe(true);
  });
});
