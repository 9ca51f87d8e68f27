/**
 * Compiles a validated program to the flat form the Wasm engine reads once (engine/assembly/program.ts):
 * strings are interned to integer ids, campaigns ordered by priority (desc) then id, times resolved.
 * The field order here mirrors `readProgram`/`readCampaign` exactly; PROGRAM_LAYOUT (engine/layout.ts) guards it.
 */
import {
  EFFECT_AMOUNT, EFFECT_BUNDLE, EFFECT_CHEAPEST_FREE, EFFECT_NONE, EFFECT_PERCENT, EFFECT_TOP_UNITS, PROGRAM_LAYOUT,
} from "../layout.ts";
import type { Campaign, Program, TargetFilter } from "./types.ts";

/** Reward coupons are evaluated as campaigns with this id prefix (`:` never occurs in a program's ids). */
export const REWARD_PREFIX = "reward:";

export interface CompiledProgram {
  program: Program;
  flat: Float64Array;
  /** Program strings → ids 1…n (skus, categories, tags; promo codes upper-cased). */
  strings: Map<string, number>;
  /**
   * Campaigns in evaluation order; engine campaign index i is campaigns[i]. The program's rewards follow as
   * campaigns `reward:<id>` that apply only when a quote grants them (the customer presents the coupon).
   */
  campaigns: Campaign[];
  tierIds: string[];
}

/** Promo codes compare case-insensitively: both sides go through this. */
export function normalizeCode(code: string): string {
  return code.toUpperCase();
}

function parseMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

export function compareCampaigns(a: Campaign, b: Campaign): number {
  const pa = a.priority ?? 0;
  const pb = b.priority ?? 0;
  if (pa !== pb) return pb - pa;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function compileProgram(program: Program): CompiledProgram {
  const strings = new Map<string, number>();
  const out: number[] = [];
  const intern = (s: string) => {
    let id = strings.get(s);
    if (id === undefined) {
      id = strings.size + 1;
      strings.set(s, id);
    }
    return id;
  };
  const ids = (list: readonly string[] | undefined, map: (s: string) => string = (s) => s) => {
    out.push(list?.length ?? 0);
    for (const s of list ?? []) out.push(intern(map(s)));
  };
  const filter = (f: TargetFilter | undefined) => {
    ids(f?.skus);
    ids(f?.categories);
    ids(f?.tags);
    ids(f?.excludeTags);
  };
  const tierLevels = program.tiers?.levels ?? [];
  const tierIds = tierLevels.map((t) => t.id);
  const campaigns = [...(program.campaigns ?? [])].sort(compareCampaigns);
  const rewardCount = program.rewards?.length ?? 0;
  // A coupon comes after every campaign: "item" is the most expensive unit not claimed by an exclusive one.
  for (const r of program.rewards ?? []) {
    campaigns.push({
      id: `${REWARD_PREFIX}${r.id}`, name: r.name, stacking: "stack", basis: "discounted",
      effect: { discountBps: r.coupon.discountBps },
    });
  }
  const firstReward = campaigns.length - rewardCount;
  const rewardTarget = (index: number) => program.rewards![index - firstReward]!.coupon.target;

  out.push(PROGRAM_LAYOUT, program.status === "paused" ? 1 : 0, program.points.value, program.earn.rateBps,
    program.earn.step?.every ?? 0, program.earn.step?.points ?? 0, program.earn.onPointsPaid ? 1 : 0,
    program.redeem.maxShareBps, program.redeem.minOrder ?? 0, program.redeem.minPoints ?? 1, 0 /* string count, filled in last */);
  const stringsSlot = out.length - 1;
  ids(program.earn.excludeTags);
  ids(program.redeem.excludeTags);
  out.push(tierLevels.length);
  for (const t of tierLevels) out.push(t.from, t.rateBps ?? -1, t.discountBps ?? 0, t.freeShipping ? 1 : 0);
  out.push(campaigns.length);
  campaigns.forEach((c, index) => {
    const when = c.when ?? {};
    const effect = c.effect;
    out.push(c.stacking === "exclusive" ? 1 : 0, c.basis === "original" ? 1 : 0);
    out.push(c.audience?.tiers ? 1 : 0, c.audience?.tiers?.length ?? 0);
    for (const id of c.audience?.tiers ?? []) out.push(tierIds.indexOf(id));
    out.push(c.audience?.members === undefined ? -1 : c.audience.members ? 1 : 0);
    out.push(when.from ? 1 : 0, when.from ? Date.parse(when.from) : 0);
    out.push(when.to ? 1 : 0, when.to ? Date.parse(when.to) : 0);
    out.push((when.weekdays ?? []).reduce((mask, d) => mask | (1 << d), 0));
    out.push(when.hours ? parseMinutes(when.hours.from) : -1, when.hours ? parseMinutes(when.hours.to) : -1);
    const order = when.orderNumber;
    out.push(order && "eq" in order ? order.eq : 0);
    out.push(order && "every" in order ? order.every : 0, order && "every" in order ? order.offset ?? 0 : 0);
    out.push(when.minSubtotal ?? 0, when.minQty ?? 0);
    ids(when.codes, normalizeCode);
    out.push(when.birthday ? when.birthday.daysBefore : -1, when.birthday ? when.birthday.daysAfter : 0);
    out.push(when.boughtTargetBefore ? 1 : 0);
    filter(c.target);
    const reward = index >= firstReward;
    const kind = reward && rewardTarget(index) === "item" ? EFFECT_TOP_UNITS
      : effect.discountBps !== undefined ? EFFECT_PERCENT
      : effect.discountAmount !== undefined ? EFFECT_AMOUNT
      : effect.cheapestFree !== undefined ? EFFECT_CHEAPEST_FREE
      : effect.bundle !== undefined ? EFFECT_BUNDLE : EFFECT_NONE;
    out.push(kind, effect.discountBps ?? effect.bundle?.discountBps ?? 0, effect.discountAmount ?? 0,
      effect.cheapestFree ?? 0);
    const items = effect.bundle?.items ?? [];
    out.push(items.length);
    for (const item of items) {
      filter(item);
      out.push(item.qty);
    }
    out.push(effect.pointsMultiplierBps ?? -1, effect.bonusPoints ?? 0, effect.freeShipping ? 1 : 0);
    out.push(c.limits?.perCustomer ?? 0, c.limits?.totalUses !== undefined ? 1 : 0, c.limits?.budget !== undefined ? 1 : 0);
    out.push(reward ? 1 : 0, kind === EFFECT_TOP_UNITS ? 1 : 0);
  });
  out[stringsSlot] = strings.size;
  return { program, flat: Float64Array.from(out), strings, campaigns, tierIds };
}
