import { describe, it, expect } from "vitest";
import { z } from "zod";
import {
  apiReceiptSchema,
  customerSchema,
  formatPath,
  programSchema,
  receiptSchema,
  validateCustomer,
  validateProgram,
  validateReceipt,
} from "./validate.ts";
import type { Problem } from "./types.ts";

// Inputs are plain JSON as a shop sends it, so tests build and break them as untyped data.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test inputs are deliberately malformed JSON, so they stay untyped

/** The program example of docs/program.md, with the campaign example reduced to one discount kind (the
 *  example lists every alternative, which validation rightly refuses — see "effect" below). */
function exampleProgram(): Json {
  return {
    currency: "RUB",
    timezone: "Europe/Moscow",
    status: "active",
    points: { value: 100, expiryDays: 365, pendingDays: 0 },
    earn: { rateBps: 1000, step: null, onPointsPaid: false, excludeTags: ["no-earn"] },
    redeem: { maxShareBps: 3000, minOrder: 50000, excludeTags: ["promo"], minPoints: 1 },
    tiers: {
      basis: "spend",
      windowDays: null,
      levels: [
        { id: "bronze", name: "Бронза", from: 0, rateBps: 500 },
        { id: "silver", name: "Серебро", from: 10000000, rateBps: 1000, discountBps: 500 },
        { id: "gold", name: "Золото", from: 20000000, rateBps: 2000, discountBps: 1000, freeShipping: true },
      ],
    },
    bonuses: {
      welcome: { points: 500, verify: null },
      referral: { referrer: 300, referee: 200, on: "first_order" },
      review: 50,
      rating: 10,
      survey: 100,
      birthday: { points: 500, daysBefore: 3, daysAfter: 7 },
    },
    campaigns: [
      {
        id: "happy-hours",
        name: "Счастливые часы",
        priority: 10,
        stacking: "stack",
        basis: "discounted",
        audience: { tiers: ["gold"], members: true },
        when: {
          from: "2026-11-20T00:00:00+03:00",
          to: "2026-11-30T00:00:00+03:00",
          weekdays: [1, 2, 3, 4, 5],
          hours: { from: "10:00", to: "12:00" },
          orderNumber: { eq: 1 },
          minSubtotal: 500000,
          minQty: 3,
          codes: ["SPRING10"],
          birthday: { daysBefore: 3, daysAfter: 7 },
          boughtTargetBefore: true,
        },
        target: { skus: [], categories: ["coffee"], tags: [], excludeTags: [] },
        effect: { discountBps: 2000, pointsMultiplierBps: 20000, bonusPoints: 100, freeShipping: true },
        limits: { totalUses: 1000, perCustomer: 1, budget: 5000000 },
      },
      {
        id: "phone-case-bundle",
        effect: {
          bundle: { items: [{ skus: ["phone"], qty: 1 }, { categories: ["cases"], qty: 1 }], discountBps: 1000 },
        },
      },
    ],
    rewards: [
      {
        id: "coupon-20",
        name: "Купон −20% на товар",
        cost: 500,
        coupon: { discountBps: 2000, target: "item", validDays: 30 },
      },
    ],
  };
}

function minimalProgram(): Json {
  return { currency: "RUB", timezone: "Europe/Moscow", points: { value: 100 }, earn: { rateBps: 1000 }, redeem: { maxShareBps: 3000 } };
}

function exampleReceipt(): Json {
  return {
    customerId: "c-42",
    at: "2026-11-23T10:15:00+03:00",
    lines: [{ id: "1", sku: "A-1", categories: ["coffee"], tags: ["promo"], price: 50000, qty: 2 }],
    shipping: 30000,
    codes: ["SPRING10"],
    redeemPoints: 200,
  };
}

function problems(result: { ok: true } | { ok: false; problems: Problem[] }): Problem[] {
  return result.ok ? [] : result.problems;
}

const paths = (result: { ok: true } | { ok: false; problems: Problem[] }) => problems(result).map((p) => p.path);

/** The example program changed by `change`, validated. */
function programWith(change: (program: Json) => void) {
  const program = exampleProgram();
  change(program);
  return validateProgram(program);
}

function receiptWith(change: (receipt: Json) => void) {
  const receipt = exampleReceipt();
  change(receipt);
  return validateReceipt(receipt);
}

const long = (n: number) => "x".repeat(n);
const campaign = (p: Json) => p.campaigns[0];

describe("validateProgram", () => {
  it("accepts the docs/program.md example", () => {
    const result = validateProgram(exampleProgram());
    expect(problems(result)).toEqual([]);
    expect(result.ok && result.program.campaigns?.[0]?.when?.hours).toEqual({ from: "10:00", to: "12:00" });
  });

  it("fills in the documented defaults", () => {
    const result = validateProgram({
      ...minimalProgram(),
      tiers: { levels: [{ id: "base", name: "Base", from: 0 }] },
      bonuses: { welcome: { points: 100 } },
      campaigns: [{ id: "c", effect: { discountBps: 500 }, when: { orderNumber: { every: 3 } } }],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.program).toEqual({
      currency: "RUB",
      timezone: "Europe/Moscow",
      status: "active",
      points: { value: 100, expiryDays: null, pendingDays: 0 },
      earn: { rateBps: 1000, step: null, onPointsPaid: false, excludeTags: [] },
      redeem: { maxShareBps: 3000, minOrder: 0, excludeTags: [], minPoints: 1 },
      tiers: { basis: "spend", windowDays: null, levels: [{ id: "base", name: "Base", from: 0 }] },
      bonuses: { welcome: { points: 100, verify: null }, referral: null, review: 0, rating: 0, survey: 0, birthday: null },
      campaigns: [
        {
          id: "c",
          priority: 0,
          stacking: "stack",
          basis: "discounted",
          when: { orderNumber: { every: 3, offset: 0 } },
          effect: { discountBps: 500 },
        },
      ],
      rewards: [],
    });
  });

  it("gives absent tiers and bonuses their empty defaults", () => {
    const result = validateProgram(minimalProgram());
    expect(result.ok && [result.program.tiers, result.program.bonuses?.review, result.program.campaigns]).toEqual([null, 0, []]);
  });

  it("does not share default arrays between results", () => {
    const a = validateProgram(minimalProgram());
    const b = validateProgram(minimalProgram());
    expect(a.ok && b.ok && a.program.campaigns !== b.program.campaigns).toBe(true);
  });

  it("refuses what is not an object, at the root path", () => {
    expect(problems(validateProgram("{}"))).toEqual([{ path: "", message: "must be an object" }]);
    expect(paths(validateProgram(null))).toEqual([""]);
    expect(paths(validateProgram([]))).toEqual([""]);
  });

  it("names every missing required field", () => {
    expect(problems(validateProgram({}))).toEqual(
      ["currency", "timezone", "points", "earn", "redeem"].map((path) => ({ path, message: "is required" })),
    );
  });

  it("says what a shop owner needs to fix", () => {
    expect(problems(programWith((p) => (campaign(p).effect.discountBps = 12000)))).toEqual([
      { path: "campaigns[0].effect.discountBps", message: "must be an integer between 1 and 10000" },
    ]);
    expect(problems(programWith((p) => (p.redeem.minOrder = -1)))).toEqual([
      { path: "redeem.minOrder", message: "must be an integer between 0 and 10^13" },
    ]);
    expect(problems(programWith((p) => (p.currency = "rub")))).toEqual([
      { path: "currency", message: 'must be 3 capital letters (ISO 4217), like "RUB"' },
    ]);
  });

  // Each rule: a change to the valid example and the one path that must be reported (and nothing else).
  const rules: [string, (p: Json) => void, string][] = [
    ["currency lower-case", (p) => (p.currency = "rub"), "currency"],
    ["currency of 4 letters", (p) => (p.currency = "RUBL"), "currency"],
    ["currency not a string", (p) => (p.currency = 643), "currency"],
    ["timezone unknown", (p) => (p.timezone = "Mars/Olympus"), "timezone"],
    ["timezone as an offset", (p) => (p.timezone = "+03:00"), "timezone"],
    ["timezone empty", (p) => (p.timezone = ""), "timezone"],
    ["status unknown", (p) => (p.status = "stopped"), "status"],
    ["points.value 0", (p) => (p.points.value = 0), "points.value"],
    ["points.value above 10^6", (p) => (p.points.value = 1_000_001), "points.value"],
    ["points.value a float", (p) => (p.points.value = 100.5), "points.value"],
    ["points.value a string", (p) => (p.points.value = "100"), "points.value"],
    ["points.value NaN", (p) => (p.points.value = NaN), "points.value"],
    ["points.value Infinity", (p) => (p.points.value = Infinity), "points.value"],
    ["points.expiryDays 0", (p) => (p.points.expiryDays = 0), "points.expiryDays"],
    ["points.expiryDays above 36500", (p) => (p.points.expiryDays = 36501), "points.expiryDays"],
    ["points.remindDays 0", (p) => (p.points.remindDays = [30, 0]), "points.remindDays[1]"],
    ["points.remindDays above 365", (p) => (p.points.remindDays = [366]), "points.remindDays[0]"],
    ["points.remindDays a float", (p) => (p.points.remindDays = [7.5]), "points.remindDays[0]"],
    ["points.remindDays four of them", (p) => (p.points.remindDays = [30, 14, 7, 1]), "points.remindDays"],
    ["points.remindDays twice the same", (p) => (p.points.remindDays = [7, 30, 7]), "points.remindDays[2]"],
    ["points.remindDays not a list", (p) => (p.points.remindDays = 7), "points.remindDays"],
    ["bonuses.birthday.auto not a boolean", (p) => (p.bonuses.birthday.auto = "yes"), "bonuses.birthday.auto"],
    ["points.pendingDays negative", (p) => (p.points.pendingDays = -1), "points.pendingDays"],
    ["points.pendingDays above 3650", (p) => (p.points.pendingDays = 3651), "points.pendingDays"],
    ["earn.rateBps above 10000", (p) => (p.earn.rateBps = 10001), "earn.rateBps"],
    ["earn.rateBps negative", (p) => (p.earn.rateBps = -1), "earn.rateBps"],
    ["earn.rateBps a float", (p) => (p.earn.rateBps = 10.5), "earn.rateBps"],
    ["earn.step.every 0", (p) => (p.earn.step = { every: 0, points: 100 }), "earn.step.every"],
    ["earn.step.every above 10^13", (p) => (p.earn.step = { every: 1e13 + 1, points: 100 }), "earn.step.every"],
    ["earn.step.points 0", (p) => (p.earn.step = { every: 100000, points: 0 }), "earn.step.points"],
    ["earn.step.points above 10^9", (p) => (p.earn.step = { every: 100000, points: 1e9 + 1 }), "earn.step.points"],
    ["earn.step not an object", (p) => (p.earn.step = 100), "earn.step"],
    ["earn.onPointsPaid not a boolean", (p) => (p.earn.onPointsPaid = "yes"), "earn.onPointsPaid"],
    ["earn.excludeTags empty tag", (p) => (p.earn.excludeTags = ["ok", ""]), "earn.excludeTags[1]"],
    ["earn.excludeTags 201 characters", (p) => (p.earn.excludeTags = [long(201)]), "earn.excludeTags[0]"],
    ["earn.excludeTags not a list", (p) => (p.earn.excludeTags = "no-earn"), "earn.excludeTags"],
    ["redeem.maxShareBps above 10000", (p) => (p.redeem.maxShareBps = 10001), "redeem.maxShareBps"],
    ["redeem.minOrder negative", (p) => (p.redeem.minOrder = -1), "redeem.minOrder"],
    ["redeem.minOrder above 10^13", (p) => (p.redeem.minOrder = 1e13 + 1), "redeem.minOrder"],
    ["redeem.minPoints 0", (p) => (p.redeem.minPoints = 0), "redeem.minPoints"],
    ["redeem.minPoints above 10^9", (p) => (p.redeem.minPoints = 1e9 + 1), "redeem.minPoints"],
    ["tiers.basis unknown", (p) => (p.tiers.basis = "orders"), "tiers.basis"],
    ["tiers.windowDays 0", (p) => (p.tiers.windowDays = 0), "tiers.windowDays"],
    ["tiers.levels empty", (p) => ((p.tiers.levels = []), (p.campaigns[0].audience = undefined)), "tiers.levels"],
    ["tiers.levels duplicate id", (p) => (p.tiers.levels[1].id = "bronze"), "tiers.levels[1].id"],
    ["tiers.levels same from", (p) => (p.tiers.levels[2].from = 10000000), "tiers.levels[2].from"],
    ["tiers.levels descending from", (p) => (p.tiers.levels[1].from = 30000000), "tiers.levels[2].from"],
    ["tiers.levels from above 10^15", (p) => (p.tiers.levels[2].from = 1e15 + 1), "tiers.levels[2].from"],
    ["tiers.levels from negative", (p) => (p.tiers.levels[0].from = -1), "tiers.levels[0].from"],
    ["tiers.levels rateBps above 10000", (p) => (p.tiers.levels[0].rateBps = 10001), "tiers.levels[0].rateBps"],
    ["tiers.levels discountBps negative", (p) => (p.tiers.levels[1].discountBps = -1), "tiers.levels[1].discountBps"],
    ["tiers.levels name too long", (p) => (p.tiers.levels[0].name = long(201)), "tiers.levels[0].name"],
    ["tiers.levels freeShipping not a boolean", (p) => (p.tiers.levels[2].freeShipping = 1), "tiers.levels[2].freeShipping"],
    ["tiers.levels id with a colon", (p) => ((p.tiers.levels[0].id = "a:b")), "tiers.levels[0].id"],
    ["bonuses.welcome.verify unknown", (p) => (p.bonuses.welcome.verify = "sms"), "bonuses.welcome.verify"],
    ["bonuses.welcome.points negative", (p) => (p.bonuses.welcome.points = -1), "bonuses.welcome.points"],
    ["bonuses.referral.on unknown", (p) => (p.bonuses.referral.on = "purchase"), "bonuses.referral.on"],
    ["bonuses.referral.referee a float", (p) => (p.bonuses.referral.referee = 0.5), "bonuses.referral.referee"],
    ["bonuses.review above 10^9", (p) => (p.bonuses.review = 1e9 + 1), "bonuses.review"],
    ["bonuses.survey a string", (p) => (p.bonuses.survey = "100"), "bonuses.survey"],
    ["bonuses.birthday.daysBefore 32", (p) => (p.bonuses.birthday.daysBefore = 32), "bonuses.birthday.daysBefore"],
    ["bonuses.birthday.daysAfter negative", (p) => (p.bonuses.birthday.daysAfter = -1), "bonuses.birthday.daysAfter"],
    ["campaign id with a space", (p) => (campaign(p).id = "happy hours"), "campaigns[0].id"],
    ["campaign id reserved for tiers", (p) => (campaign(p).id = "tier:gold"), "campaigns[0].id"],
    ["campaign id of 65 characters", (p) => (campaign(p).id = long(65)), "campaigns[0].id"],
    ["campaign id empty", (p) => (campaign(p).id = ""), "campaigns[0].id"],
    ["campaign id an Object member", (p) => (campaign(p).id = "constructor"), "campaigns[0].id"],
    ["campaign id missing", (p) => delete campaign(p).id, "campaigns[0].id"],
    ["campaign id duplicated", (p) => (p.campaigns[1].id = "happy-hours"), "campaigns[1].id"],
    ["campaign name too long", (p) => (campaign(p).name = long(201)), "campaigns[0].name"],
    ["priority above 10^6", (p) => (campaign(p).priority = 1_000_001), "campaigns[0].priority"],
    ["priority below -10^6", (p) => (campaign(p).priority = -1_000_001), "campaigns[0].priority"],
    ["priority a float", (p) => (campaign(p).priority = 1.5), "campaigns[0].priority"],
    ["stacking unknown", (p) => (campaign(p).stacking = "both"), "campaigns[0].stacking"],
    ["basis unknown", (p) => (campaign(p).basis = "net"), "campaigns[0].basis"],
    ["audience.tiers unknown tier", (p) => (campaign(p).audience.tiers = ["gold", "platinum"]), "campaigns[0].audience.tiers[1]"],
    ["audience.tiers without program tiers", (p) => (p.tiers = null), "campaigns[0].audience.tiers[0]"],
    ["audience.tiers empty", (p) => (campaign(p).audience.tiers = []), "campaigns[0].audience.tiers"],
    ["audience.members not a boolean", (p) => (campaign(p).audience.members = "yes"), "campaigns[0].audience.members"],
    ["when.from without a time", (p) => (campaign(p).when.from = "2026-11-20"), "campaigns[0].when.from"],
    ["when.from without an offset", (p) => (campaign(p).when.from = "2026-11-20T00:00:00"), "campaigns[0].when.from"],
    ["when.from without seconds", (p) => (campaign(p).when.from = "2026-11-20T00:00+03:00"), "campaigns[0].when.from"],
    ["when.from on 30 February", (p) => (campaign(p).when.from = "2026-02-30T00:00:00Z"), "campaigns[0].when.from"],
    ["when.to at hour 24", (p) => (campaign(p).when.to = "2026-11-30T24:00:00Z"), "campaigns[0].when.to"],
    ["when.to equal to from", (p) => (campaign(p).when.to = "2026-11-19T21:00:00Z"), "campaigns[0].when.to"],
    ["when.to before from", (p) => (campaign(p).when.to = "2026-11-19T00:00:00+03:00"), "campaigns[0].when.to"],
    ["when.weekdays 0", (p) => (campaign(p).when.weekdays = [0, 1]), "campaigns[0].when.weekdays[0]"],
    ["when.weekdays 8", (p) => (campaign(p).when.weekdays = [1, 8]), "campaigns[0].when.weekdays[1]"],
    ["when.weekdays repeated", (p) => (campaign(p).when.weekdays = [1, 2, 1]), "campaigns[0].when.weekdays[2]"],
    ["when.weekdays empty", (p) => (campaign(p).when.weekdays = []), "campaigns[0].when.weekdays"],
    ["when.weekdays a float", (p) => (campaign(p).when.weekdays = [1.5]), "campaigns[0].when.weekdays[0]"],
    ["when.hours.from 24:00", (p) => (campaign(p).when.hours.from = "24:00"), "campaigns[0].when.hours.from"],
    ["when.hours.from one digit", (p) => (campaign(p).when.hours.from = "9:00"), "campaigns[0].when.hours.from"],
    ["when.hours.to minute 60", (p) => (campaign(p).when.hours.to = "12:60"), "campaigns[0].when.hours.to"],
    ["when.hours from = to", (p) => (campaign(p).when.hours = { from: "10:00", to: "10:00" }), "campaigns[0].when.hours.to"],
    ["when.hours.to missing", (p) => (campaign(p).when.hours = { from: "10:00" }), "campaigns[0].when.hours.to"],
    ["when.orderNumber.eq 0", (p) => (campaign(p).when.orderNumber = { eq: 0 }), "campaigns[0].when.orderNumber.eq"],
    ["when.orderNumber.every 0", (p) => (campaign(p).when.orderNumber = { every: 0 }), "campaigns[0].when.orderNumber.every"],
    ["when.orderNumber.offset negative", (p) => (campaign(p).when.orderNumber = { every: 3, offset: -1 }), "campaigns[0].when.orderNumber.offset"],
    ["when.orderNumber eq and every", (p) => (campaign(p).when.orderNumber = { eq: 1, every: 3 }), "campaigns[0].when.orderNumber"],
    ["when.orderNumber empty", (p) => (campaign(p).when.orderNumber = {}), "campaigns[0].when.orderNumber"],
    ["when.orderNumber a number", (p) => (campaign(p).when.orderNumber = 1), "campaigns[0].when.orderNumber"],
    ["when.minSubtotal negative", (p) => (campaign(p).when.minSubtotal = -1), "campaigns[0].when.minSubtotal"],
    ["when.minSubtotal above 10^13", (p) => (campaign(p).when.minSubtotal = 1e13 + 1), "campaigns[0].when.minSubtotal"],
    ["when.minQty 0", (p) => (campaign(p).when.minQty = 0), "campaigns[0].when.minQty"],
    ["when.minQty above 10^9", (p) => (campaign(p).when.minQty = 1e9 + 1), "campaigns[0].when.minQty"],
    ["when.codes empty list", (p) => (campaign(p).when.codes = []), "campaigns[0].when.codes"],
    ["when.codes empty code", (p) => (campaign(p).when.codes = ["A", ""]), "campaigns[0].when.codes[1]"],
    ["when.codes 65 characters", (p) => (campaign(p).when.codes = [long(65)]), "campaigns[0].when.codes[0]"],
    ["when.birthday.daysBefore 32", (p) => (campaign(p).when.birthday.daysBefore = 32), "campaigns[0].when.birthday.daysBefore"],
    ["when.birthday.daysAfter missing", (p) => delete campaign(p).when.birthday.daysAfter, "campaigns[0].when.birthday.daysAfter"],
    ["when.boughtTargetBefore not a boolean", (p) => (campaign(p).when.boughtTargetBefore = "yes"), "campaigns[0].when.boughtTargetBefore"],
    ["target.skus not a list", (p) => (campaign(p).target.skus = "coffee"), "campaigns[0].target.skus"],
    ["target.categories a number", (p) => (campaign(p).target.categories = [1]), "campaigns[0].target.categories[0]"],
    ["effect.discountBps 0", (p) => (campaign(p).effect.discountBps = 0), "campaigns[0].effect.discountBps"],
    ["effect.discountBps above 10000", (p) => (campaign(p).effect.discountBps = 10001), "campaigns[0].effect.discountBps"],
    ["effect.discountAmount 0", (p) => (campaign(p).effect = { discountAmount: 0 }), "campaigns[0].effect.discountAmount"],
    ["effect.discountAmount above 10^13", (p) => (campaign(p).effect = { discountAmount: 1e13 + 1 }), "campaigns[0].effect.discountAmount"],
    ["effect.cheapestFree 1", (p) => (campaign(p).effect = { cheapestFree: 1 }), "campaigns[0].effect.cheapestFree"],
    ["effect.cheapestFree above 10^6", (p) => (campaign(p).effect = { cheapestFree: 1e6 + 1 }), "campaigns[0].effect.cheapestFree"],
    ["effect.bundle.items empty", (p) => (p.campaigns[1].effect.bundle.items = []), "campaigns[1].effect.bundle.items"],
    ["effect.bundle.items 11", (p) => (p.campaigns[1].effect.bundle.items = Array(11).fill({ skus: ["a"], qty: 1 })), "campaigns[1].effect.bundle.items"],
    ["effect.bundle item qty 0", (p) => (p.campaigns[1].effect.bundle.items[1].qty = 0), "campaigns[1].effect.bundle.items[1].qty"],
    ["effect.bundle item qty above 10^6", (p) => (p.campaigns[1].effect.bundle.items[1].qty = 1e6 + 1), "campaigns[1].effect.bundle.items[1].qty"],
    ["effect.bundle item without lists", (p) => (p.campaigns[1].effect.bundle.items[0] = { qty: 1 }), "campaigns[1].effect.bundle.items[0]"],
    ["effect.bundle item with empty lists", (p) => (p.campaigns[1].effect.bundle.items[0] = { skus: [], tags: [], qty: 1 }), "campaigns[1].effect.bundle.items[0]"],
    ["effect.bundle.discountBps 0", (p) => (p.campaigns[1].effect.bundle.discountBps = 0), "campaigns[1].effect.bundle.discountBps"],
    ["effect with two discounts", (p) => (campaign(p).effect.discountAmount = 10000), "campaigns[0].effect"],
    ["effect empty", (p) => (campaign(p).effect = {}), "campaigns[0].effect"],
    ["effect only freeShipping: false", (p) => (campaign(p).effect = { freeShipping: false, bonusPoints: 0 }), "campaigns[0].effect"],
    ["effect missing", (p) => delete campaign(p).effect, "campaigns[0].effect"],
    ["effect.pointsMultiplierBps above 100000", (p) => (campaign(p).effect.pointsMultiplierBps = 100001), "campaigns[0].effect.pointsMultiplierBps"],
    ["effect.bonusPoints negative", (p) => (campaign(p).effect.bonusPoints = -1), "campaigns[0].effect.bonusPoints"],
    ["effect.bonusPoints above 10^9", (p) => (campaign(p).effect.bonusPoints = 1e9 + 1), "campaigns[0].effect.bonusPoints"],
    ["effect.freeShipping not a boolean", (p) => (campaign(p).effect.freeShipping = "yes"), "campaigns[0].effect.freeShipping"],
    ["limits.totalUses 0", (p) => (campaign(p).limits.totalUses = 0), "campaigns[0].limits.totalUses"],
    ["limits.perCustomer 0", (p) => (campaign(p).limits.perCustomer = 0), "campaigns[0].limits.perCustomer"],
    ["limits.budget 0", (p) => (campaign(p).limits.budget = 0), "campaigns[0].limits.budget"],
    ["limits.budget above 10^15", (p) => (campaign(p).limits.budget = 1e15 + 1), "campaigns[0].limits.budget"],
    [
      "1001 campaigns",
      (p) => (p.campaigns = Array.from({ length: 1001 }, (_, i) => ({ id: `c${i}`, effect: { discountBps: 100 } }))),
      "campaigns",
    ],
    ["rewards duplicate id", (p) => p.rewards.push({ ...p.rewards[0] }), "rewards[1].id"],
    ["reward cost 0", (p) => (p.rewards[0].cost = 0), "rewards[0].cost"],
    ["reward name too long", (p) => (p.rewards[0].name = long(201)), "rewards[0].name"],
    ["reward coupon.discountBps 0", (p) => (p.rewards[0].coupon.discountBps = 0), "rewards[0].coupon.discountBps"],
    ["reward coupon.target unknown", (p) => (p.rewards[0].coupon.target = "cart"), "rewards[0].coupon.target"],
    ["reward coupon.validDays 0", (p) => (p.rewards[0].coupon.validDays = 0), "rewards[0].coupon.validDays"],
    ["reward coupon.validDays above 3650", (p) => (p.rewards[0].coupon.validDays = 3651), "rewards[0].coupon.validDays"],
    ["unknown top-level field", (p) => (p.campaings = []), "campaings"],
    ["unknown campaign field", (p) => (campaign(p).effects = {}), "campaigns[0].effects"],
    ["unknown effect field", (p) => (campaign(p).effect.discountBPS = 100), "campaigns[0].effect.discountBPS"],
    ["unknown when field", (p) => (campaign(p).when.hour = 10), "campaigns[0].when.hour"],
    ["unknown tier field", (p) => (p.tiers.levels[0].discount = 5), "tiers.levels[0].discount"],
    ["unknown field with an odd name", (p) => (p.points["expiry days"] = 5), 'points["expiry days"]'],
  ];

  it.each(rules)("reports %s at its path", (_, change, path) => {
    expect(paths(programWith(change))).toEqual([path]);
  });

  it("accepts the boundaries of every range", () => {
    const result = programWith((p) => {
      p.points = { value: 1_000_000, expiryDays: 36500, pendingDays: 3650, remindDays: [365, 1, 2] };
      p.earn.rateBps = 10000;
      p.earn.step = { every: 1e13, points: 1e9 };
      p.redeem = { maxShareBps: 0, minOrder: 1e13, minPoints: 1e9 };
      p.tiers.levels[2].from = 1e15;
      campaign(p).priority = -1_000_000;
      campaign(p).when.weekdays = [7, 1];
      campaign(p).when.hours = { from: "23:59", to: "00:00" };
      campaign(p).when.to = "2026-11-20T00:00:00.000000001+03:00";
      campaign(p).effect = { cheapestFree: 1_000_000, pointsMultiplierBps: 100000, bonusPoints: 1e9 };
      campaign(p).limits = { budget: 1e15 };
      campaign(p).id = long(64);
      p.campaigns[1].effect.bundle.items = Array(10).fill({ tags: ["t"], qty: 1_000_000 });
    });
    expect(problems(result)).toEqual([]);
  });

  it("accepts a multiplier alone (0 = no points on the target lines) and a UTC timezone", () => {
    expect(problems(programWith((p) => ((campaign(p).effect = { pointsMultiplierBps: 0 }), (p.timezone = "UTC"))))).toEqual([]);
  });

  it("refuses the campaign example as written, whose effect lists every discount kind", () => {
    const result = programWith((p) => {
      campaign(p).effect = {
        discountBps: 2000,
        discountAmount: 10000,
        cheapestFree: 3,
        bundle: { items: [{ skus: ["phone"], qty: 1 }, { categories: ["cases"], qty: 1 }], discountBps: 1000 },
        pointsMultiplierBps: 20000,
        bonusPoints: 100,
        freeShipping: true,
      };
    });
    expect(problems(result)).toEqual([
      {
        path: "campaigns[0].effect",
        message: "use only one of discountBps, discountAmount, cheapestFree or bundle (found discountBps, discountAmount, cheapestFree, bundle)",
      },
    ]);
  });

  it("reports every problem at once, the cross-field ones included", () => {
    const result = programWith((p) => {
      p.currency = "rub";
      p.timezone = "Moscow";
      p.points.value = 0.5;
      p.earn.rateBps = "10%";
      p.tiers.levels[1].id = "bronze";
      p.tiers.levels[2].from = 1;
      campaign(p).effect.discountAmount = 500;
      campaign(p).when.hours.from = "25:00";
      campaign(p).when.to = "2026-01-01T00:00:00Z";
      campaign(p).audience.tiers = ["vip"];
      campaign(p).typo = true;
      p.campaigns[1].id = "happy-hours";
      p.rewards[0].cost = 0;
    });
    expect(paths(result).sort()).toEqual(
      [
        "currency",
        "timezone",
        "points.value",
        "earn.rateBps",
        "tiers.levels[1].id",
        "tiers.levels[2].from",
        "campaigns[0].effect",
        "campaigns[0].when.hours.from",
        "campaigns[0].when.to",
        "campaigns[0].audience.tiers[0]",
        "campaigns[0].typo",
        "campaigns[1].id",
        "rewards[0].cost",
      ].sort(),
    );
  });

  it("does not add a tier-reference problem when the tiers themselves are broken", () => {
    expect(paths(programWith((p) => (p.tiers = { levels: "gold" })))).toEqual(["tiers.levels"]);
  });

  it("reports one problem per unknown field", () => {
    expect(problems(programWith((p) => Object.assign(p, { a: 1, b: 2 })))).toEqual([
      { path: "a", message: "unknown field" },
      { path: "b", message: "unknown field" },
    ]);
  });

  it("reports each campaign duplicate id once, at the later campaigns", () => {
    const result = programWith((p) => {
      p.campaigns[1].id = "happy-hours";
      p.campaigns.push({ id: "happy-hours", effect: { bonusPoints: 1 } });
    });
    expect(problems(result)).toEqual([
      { path: "campaigns[1].id", message: 'duplicate campaign id "happy-hours" (already used at index 0)' },
      { path: "campaigns[2].id", message: 'duplicate campaign id "happy-hours" (already used at index 0)' },
    ]);
  });
});

describe("validateReceipt", () => {
  it("accepts the docs/api.md example and fills in defaults", () => {
    const result = validateReceipt({ at: "2026-11-23T07:15:00Z", lines: [{ id: "1", price: 100, qty: 1 }] });
    expect(result).toEqual({
      ok: true,
      receipt: {
        at: "2026-11-23T07:15:00Z",
        lines: [{ id: "1", categories: [], tags: [], price: 100, qty: 1 }],
        shipping: 0,
        codes: [],
        redeemPoints: 0,
      },
    });
    expect(validateReceipt(exampleReceipt())).toEqual({ ok: true, receipt: exampleReceipt() });
  });

  it("refuses text holding half of a surrogate pair, naming the field; whole pairs (emoji) are text", () => {
    const receipt = (overrides: Json) => ({ at: "2026-11-23T07:15:00Z", lines: [{ id: "1", price: 100, qty: 1 }], ...overrides });
    const message = "must be valid Unicode text (it holds half of a surrogate pair)";
    expect(validateReceipt(receipt({ customerId: "c\ud800" }))).toEqual({ ok: false, problems: [{ path: "customerId", message }] });
    expect(validateReceipt(receipt({ lines: [{ id: "\udfffx", price: 100, qty: 1 }] }))).toEqual({ ok: false, problems: [{ path: "lines[0].id", message }] });
    expect(validateReceipt(receipt({ codes: ["A\ud83d"] }))).toEqual({ ok: false, problems: [{ path: "codes[0]", message }] });
    expect(validateReceipt(receipt({ customerId: "c-\ud83d\ude00", store: "שלום\u202e" })).ok).toBe(true);
  });

  it("counts text in UTF-16 code units, as the encoder does: 100 family emoji are too long", () => {
    const receipt = (overrides: Json) => ({ at: "2026-11-23T07:15:00Z", lines: [{ id: "1", price: 100, qty: 1 }], ...overrides });
    const family = "👨‍👩‍👧‍👦"; // 7 code points, 11 code units
    expect(validateReceipt(receipt({ customerId: family.repeat(20) }))).toEqual({
      ok: false, problems: [{ path: "customerId", message: "must be a string of 1 to 200 characters" }],
    });
    expect(validateReceipt(receipt({ customerId: "😀".repeat(100) })).ok).toBe(true);
    expect(validateReceipt(receipt({ customerId: `${"😀".repeat(100)}a` })).ok).toBe(false);
  });

  it("requires at by default and not with requireAt: false", () => {
    const receipt = exampleReceipt();
    delete receipt.at;
    expect(problems(validateReceipt(receipt))).toEqual([{ path: "at", message: "is required" }]);
    expect(problems(validateReceipt(receipt, { requireAt: true }))).toEqual([{ path: "at", message: "is required" }]);
    const result = validateReceipt(receipt, { requireAt: false });
    expect(result.ok && result.receipt.at).toBeUndefined();
    expect(paths(validateReceipt({ ...receipt, at: "now" }, { requireAt: false }))).toEqual(["at"]);
  });

  it("accepts the limits exactly", () => {
    const result = receiptWith((r) => {
      r.lines = [
        { id: "a", price: 1e12, qty: 9, categories: Array(50).fill("c"), tags: Array(50).fill("t") },
        { id: "b", price: 1e6, qty: 1e6 }, // together exactly 10^13
      ];
      r.shipping = 1e12;
      r.codes = Array(20).fill("C");
      r.redeemPoints = 1e15;
    });
    expect(problems(result)).toEqual([]);
    expect(problems(receiptWith((r) => (r.redeemPoints = "max")))).toEqual([]);
    expect(problems(receiptWith((r) => (r.lines = Array.from({ length: 1000 }, (_, i) => ({ id: `${i}`, price: 1, qty: 1 })))))).toEqual([]);
  });

  it("reports the subtotal beyond 10^13 at lines, computed exactly", () => {
    expect(problems(receiptWith((r) => (r.lines = [{ id: "a", price: 1e12, qty: 10 }, { id: "b", price: 1, qty: 1 }])))).toEqual([
      { path: "lines", message: "the receipt's subtotal (sum of price × qty) must be at most 10^13" },
    ]);
    // 10^12 × 10^6 = 10^18 is past 2^53: still reported, never wrapped.
    expect(paths(receiptWith((r) => (r.lines = [{ id: "a", price: 1e12, qty: 1e6 }])))).toEqual(["lines"]);
    expect(paths(receiptWith((r) => (r.lines = [{ id: "a", price: 1e12, qty: 10 }])))).toEqual([]);
  });

  const rules: [string, (r: Json) => void, string][] = [
    ["no lines", (r) => (r.lines = []), "lines"],
    ["1001 lines", (r) => (r.lines = Array.from({ length: 1001 }, (_, i) => ({ id: `${i}`, price: 1, qty: 1 }))), "lines"],
    ["lines not a list", (r) => (r.lines = {}), "lines"],
    ["line id empty", (r) => (r.lines[0].id = ""), "lines[0].id"],
    ["line id a number", (r) => (r.lines[0].id = 1), "lines[0].id"],
    ["line id duplicated", (r) => r.lines.push({ id: "1", price: 1, qty: 1 }), "lines[1].id"],
    ["price a float", (r) => (r.lines[0].price = 1.5), "lines[0].price"],
    ["price negative", (r) => (r.lines[0].price = -1), "lines[0].price"],
    ["price above 10^12", (r) => (r.lines[0].price = 1e12 + 1), "lines[0].price"],
    ["price a string", (r) => (r.lines[0].price = "500"), "lines[0].price"],
    ["price missing", (r) => delete r.lines[0].price, "lines[0].price"],
    ["qty 0", (r) => (r.lines[0].qty = 0), "lines[0].qty"],
    ["qty above 10^6", (r) => (r.lines[0].qty = 1e6 + 1), "lines[0].qty"],
    ["qty a float", (r) => (r.lines[0].qty = 0.5), "lines[0].qty"],
    ["sku empty", (r) => (r.lines[0].sku = ""), "lines[0].sku"],
    ["51 categories", (r) => (r.lines[0].categories = Array(51).fill("c")), "lines[0].categories"],
    ["51 tags", (r) => (r.lines[0].tags = Array(51).fill("t")), "lines[0].tags"],
    ["tag of 201 characters", (r) => (r.lines[0].tags = [long(201)]), "lines[0].tags[0]"],
    ["unknown line field", (r) => (r.lines[0].quantity = 2), "lines[0].quantity"],
    ["shipping negative", (r) => (r.shipping = -1), "shipping"],
    ["shipping above 10^12", (r) => (r.shipping = 1e12 + 1), "shipping"],
    ["21 codes", (r) => (r.codes = Array(21).fill("C")), "codes"],
    ["empty code", (r) => (r.codes = [""]), "codes[0]"],
    ["redeemPoints negative", (r) => (r.redeemPoints = -1), "redeemPoints"],
    ["redeemPoints a float", (r) => (r.redeemPoints = 1.5), "redeemPoints"],
    ["redeemPoints above 10^15", (r) => (r.redeemPoints = 1e15 + 1), "redeemPoints"],
    ["redeemPoints another word", (r) => (r.redeemPoints = "all"), "redeemPoints"],
    ["at without an offset", (r) => (r.at = "2026-11-23T10:15:00"), "at"],
    ["at not a date", (r) => (r.at = "2026-13-01T10:15:00Z"), "at"],
    ["at with an offset beyond 23:59", (r) => (r.at = "2026-11-23T10:15:00+24:00"), "at"],
    ["customerId empty", (r) => (r.customerId = ""), "customerId"],
    ["customerId a number", (r) => (r.customerId = 42), "customerId"],
    ["unknown field", (r) => (r.coupon = "X"), "coupon"],
  ];

  it.each(rules)("reports %s at its path", (_, change, path) => {
    expect(paths(receiptWith(change))).toEqual([path]);
  });

  it("says what is wrong with redeemPoints", () => {
    expect(problems(receiptWith((r) => (r.redeemPoints = "all")))).toEqual([
      { path: "redeemPoints", message: 'must be "max" or an integer between 0 and 10^15' },
    ]);
  });

  it("reports every problem of a receipt at once", () => {
    const result = validateReceipt({
      at: "yesterday",
      lines: [
        { id: "1", price: 1e12, qty: 1e6 },
        { id: "1", price: 1.5, qty: 0 },
      ],
      shipping: "free",
      extra: 1,
    });
    expect(problems(result)).toEqual([
      { path: "at", message: 'must be a date and time with an offset, like "2026-11-23T10:15:00+03:00"' },
      { path: "lines[1].price", message: "must be an integer between 0 and 10^12" },
      { path: "lines[1].qty", message: "must be an integer between 1 and 1000000" },
      { path: "shipping", message: "must be an integer between 0 and 10^12" },
      { path: "extra", message: "unknown field" },
      { path: "lines[1].id", message: 'duplicate line id "1" (already used at index 0)' },
      { path: "lines", message: "the receipt's subtotal (sum of price × qty) must be at most 10^13" },
    ]);
  });
});

describe("validateCustomer", () => {
  const snapshot = {
    balance: -50,
    spend: 12000000,
    orders: 3,
    birthday: "2000-02-29",
    boughtSkus: ["A-1"],
    boughtCategories: ["coffee"],
    campaignUses: { "happy-hours": 1, "spring-10": 0 },
    member: true,
  };

  it("accepts a full snapshot unchanged, and an empty one", () => {
    expect(validateCustomer(snapshot)).toEqual({ ok: true, customer: snapshot });
    expect(validateCustomer({})).toEqual({ ok: true, customer: {} });
    expect(validateCustomer({ birthday: null })).toEqual({ ok: true, customer: { birthday: null } });
    expect(problems(validateCustomer({ balance: -1e15, spend: 1e15, orders: 1e9 }))).toEqual([]);
  });

  const rules: [string, Json, string][] = [
    ["balance below -10^15", { balance: -1e15 - 1 }, "balance"],
    ["balance above 10^15", { balance: 1e15 + 1 }, "balance"],
    ["balance a float", { balance: 0.5 }, "balance"],
    ["spend negative", { spend: -1 }, "spend"],
    ["spend above 10^15", { spend: 1e15 + 1 }, "spend"],
    ["orders a float", { orders: 1.5 }, "orders"],
    ["orders above 10^9", { orders: 1e9 + 1 }, "orders"],
    ["birthday on 30 February", { birthday: "1990-02-30" }, "birthday"],
    ["birthday on 29 February of a common year", { birthday: "1900-02-29" }, "birthday"],
    ["birthday without leading zeros", { birthday: "1990-5-17" }, "birthday"],
    ["birthday with a time", { birthday: "1990-05-17T00:00:00Z" }, "birthday"],
    ["boughtSkus above 10000", { boughtSkus: Array(10001).fill("s") }, "boughtSkus"],
    ["boughtSkus with an empty sku", { boughtSkus: ["a", ""] }, "boughtSkus[1]"],
    ["boughtCategories not a list", { boughtCategories: "coffee" }, "boughtCategories"],
    ["campaignUses negative", { campaignUses: { "spring-10": -1 } }, 'campaignUses["spring-10"]'],
    ["campaignUses a float", { campaignUses: { summer: 1.5 } }, "campaignUses.summer"],
    ["campaignUses not an object", { campaignUses: [1] }, "campaignUses"],
    ["member not a boolean", { member: "yes" }, "member"],
    ["unknown field", { points: 5 }, "points"],
  ];

  it.each(rules)("reports %s at its path", (_, input, path) => {
    expect(paths(validateCustomer(input))).toEqual([path]);
  });

  it("reports every problem at once", () => {
    expect(paths(validateCustomer({ balance: "1", spend: -1, birthday: "soon", member: 1, x: 0 }))).toEqual([
      "balance",
      "spend",
      "birthday",
      "member",
      "x",
    ]);
  });

  it("refuses what is not an object", () => {
    expect(problems(validateCustomer(null))).toEqual([{ path: "", message: "must be an object" }]);
  });
});

describe("formatPath", () => {
  it("writes paths the way docs/api.md shows them", () => {
    expect(formatPath([])).toBe("");
    expect(formatPath(["lines", 2, "price"])).toBe("lines[2].price");
    expect(formatPath(["campaigns", 0, "when", "hours", "from"])).toBe("campaigns[0].when.hours.from");
    expect(formatPath([3])).toBe("[3]");
    expect(formatPath(["campaignUses", "spring-10"])).toBe('campaignUses["spring-10"]');
    expect(formatPath(["a b", "c"])).toBe('["a b"].c');
  });
});

describe("schemas", () => {
  it("convert to JSON Schema for the OpenAPI document, integers as integers", () => {
    for (const schema of [programSchema, receiptSchema, apiReceiptSchema, customerSchema]) {
      for (const io of ["input", "output"] as const) expect(() => z.toJSONSchema(schema, { io })).not.toThrow();
    }
    const receipt = z.toJSONSchema(receiptSchema, { io: "input" }) as Json;
    expect(receipt.required).toEqual(["at", "lines"]);
    expect(receipt.additionalProperties).toBe(false);
    expect(receipt.properties.lines.items.properties.price).toMatchObject({ type: "integer", minimum: 0, maximum: 1e12 });
    expect((z.toJSONSchema(apiReceiptSchema, { io: "input" }) as Json).required).toEqual(["lines"]);
    const program = z.toJSONSchema(programSchema, { io: "input" }) as Json;
    expect(program.properties.status).toMatchObject({ default: "active", enum: ["active", "paused"] });
  });

  it("validate on their own like the functions do", () => {
    expect(programSchema.safeParse(exampleProgram()).success).toBe(true);
    const result = receiptSchema.safeParse({ ...exampleReceipt(), typo: 1 });
    expect(result.error?.issues.map((issue) => issue.message)).toEqual(["unknown field"]);
  });
});
