/**
 * fast-check generators for programs, receipts, snapshots and counters, all inside the validation limits of
 * engine/README.md. Values come from small pools (skus, categories, tags, codes) so that targets, exclusions
 * and conditions actually meet; amounts mix small and large magnitudes. A receipt stays below 10^13:
 * ≤ 8 lines of at most 10^12 each (price ≤ 10^9 × qty ≤ 1 000, or one unit ≤ 10^12).
 */
import fc from "fast-check";
import type {
  BundleItem,
  Campaign,
  CampaignCounters,
  CustomerSnapshot,
  Program,
  Receipt,
  ReceiptLine,
  TargetFilter,
  TierLevel,
} from "../host/types.ts";

export const SKUS = ["a", "b", "c", "phone"];
export const CATEGORIES = ["coffee", "tea", "cases", "dishes"];
export const TAGS = ["promo", "no-earn", "gift", "new"];
const CAMPAIGN_CODES = ["SPRING10", "VIP"];
const RECEIPT_CODES = ["SPRING10", "spring10", "vip", "OTHER"];

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const END = Date.UTC(2027, 11, 31);

/** `arb` with weight `present`, undefined with weight `absent`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, present: number, absent: number): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: absent }, { arbitrary: arb, weight: present });
const someOf = <T>(pool: T[]) => fc.subarray(pool, { minLength: 1 });
const money = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1_000_000_000 }));
const instantMs = fc.integer({ min: START, max: END });

function rfc3339(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? "+" : "-";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
const instant = fc.tuple(instantMs, fc.constantFrom(0, 180, -300, 330)).map(([ms, off]) => rfc3339(ms, off));
const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 30)).map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);

const target: fc.Arbitrary<TargetFilter | undefined> = fc.option(
  fc.record({ skus: someOf(SKUS), categories: someOf(CATEGORIES), tags: someOf(TAGS), excludeTags: someOf(TAGS) }, { requiredKeys: [] }),
  { nil: undefined },
);

/** At most two conditions per campaign, so that campaigns apply often enough to exercise the arithmetic. */
const WHEN_KEYS = ["range", "weekdays", "hours", "orderNumber", "minSubtotal", "minQty", "codes", "birthday", "boughtTargetBefore"];
const when: fc.Arbitrary<Campaign["when"]> = fc
  .tuple(
    fc.record({
      range: fc.tuple(instantMs, fc.integer({ min: DAY, max: 200 * DAY })),
      weekdays: fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 }),
      hours: fc.tuple(clock, clock).filter(([a, b]) => a !== b),
      orderNumber: fc.oneof(
        fc.record({ eq: fc.integer({ min: 1, max: 6 }) }),
        fc.record({ every: fc.integer({ min: 1, max: 4 }), offset: fc.integer({ min: 0, max: 3 }) }),
      ),
      minSubtotal: fc.integer({ min: 1, max: 10_000_000 }),
      minQty: fc.integer({ min: 1, max: 10 }),
      codes: someOf(CAMPAIGN_CODES),
      birthday: fc.record({ daysBefore: fc.integer({ min: 0, max: 10 }), daysAfter: fc.integer({ min: 0, max: 10 }) }),
      boughtTargetBefore: fc.boolean(),
    }),
    fc.subarray(WHEN_KEYS, { maxLength: 2 }),
  )
  .map(([all, keys]) => Object.fromEntries(Object.entries(all).filter(([k]) => keys.includes(k))) as Partial<typeof all>)
  .map(({ range, hours, ...rest }) => ({
    ...rest,
    ...(range ? { from: rfc3339(range[0], 180), to: rfc3339(range[0] + range[1], 180) } : {}),
    ...(hours ? { hours: { from: hours[0], to: hours[1] } } : {}),
  }));

const bundleItem: fc.Arbitrary<BundleItem> = fc.oneof(
  fc.record({ skus: someOf(SKUS), qty: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ categories: someOf(CATEGORIES), qty: fc.integer({ min: 1, max: 3 }) }),
);

// Discount effects start at 1 (validation rejects a 0 bps / 0 amount discount as a no-op).
const mainEffect = fc.oneof(
  fc.constant({}),
  fc.record({ discountBps: fc.integer({ min: 1, max: 10_000 }) }),
  fc.record({ discountAmount: money.map((m) => m + 1) }),
  fc.record({ cheapestFree: fc.integer({ min: 2, max: 5 }) }),
  fc.record({ bundle: fc.record({ items: fc.array(bundleItem, { minLength: 2, maxLength: 3 }), discountBps: fc.integer({ min: 1, max: 10_000 }) }) }),
);
const extraEffect = fc.record(
  { pointsMultiplierBps: fc.integer({ min: 0, max: 100_000 }), bonusPoints: fc.integer({ min: 0, max: 1000 }), freeShipping: fc.boolean() },
  { requiredKeys: [] },
);
const effect: fc.Arbitrary<Campaign["effect"]> = fc
  .tuple(mainEffect, extraEffect)
  .map(([main, extra]) => ({ ...main, ...extra }))
  // An effect must do something: a discount, a multiplier, bonus points > 0 or free shipping.
  .filter((e) => Object.keys(e).some((k) => !["bonusPoints", "freeShipping"].includes(k)) || (e.bonusPoints ?? 0) > 0 || e.freeShipping === true);

function campaignArb(id: string, tierIds: string[]): fc.Arbitrary<Campaign> {
  const audience = fc.record(
    { members: fc.boolean(), ...(tierIds.length > 0 ? { tiers: someOf(tierIds) } : {}) },
    { requiredKeys: [] },
  );
  return fc
    .record(
      {
        priority: fc.integer({ min: 0, max: 5 }),
        stacking: fc.constantFrom("stack" as const, "exclusive" as const),
        basis: fc.constantFrom("discounted" as const, "original" as const),
        audience: sometimes(audience, 1, 3),
        when: sometimes(when, 1, 1),
        target,
        effect,
        limits: fc.option(
          fc.record(
            { totalUses: fc.integer({ min: 1, max: 100 }), perCustomer: fc.integer({ min: 1, max: 3 }), budget: fc.integer({ min: 1, max: 10_000_000 }) },
            { requiredKeys: [] },
          ),
          { nil: undefined },
        ),
      },
      { requiredKeys: ["priority", "stacking", "basis", "effect"] },
    )
    .map((c) => ({ id, ...c }));
}

const tierLevels: fc.Arbitrary<TierLevel[]> = fc
  .array(
    fc.record(
      {
        step: fc.integer({ min: 1, max: 10_000_000 }),
        rateBps: fc.integer({ min: 0, max: 10_000 }),
        discountBps: fc.integer({ min: 0, max: 10_000 }),
        freeShipping: fc.boolean(),
      },
      { requiredKeys: ["step"] },
    ),
    { minLength: 1, maxLength: 3 },
  )
  .chain((levels) =>
    fc.boolean().map((startAtZero) => {
      let from = startAtZero ? 0 : levels[0]!.step;
      return levels.map(({ step, ...rest }, i) => {
        if (i > 0) from += step;
        return { id: `t${i}`, name: `Tier ${i}`, from, ...rest };
      });
    }),
  );

export const programArb: fc.Arbitrary<Program> = fc
  .record({
    value: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1_000_000 })),
    rateBps: fc.integer({ min: 0, max: 10_000 }),
    // every ≥ 1 000 keeps Σ points ≤ 10^15 (8·10^12 × ×100 / 1 000 × 1 000): beyond that the engine must refuse
    // the receipt rather than overflow (money.test.ts checks that separately).
    step: fc.oneof(
      { arbitrary: fc.constant(null), weight: 3 },
      { arbitrary: fc.record({ every: fc.integer({ min: 1000, max: 1_000_000 }), points: fc.integer({ min: 1, max: 1000 }) }), weight: 1 },
    ),
    onPointsPaid: fc.boolean(),
    earnExclude: fc.subarray(TAGS),
    maxShareBps: fc.integer({ min: 0, max: 10_000 }),
    minOrder: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 })),
    redeemExclude: fc.subarray(TAGS),
    minPoints: fc.integer({ min: 1, max: 100 }),
    tiers: fc.option(tierLevels, { nil: undefined }),
  })
  .chain((base) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: 9 }).map((n) => n === 0), // paused one time in ten
        fc.integer({ min: 0, max: 4 }).chain((n) =>
          fc.tuple(...Array.from({ length: n }, (_, i) => campaignArb(`c${i}`, (base.tiers ?? []).map((t) => t.id)))),
        ),
      )
      .map(([paused, campaigns]): Program => ({
        currency: "RUB",
        timezone: "Europe/Moscow",
        status: paused ? "paused" : "active",
        points: { value: base.value, expiryDays: 365, pendingDays: 0 },
        earn: { rateBps: base.rateBps, step: base.step, onPointsPaid: base.onPointsPaid, excludeTags: base.earnExclude },
        redeem: { maxShareBps: base.maxShareBps, minOrder: base.minOrder, excludeTags: base.redeemExclude, minPoints: base.minPoints },
        ...(base.tiers ? { tiers: { basis: "spend" as const, windowDays: null, levels: base.tiers } } : {}),
        campaigns: campaigns as Campaign[],
      })),
  );

const receiptLine = fc.record(
  {
    sku: fc.constantFrom(...SKUS),
    categories: fc.subarray(CATEGORIES, { maxLength: 2 }),
    tags: fc.subarray(TAGS, { maxLength: 2 }),
    // Either an ordinary line (price ≤ 10^9, qty ≤ 1 000) or one big unit (price ≤ 10^12), where exact
    // 128-bit arithmetic matters.
    priced: fc.oneof(
      { arbitrary: fc.record({ price: money, qty: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 1000 })) }), weight: 4 },
      { arbitrary: fc.record({ price: fc.integer({ min: 0, max: 1_000_000_000_000 }), qty: fc.constant(1) }), weight: 1 },
    ),
  },
  { requiredKeys: ["priced"] },
).map(({ priced, ...rest }) => ({ ...rest, ...priced }));

export const receiptArb: fc.Arbitrary<Receipt> = fc.record(
  {
    at: instant,
    lines: fc.array(receiptLine, { minLength: 1, maxLength: 8 }).map((ls): ReceiptLine[] => ls.map((l, i) => ({ id: `L${i + 1}`, ...l }))),
    shipping: fc.integer({ min: 0, max: 1_000_000 }),
    codes: fc.subarray(RECEIPT_CODES),
    redeemPoints: fc.oneof(
      { arbitrary: fc.constant(0), weight: 1 },
      { arbitrary: fc.constant("max" as const), weight: 2 },
      { arbitrary: fc.integer({ min: 0, max: 1_000_000 }), weight: 2 },
    ),
  },
  { requiredKeys: ["at", "lines"] },
);

export const customerArb: fc.Arbitrary<CustomerSnapshot | undefined> = fc.option(
  fc.record(
    {
      balance: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 1e15 })),
      spend: fc.integer({ min: 0, max: 40_000_000 }),
      orders: fc.integer({ min: 0, max: 12 }),
      birthday: fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2010, 11, 31) }).map((ms) => new Date(ms).toISOString().slice(0, 10)),
      boughtSkus: fc.subarray(SKUS),
      boughtCategories: fc.subarray(CATEGORIES),
      campaignUses: fc.dictionary(fc.constantFrom("c0", "c1", "c2", "c3"), fc.integer({ min: 0, max: 3 })),
      member: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

export const countersArb: fc.Arbitrary<CampaignCounters | undefined> = fc.option(
  fc.dictionary(
    fc.constantFrom("c0", "c1", "c2", "c3"),
    fc.record({ usesLeft: fc.integer({ min: 0, max: 5 }), budgetLeft: fc.integer({ min: 0, max: 1_000_000 }) }, { requiredKeys: [] }),
  ),
  { nil: undefined },
);
