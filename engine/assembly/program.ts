// The compiled program, loaded once from the flat form written by engine/host/compile.ts.
// Campaigns arrive already ordered (priority desc, then id), so evaluation just walks them.
import { EFFECT_NONE, PROGRAM_LAYOUT } from "../layout";
import { beginRead, readF64, readI32, readI64, readIds, readFailed } from "./reader";

export class Filter {
  skus: StaticArray<i32> = new StaticArray<i32>(0);
  categories: StaticArray<i32> = new StaticArray<i32>(0);
  tags: StaticArray<i32> = new StaticArray<i32>(0);
  excludeTags: StaticArray<i32> = new StaticArray<i32>(0);
}

export class BundleItem {
  filter: Filter = new Filter();
  qty: i64 = 1;
}

export class Tier {
  from: i64 = 0;
  rateBps: i64 = -1; // -1: earn at earn.rateBps
  discountBps: i64 = 0;
  freeShipping: bool = false;
}

export class Campaign {
  exclusive: bool = false;
  basisOriginal: bool = false;
  audienceTiers: StaticArray<i32> = new StaticArray<i32>(0); // tier indices; empty = any
  hasAudienceTiers: bool = false;
  members: i32 = -1; // -1 anyone, 0 non-members, 1 members
  hasFrom: bool = false;
  fromMs: f64 = 0;
  hasTo: bool = false;
  toMs: f64 = 0;
  weekdayMask: i32 = 0; // bit d set = ISO weekday d allowed; 0 = any day
  hoursFrom: i32 = -1; // minutes after local midnight; -1 = any time
  hoursTo: i32 = -1;
  orderEq: i64 = 0;
  orderEvery: i64 = 0;
  orderOffset: i64 = 0;
  minSubtotal: i64 = 0;
  minQty: i64 = 0;
  codes: StaticArray<i32> = new StaticArray<i32>(0);
  birthdayBefore: i32 = -1; // -1: no birthday condition
  birthdayAfter: i32 = 0;
  boughtTargetBefore: bool = false;
  target: Filter = new Filter();
  effect: i32 = EFFECT_NONE;
  discountBps: i64 = 0;
  discountAmount: i64 = 0;
  cheapestFree: i64 = 0;
  bundleItems: StaticArray<BundleItem> = new StaticArray<BundleItem>(0);
  multiplierBps: i64 = -1; // -1: no multiplier
  bonusPoints: i64 = 0;
  freeShipping: bool = false;
  perCustomer: i64 = 0; // 0: unlimited
  hasTotalUses: bool = false;
  hasBudget: bool = false;
  /** A reward's coupon: applies only when the quote grants it (the customer presents the coupon). */
  requiresGrant: bool = false;
  topUnits: i64 = 0;
}

export let paused = false;
export let pointValue: i64 = 100;
export let earnRateBps: i64 = 0;
export let stepEvery: i64 = 0; // 0: rate earning
export let stepPoints: i64 = 0;
export let earnOnPointsPaid = false;
export let maxShareBps: i64 = 0;
export let minOrder: i64 = 0;
export let minPoints: i64 = 1;
export let programStrings: i32 = 0;
export let earnExcludeTags = new StaticArray<i32>(0);
export let redeemExcludeTags = new StaticArray<i32>(0);
export let tiers = new StaticArray<Tier>(0);
export let campaigns = new StaticArray<Campaign>(0);
export let loaded = false;
/** Per program string: TAG_NO_EARN | TAG_NO_REDEEM when it is one of the earn/redeem excluded tags. */
export const TAG_NO_EARN: u8 = 1;
export const TAG_NO_REDEEM: u8 = 2;
export let tagFlags = new StaticArray<u8>(0);

function flagTags(tags: StaticArray<i32>, flag: u8): void {
  for (let k = 0; k < tags.length; k++) {
    const id = unchecked(tags[k]);
    if (id > 0 && id < tagFlags.length) unchecked((tagFlags[id] |= flag));
  }
}

function readFilter(): Filter {
  const f = new Filter();
  f.skus = readIds();
  f.categories = readIds();
  f.tags = readIds();
  f.excludeTags = readIds();
  return f;
}

function readCampaign(): Campaign {
  const c = new Campaign();
  c.exclusive = readI32() != 0;
  c.basisOriginal = readI32() != 0;
  c.hasAudienceTiers = readI32() != 0;
  c.audienceTiers = readIds();
  c.members = readI32();
  c.hasFrom = readI32() != 0;
  c.fromMs = readF64();
  c.hasTo = readI32() != 0;
  c.toMs = readF64();
  c.weekdayMask = readI32();
  c.hoursFrom = readI32();
  c.hoursTo = readI32();
  c.orderEq = readI64();
  c.orderEvery = readI64();
  c.orderOffset = readI64();
  c.minSubtotal = readI64();
  c.minQty = readI64();
  c.codes = readIds();
  c.birthdayBefore = readI32();
  c.birthdayAfter = readI32();
  c.boughtTargetBefore = readI32() != 0;
  c.target = readFilter();
  c.effect = readI32();
  c.discountBps = readI64();
  c.discountAmount = readI64();
  c.cheapestFree = readI64();
  const items = readI32();
  c.bundleItems = new StaticArray<BundleItem>(items < 0 ? 0 : items);
  for (let i = 0; i < items; i++) {
    const item = new BundleItem();
    item.filter = readFilter();
    item.qty = readI64();
    c.bundleItems[i] = item;
  }
  c.multiplierBps = readI64();
  c.bonusPoints = readI64();
  c.freeShipping = readI32() != 0;
  c.perCustomer = readI64();
  c.hasTotalUses = readI32() != 0;
  c.hasBudget = readI32() != 0;
  c.requiresGrant = readI32() != 0;
  c.topUnits = readI64();
  return c;
}

/** Reads the flat program; false when it is malformed (a host bug, never a shop's input). */
export function readProgram(ptr: usize, count: i32): bool {
  beginRead(ptr, count);
  if (readI32() != PROGRAM_LAYOUT) return false;
  paused = readI32() != 0;
  pointValue = readI64();
  earnRateBps = readI64();
  stepEvery = readI64();
  stepPoints = readI64();
  earnOnPointsPaid = readI32() != 0;
  maxShareBps = readI64();
  minOrder = readI64();
  minPoints = readI64();
  programStrings = readI32();
  earnExcludeTags = readIds();
  redeemExcludeTags = readIds();
  const tierCount = readI32();
  tiers = new StaticArray<Tier>(tierCount < 0 ? 0 : tierCount);
  for (let i = 0; i < tierCount; i++) {
    const t = new Tier();
    t.from = readI64();
    t.rateBps = readI64();
    t.discountBps = readI64();
    t.freeShipping = readI32() != 0;
    tiers[i] = t;
  }
  const campaignCount = readI32();
  campaigns = new StaticArray<Campaign>(campaignCount < 0 ? 0 : campaignCount);
  for (let i = 0; i < campaignCount; i++) campaigns[i] = readCampaign();
  tagFlags = new StaticArray<u8>(max(programStrings, 0) + 1);
  flagTags(earnExcludeTags, TAG_NO_EARN);
  flagTags(redeemExcludeTags, TAG_NO_REDEEM);
  loaded = !readFailed && pointValue >= 1;
  return loaded;
}
