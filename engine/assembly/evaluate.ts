// One evaluation, in program.md's order: campaigns by priority, the tier discount, points payment,
// earning, then the result with nudges.
import { campaignHolds } from "./conditions";
import { percentOff, amountOff } from "./effects/discount";
import { cheapestFree, bundle } from "./effects/units";
import { earn } from "./earn";
import { allocate } from "./allocation";
import { min64 } from "./math";
import {
  Campaign, campaigns, tiers, paused, EFFECT_PERCENT, EFFECT_AMOUNT, EFFECT_CHEAPEST_FREE, EFFECT_BUNDLE,
} from "./program";
import {
  lineCount, sku, catStart, catCount, idPool, amount, remaining, qty, pointsPaid, pointsEarned, multiplier,
  claimed, spend, shipping, subtotal, budgetLeft, boughtSkuMark, boughtCategoryMark, currentBoughtStamp,
  OK, ERR_POINTS_RANGE,
} from "./receipt";
import { redeem, maxRedeemable, pointsSpent, pointsSpentAmount } from "./redeem";
import { selected, selectedCount, setSelectedCount, lineDiscount } from "./scratch";
import { useFilter, lineMatches } from "./targets";
import {
  HEADER_SIZE, NUDGE_TIER, NUDGE_CAMPAIGN, NUDGE_FREE_SHIPPING, resetOutput, addEntry, addApplied, addNudge,
  beginOutput, header, writeLists, writeLine, entryCount, appliedCount, nudgeCount,
} from "./output";

const MAX_MULTIPLIER: i64 = 1_000_000;

let discountTotal: i64 = 0;
let bonusTotal: i64 = 0;
let freeShipping = false;

function tierFor(spent: i64): i32 {
  let tier = -1;
  for (let t = 0; t < tiers.length; t++) if (unchecked(tiers[t]).from <= spent) tier = t;
  return tier;
}

function boughtBefore(line: i32): bool {
  const stamp = currentBoughtStamp();
  const id = unchecked(sku[line]);
  if (id > 0 && id < boughtSkuMark.length && unchecked(boughtSkuMark[id]) == stamp) return true;
  const start = unchecked(catStart[line]);
  const count = unchecked(catCount[line]);
  for (let k = 0; k < count; k++) {
    const cat = unchecked(idPool[start + k]);
    if (cat > 0 && cat < boughtCategoryMark.length && unchecked(boughtCategoryMark[cat]) == stamp) return true;
  }
  return false;
}

/** Selects the campaign's target lines; returns false with a nudge when only minSubtotal/minQty fail. */
function selectTargets(c: Campaign, index: i32): bool {
  useFilter(c.target);
  let n = 0;
  let originalSum: i64 = 0;
  let units: i64 = 0;
  for (let i = 0; i < lineCount; i++) {
    if (unchecked(claimed[i]) || !lineMatches(i)) continue;
    if (c.boughtTargetBefore && !boughtBefore(i)) continue;
    unchecked((selected[n++] = i));
    originalSum += unchecked(amount[i]);
    units += unchecked(qty[i]);
  }
  setSelectedCount(n);
  const amountLeft = c.minSubtotal > originalSum ? c.minSubtotal - originalSum : 0;
  const qtyLeft = c.minQty > units ? c.minQty - units : 0;
  if (amountLeft > 0 || qtyLeft > 0) {
    addNudge(c.freeShipping ? NUDGE_FREE_SHIPPING : NUDGE_CAMPAIGN, index, amountLeft, qtyLeft);
    return false;
  }
  return n > 0;
}

function computeDiscount(c: Campaign): void {
  for (let s = 0; s < selectedCount; s++) unchecked((lineDiscount[selected[s]] = 0));
  if (c.effect == EFFECT_PERCENT) percentOff(c.discountBps, c.basisOriginal);
  else if (c.effect == EFFECT_AMOUNT) amountOff(c.discountAmount);
  else if (c.effect == EFFECT_CHEAPEST_FREE) cheapestFree(c.cheapestFree, c.basisOriginal);
  else if (c.effect == EFFECT_BUNDLE) bundle(c);
}

/** Caps the campaign's discount at the budget left, re-split over its lines by largest remainder. */
function capToBudget(c: Campaign, index: i32, total: i64): i64 {
  if (!c.hasBudget) return total;
  const left = unchecked(budgetLeft[index]);
  if (left < 0 || total <= left) return total;
  allocate(left, lineDiscount, selected, selectedCount, lineDiscount);
  return left;
}

function applyCampaign(c: Campaign, index: i32): void {
  computeDiscount(c);
  let total: i64 = 0;
  for (let s = 0; s < selectedCount; s++) total += unchecked(lineDiscount[selected[s]]);
  total = capToBudget(c, index, total);
  for (let s = 0; s < selectedCount; s++) {
    const line = unchecked(selected[s]);
    const d = unchecked(lineDiscount[line]);
    if (d > 0) {
      unchecked((remaining[line] -= d));
      addEntry(line, index, d);
    }
    if (c.multiplierBps >= 0) {
      unchecked((multiplier[line] = min64(MAX_MULTIPLIER, (unchecked(multiplier[line]) * c.multiplierBps) / 10000)));
    }
    if (c.exclusive) unchecked((claimed[line] = true));
  }
  discountTotal += total;
  bonusTotal += c.bonusPoints;
  if (c.freeShipping) freeShipping = true;
  addApplied(index, total, c.bonusPoints);
}

function applyTierDiscount(tier: i32): void {
  if (tier < 0) return;
  const t = unchecked(tiers[tier]);
  if (t.freeShipping) freeShipping = true;
  if (t.discountBps <= 0) return;
  let total: i64 = 0;
  for (let i = 0; i < lineCount; i++) {
    if (unchecked(claimed[i])) continue;
    const d = (unchecked(remaining[i]) * t.discountBps) / 10000;
    if (d <= 0) continue;
    unchecked((remaining[i] -= d));
    addEntry(i, -1 - tier, d);
    total += d;
  }
  discountTotal += total;
  if (total > 0) addApplied(-1 - tier, total, 0);
}

/** Evaluates the receipt read by readReceipt; writes the output buffer; returns a status. */
export function evaluate(): i32 {
  resetOutput();
  discountTotal = 0;
  bonusTotal = 0;
  freeShipping = false;
  const tier = tierFor(spend);
  let earned: i64 = 0;
  if (!paused) {
    if (tier + 1 < tiers.length) {
      addNudge(NUDGE_TIER, tier + 1, unchecked(tiers[tier + 1]).from - spend, 0);
    }
    for (let index = 0; index < campaigns.length; index++) {
      const c = unchecked(campaigns[index]);
      if (!campaignHolds(c, index, tier)) continue;
      if (!selectTargets(c, index)) continue;
      applyCampaign(c, index);
    }
    applyTierDiscount(tier);
    redeem(subtotal - discountTotal);
    earned = earn(tier >= 0 ? unchecked(tiers[tier]).rateBps : -1);
    if (earned < 0) return ERR_POINTS_RANGE;
  } else {
    redeem(0);
    for (let i = 0; i < lineCount; i++) unchecked((pointsEarned[i] = 0));
  }
  const shippingCharged = freeShipping ? 0 : shipping;
  const lineEnd = HEADER_SIZE + lineCount * 4;
  beginOutput(lineEnd + entryCount * 3 + appliedCount * 3 + nudgeCount * 4);
  for (let i = 0; i < lineCount; i++) {
    const a = unchecked(amount[i]);
    writeLine(HEADER_SIZE + i * 4, a, a - unchecked(remaining[i]), unchecked(pointsPaid[i]), unchecked(pointsEarned[i]));
  }
  const nudgesWritten = writeLists(lineEnd, freeShipping);
  header(0, <f64>OK);
  header(1, -1);
  header(2, <f64>subtotal);
  header(3, <f64>discountTotal);
  header(4, <f64>pointsSpent);
  header(5, <f64>pointsSpentAmount);
  header(6, <f64>maxRedeemable);
  header(7, <f64>shippingCharged);
  header(8, <f64>(subtotal - discountTotal - pointsSpentAmount + shippingCharged));
  header(9, <f64>(earned + bonusTotal));
  header(10, freeShipping ? 1 : 0);
  header(11, <f64>tier);
  header(12, <f64>entryCount);
  header(13, <f64>appliedCount);
  header(14, <f64>nudgesWritten);
  header(15, <f64>earned);
  return OK;
}
