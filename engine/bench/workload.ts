/**
 * The benchmark's workload: a realistic grocery/coffee shop program of 50 campaigns (only a realistic subset
 * applies to any one receipt: some are out of hours, out of date, need another code or tier, are used up),
 * three tiers, a Silver customer and carts of any size drawn from a fixed catalog. Everything is generated
 * from fixed seeds, so every run quotes exactly the same inputs.
 */
import type { Campaign, CampaignCounters, CustomerSnapshot, Program, Receipt, ReceiptLine } from "../host/types.ts";

/** mulberry32: small, fast, good enough to make varied but repeatable carts. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CATEGORIES = [
  "coffee", "tea", "accessories", "snacks", "dairy", "bakery", "produce", "frozen", "household",
  "beauty", "kids", "pets", "drinks", "sweets", "grocery", "phones", "cases", "pasta", "sauces", "mugs",
];
const SUBCATEGORIES = ["organic", "imported", "local", "premium", "budget", "gluten-free"];
const TAGS = ["promo", "no-earn", "new", "bestseller", "seasonal", "eco", "clearance", "fragile", "gift", "18plus"];

interface Product {
  sku: string;
  price: number;
  categories: string[];
  tags: string[];
}

function pick<T>(next: () => number, list: readonly T[]): T {
  return list[Math.floor(next() * list.length)]!;
}

/** 2,000 products; a product's categories, tags and price are fixed, so carts repeat realistically. */
function catalog(): Product[] {
  const next = random(2026);
  return Array.from({ length: 2000 }, (_, i) => {
    const categories = [pick(next, CATEGORIES)];
    if (next() < 0.6) categories.push(pick(next, SUBCATEGORIES));
    if (next() < 0.2) categories.push(pick(next, CATEGORIES));
    const tags: string[] = [];
    for (let t = 0; t < 3; t++) if (next() < 0.25) tags.push(pick(next, TAGS));
    // Prices in kopecks: mostly 49–2,000 RUB, a few expensive items (phones).
    const price = categories[0] === "phones" ? 1_999_000 + Math.floor(next() * 60) * 100_000 : 4_900 + Math.floor(next() * 1_950) * 100;
    return { sku: `SKU-${String(i + 1).padStart(4, "0")}`, price, categories: [...new Set(categories)], tags: [...new Set(tags)] };
  });
}

const CATALOG = catalog();

/** Tuesday 24 November 2026, 12:40 Moscow time: lunch happy hours and weekday campaigns hold. */
export const AT = "2026-11-24T12:40:00+03:00";

/** A cart of `lines` lines (seeded by its size), with a promo code, shipping and "pay the most points". */
export function cart(lines: number): Receipt {
  const next = random(lines * 7919);
  const receiptLines: ReceiptLine[] = Array.from({ length: lines }, (_, i) => {
    const product = pick(next, CATALOG);
    const qty = next() < 0.7 ? 1 : next() < 0.8 ? 2 + Math.floor(next() * 3) : 5 + Math.floor(next() * 6);
    const line: ReceiptLine = { id: `L${i + 1}`, sku: product.sku, price: product.price, qty, categories: product.categories };
    if (product.tags.length > 0) line.tags = product.tags;
    return line;
  });
  return { customerId: "bench-customer", at: AT, lines: receiptLines, shipping: 39_900, codes: ["autumn10"], redeemPoints: "max" };
}

/** A Silver member with a birthday in two days, eight earlier orders and some purchase history. */
export const CUSTOMER: CustomerSnapshot = {
  balance: 25_000,
  spend: 15_000_000,
  orders: 8,
  birthday: "1990-11-26",
  boughtSkus: CATALOG.slice(0, 60).map((p) => p.sku),
  boughtCategories: ["coffee", "tea", "pets"],
  campaignUses: { "welcome-back": 1, "coffee-club": 2 },
  member: true,
};

/** What is left of the shop-wide limits: one campaign is used up, one has little budget left. */
export const COUNTERS: CampaignCounters = {
  "flash-sale": { usesLeft: 0 },
  "dairy-week": { budgetLeft: 20_000 },
  "snack-attack": { usesLeft: 120, budgetLeft: 1_000_000 },
};

const NOVEMBER = { from: "2026-11-01T00:00:00+03:00", to: "2026-12-01T00:00:00+03:00" };
const LAST_YEAR = { from: "2025-11-01T00:00:00+03:00", to: "2025-12-01T00:00:00+03:00" };
const DECEMBER = { from: "2026-12-01T00:00:00+03:00", to: "2027-01-01T00:00:00+03:00" };
const WEEKDAYS = [1, 2, 3, 4, 5];

/** 50 campaigns: [id, campaign without id]. */
const CAMPAIGNS: [string, Omit<Campaign, "id">][] = [
  // Happy hours: lunch holds, evening and night do not.
  ["lunch-drinks", { priority: 20, when: { hours: { from: "12:00", to: "14:00" } }, target: { categories: ["drinks"] }, effect: { discountBps: 1500 } }],
  ["lunch-bakery", { priority: 20, when: { hours: { from: "11:30", to: "13:30" }, weekdays: WEEKDAYS }, target: { categories: ["bakery"] }, effect: { discountBps: 2000 } }],
  ["evening-snacks", { priority: 20, when: { hours: { from: "18:00", to: "21:00" } }, target: { categories: ["snacks"] }, effect: { discountBps: 1000 } }],
  ["night-owl", { priority: 20, when: { hours: { from: "23:00", to: "03:00" } }, effect: { pointsMultiplierBps: 30000 } }],
  // Weekdays: Tuesday holds, the weekend does not.
  ["tea-tuesday", { priority: 15, when: { weekdays: [2] }, target: { categories: ["tea"] }, effect: { discountBps: 500 } }],
  ["weekend-family", { priority: 15, when: { weekdays: [6, 7] }, target: { categories: ["kids"] }, effect: { discountBps: 1000 } }],
  ["weekday-points", { priority: 5, audience: { members: true }, when: { weekdays: WEEKDAYS }, effect: { pointsMultiplierBps: 15000 } }],
  ["sunday-bakery", { priority: 15, when: { weekdays: [7] }, target: { categories: ["bakery"] }, effect: { cheapestFree: 2 } }],
  // Promo codes: the receipt carries "autumn10" only.
  ["autumn10", { priority: 12, when: { codes: ["AUTUMN10"], ...NOVEMBER }, target: { categories: ["accessories", "mugs"] }, effect: { discountBps: 1000 }, limits: { totalUses: 5000 } }],
  ["spring20", { priority: 12, when: { codes: ["SPRING20"] }, effect: { discountBps: 2000 } }],
  ["welcome500", { priority: 12, when: { codes: ["WELCOME500"], orderNumber: { eq: 1 } }, effect: { discountAmount: 50_000 } }],
  ["blackfriday", { priority: 40, stacking: "exclusive", when: { codes: ["BLACKFRIDAY", "BF2026"], from: "2026-11-27T00:00:00+03:00", to: "2026-11-30T00:00:00+03:00" }, effect: { discountBps: 2500 } }],
  ["autumn-points", { priority: 3, when: { codes: ["Autumn10"] }, effect: { bonusPoints: 150 } }],
  // Category discounts.
  ["coffee-10", { priority: 10, target: { categories: ["coffee"], excludeTags: ["promo"] }, effect: { discountBps: 1000 } }],
  ["beauty-7", { priority: 10, target: { categories: ["beauty"] }, effect: { discountBps: 700 } }],
  ["household-eco", { priority: 10, target: { categories: ["household"], tags: ["eco"] }, effect: { discountBps: 1200 } }],
  ["frozen-original", { priority: 9, basis: "original", target: { categories: ["frozen"] }, effect: { discountBps: 800 } }],
  ["premium-produce", { priority: 9, target: { categories: ["produce"] }, when: { minQty: 3 }, effect: { discountBps: 600 } }],
  ["sweets-amount", { priority: 9, target: { categories: ["sweets"] }, when: { minSubtotal: 100_000 }, effect: { discountAmount: 15_000 } }],
  // Order number.
  ["every-third-order", { priority: 8, when: { orderNumber: { every: 3 } }, effect: { discountBps: 300 } }],
  ["every-fifth-order", { priority: 8, when: { orderNumber: { every: 5, offset: 1 } }, effect: { bonusPoints: 500 } }],
  ["first-order", { priority: 30, stacking: "exclusive", when: { orderNumber: { eq: 1 } }, effect: { discountBps: 1500 }, limits: { perCustomer: 1 } }],
  // Birthday: two days before the customer's birthday.
  ["birthday-week", { priority: 6, when: { birthday: { daysBefore: 3, daysAfter: 7 } }, effect: { pointsMultiplierBps: 20000, bonusPoints: 300 } }],
  ["birthday-cake", { priority: 6, when: { birthday: { daysBefore: 0, daysAfter: 0 } }, target: { categories: ["bakery"] }, effect: { discountBps: 5000 } }],
  // Bundles.
  ["phone-case", { priority: 11, target: { categories: ["phones", "cases"] }, effect: { bundle: { items: [{ categories: ["phones"], qty: 1 }, { categories: ["cases"], qty: 1 }], discountBps: 1000 } } }],
  ["coffee-mug", { priority: 11, effect: { bundle: { items: [{ categories: ["coffee"], qty: 2 }, { categories: ["mugs"], qty: 1 }], discountBps: 1500 } } }],
  ["pasta-sauce", { priority: 11, basis: "original", effect: { bundle: { items: [{ categories: ["pasta"], qty: 1 }, { categories: ["sauces"], qty: 1 }, { tags: ["gift"], qty: 1 }], discountBps: 2000 } } }],
  // Cheapest free.
  ["coffee-third-free", { priority: 14, target: { categories: ["coffee"], excludeTags: ["promo"] }, effect: { cheapestFree: 3 } }],
  ["snack-attack", { priority: 14, target: { categories: ["snacks"] }, effect: { cheapestFree: 4 }, limits: { totalUses: 1000, budget: 5_000_000 } }],
  ["dairy-3-for-2", { priority: 14, basis: "original", target: { categories: ["dairy"] }, effect: { cheapestFree: 3 } }],
  // Points multipliers and bonus points.
  ["eco-points", { priority: 4, target: { tags: ["eco"] }, effect: { pointsMultiplierBps: 15000 } }],
  ["gold-triple", { priority: 4, audience: { tiers: ["gold"] }, effect: { pointsMultiplierBps: 30000 } }],
  ["new-arrivals", { priority: 4, target: { tags: ["new"] }, effect: { pointsMultiplierBps: 20000 } }],
  ["big-basket", { priority: 2, when: { minSubtotal: 500_000 }, effect: { bonusPoints: 200 } }],
  ["bulk-buyer", { priority: 2, when: { minQty: 400 }, effect: { bonusPoints: 1000 } }],
  ["silver-gold-bonus", { priority: 2, audience: { tiers: ["silver", "gold"] }, when: { minSubtotal: 200_000 }, effect: { bonusPoints: 100 } }],
  // Exclusive campaigns.
  ["pets-exclusive", { priority: 50, stacking: "exclusive", target: { categories: ["pets"] }, effect: { discountBps: 1200 } }],
  ["clearance", { priority: 45, stacking: "exclusive", basis: "original", target: { tags: ["clearance"] }, effect: { discountBps: 3000 } }],
  ["flash-sale", { priority: 60, stacking: "exclusive", target: { categories: ["kids"] }, effect: { discountBps: 4000 }, limits: { totalUses: 100 } }],
  // Dates: November holds, last year and December do not.
  ["november-grocery", { priority: 7, when: NOVEMBER, target: { categories: ["grocery"] }, effect: { discountBps: 400 } }],
  ["last-autumn", { priority: 7, when: LAST_YEAR, effect: { discountBps: 1000 } }],
  ["new-year", { priority: 7, when: DECEMBER, target: { categories: ["sweets", "gift"] }, effect: { discountBps: 1500 } }],
  // Limits, counters and history.
  ["dairy-week", { priority: 13, target: { categories: ["dairy"] }, effect: { discountBps: 1000 }, limits: { budget: 300_000 } }],
  ["welcome-back", { priority: 13, effect: { discountBps: 500 }, limits: { perCustomer: 1 } }],
  ["coffee-club", { priority: 13, target: { categories: ["coffee"] }, effect: { bonusPoints: 50 }, limits: { perCustomer: 5 } }],
  ["repeat-purchase", { priority: 5, when: { boughtTargetBefore: true }, target: { categories: ["coffee", "tea"] }, effect: { discountBps: 500 } }],
  ["loyal-pets", { priority: 5, when: { boughtTargetBefore: true }, target: { categories: ["pets"] }, effect: { pointsMultiplierBps: 20000 } }],
  // Audience.
  ["guests-only", { priority: 1, audience: { members: false }, effect: { discountBps: 200 } }],
  // Free shipping.
  ["free-shipping-3000", { priority: 0, when: { minSubtotal: 300_000 }, effect: { freeShipping: true } }],
  ["free-shipping-bulky", { priority: 0, when: { minQty: 2000 }, target: { categories: ["household"] }, effect: { freeShipping: true } }],
];

export const PROGRAM: Program = {
  currency: "RUB",
  timezone: "Europe/Moscow",
  status: "active",
  points: { value: 100, expiryDays: 365, pendingDays: 14 },
  earn: { rateBps: 500, step: null, onPointsPaid: false, excludeTags: ["no-earn", "18plus"] },
  redeem: { maxShareBps: 3000, minOrder: 50_000, excludeTags: ["promo"], minPoints: 1 },
  tiers: {
    basis: "spend",
    windowDays: 365,
    levels: [
      { id: "bronze", name: "Бронза", from: 0, rateBps: 500 },
      { id: "silver", name: "Серебро", from: 10_000_000, rateBps: 700, discountBps: 300 },
      { id: "gold", name: "Золото", from: 30_000_000, rateBps: 1000, discountBps: 500, freeShipping: true },
    ],
  },
  bonuses: { birthday: { points: 500, daysBefore: 3, daysAfter: 7 } },
  campaigns: CAMPAIGNS.map(([id, campaign]) => ({ id, name: id, ...campaign })),
};
