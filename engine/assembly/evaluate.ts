// One evaluation, in docs/program.md's order: campaigns by priority, the tier discount, points payment,
// earning, then the result with nudges.
import {
  EFFECT_AMOUNT, EFFECT_BUNDLE, EFFECT_CHEAPEST_FREE, EFFECT_NONE, EFFECT_PERCENT, EFFECT_TOP_UNITS, LINE_SLOTS,
  NUDGE_TIER, RESULT_APPLIED_COUNT, RESULT_DISCOUNT, RESULT_ENTRY_COUNT, RESULT_ERROR_LINE, RESULT_FREE_SHIPPING,
  RESULT_HEADER_SLOTS, RESULT_MAX_REDEEMABLE, RESULT_NUDGE_COUNT, RESULT_POINTS_EARNED, RESULT_POINTS_SPENT,
  RESULT_POINTS_SPENT_AMOUNT, RESULT_PURCHASE_POINTS, RESULT_SHIPPING, RESULT_STATUS, RESULT_SUBTOTAL, RESULT_TIER,
  RESULT_TOTAL, ENTRY_SLOTS, APPLIED_SLOTS, NUDGE_SLOTS, STATUS_OK, STATUS_POINTS_RANGE,
} from "../layout";
import { campaignHolds } from "./conditions";
import { percentOff, amountOff, applyPercentOff } from "./effects/discount";
import { cheapestFree, bundle, topUnits } from "./effects/units";
import { earn } from "./earn";
import { allocate } from "./allocation";
import { min64 } from "./math";
import { Campaign, campaigns, tiers, paused } from "./program";
import {
  lineCount, amount, remaining, pointsPaid, pointsEarned, multiplier, claimed, spend, shipping, subtotal, budgetLeft,
  readLines,
} from "./receipt";
import { redeem, maxRedeemable, pointsSpent, pointsSpentAmount } from "./redeem";
import { selected, selectedCount, lineDiscount } from "./scratch";
import { selectTargets, resetClaims, claimSelected } from "./selection";
import { unfiltered, firstItemSlot, clearActive, activate, beginMatching, matchLine } from "./targets";
import {
  resetOutput, reserveEntries, addEntry, addApplied, addNudge, beginOutput, header,
  writeLists, writeLine, entryCount, appliedCount, nudgeCount, setAppliedPoints,
} from "./output";

const MAX_MULTIPLIER: i64 = 1_000_000;
let holding = new StaticArray<bool>(0);
let discountTotal: i64 = 0;
let bonusTotal: i64 = 0;
let freeShipping = false;

function tierFor(spent: i64): i32 {
  let tier = -1;
  for (let t = 0; t < tiers.length; t++) if (unchecked(tiers[t]).from <= spent) tier = t;
  return tier;
}

function computeDiscount(c: Campaign, index: i32): void {
  if (c.effect == EFFECT_PERCENT) {
    percentOff(c.discountBps, c.basisOriginal);
    return;
  }
  if (c.effect == EFFECT_AMOUNT) {
    amountOff(c.discountAmount);
    return;
  }
  for (let s = 0; s < selectedCount; s++) unchecked((lineDiscount[selected[s]] = 0));
  if (c.effect == EFFECT_CHEAPEST_FREE) cheapestFree(c.cheapestFree, c.basisOriginal);
  else if (c.effect == EFFECT_BUNDLE) bundle(c, index);
  else if (c.effect == EFFECT_TOP_UNITS) topUnits(c.topUnits, c.discountBps, c.basisOriginal);
}

/** Caps the campaign's discount at the budget left, re-split over its lines by largest remainder. */
function capToBudget(c: Campaign, index: i32, total: i64): i64 {
  if (!c.hasBudget) return total;
  const left = unchecked(budgetLeft[index]);
  if (left < 0 || total <= left) return total;
  allocate(left, lineDiscount, selected, selectedCount, lineDiscount);
  return left;
}

function commitDiscount(index: i32, c: Campaign): i64 {
  if (c.effect == EFFECT_PERCENT && !c.hasBudget) return applyPercentOff(c.discountBps, c.basisOriginal, index);
  computeDiscount(c, index);
  let total: i64 = 0;
  for (let s = 0; s < selectedCount; s++) total += unchecked(lineDiscount[selected[s]]);
  total = capToBudget(c, index, total);
  reserveEntries(selectedCount);
  for (let s = 0; s < selectedCount; s++) {
    const line = unchecked(selected[s]);
    const d = unchecked(lineDiscount[line]);
    if (d > 0) {
      unchecked((remaining[line] -= d));
      addEntry(line, index, d);
    }
  }
  return total;
}

function applyCampaign(c: Campaign, index: i32): void {
  const total = c.effect != EFFECT_NONE ? commitDiscount(index, c) : 0;
  if (c.multiplierBps >= 0) {
    const m = c.multiplierBps;
    for (let s = 0; s < selectedCount; s++) {
      const line = unchecked(selected[s]);
      unchecked((multiplier[line] = min64(MAX_MULTIPLIER, (unchecked(multiplier[line]) * m) / 10000)));
    }
  }
  if (c.exclusive) claimSelected(selected, selectedCount);
  discountTotal += total;
  bonusTotal += c.bonusPoints;
  if (c.freeShipping) freeShipping = true;
  addApplied(index, total, c.bonusPoints);
}

function applyTierDiscount(tier: i32): void {
  if (tier < 0) return;
  const t = unchecked(tiers[tier]);
  if (t.freeShipping) freeShipping = true;
  const bps = t.discountBps;
  if (bps <= 0) return;
  reserveEntries(lineCount);
  let total: i64 = 0;
  for (let i = 0; i < lineCount; i++) {
    if (unchecked(claimed[i])) continue;
    const d = (unchecked(remaining[i]) * bps) / 10000;
    if (d <= 0) continue;
    unchecked((remaining[i] -= d));
    addEntry(i, -1 - tier, d);
    total += d;
  }
  discountTotal += total;
  if (total > 0) addApplied(-1 - tier, total, 0);
}

/** Decides which campaigns hold before the lines are read, so only their filters are matched. */
function prepareCampaigns(tier: i32): void {
  if (holding.length < campaigns.length) holding = new StaticArray<bool>(campaigns.length);
  clearActive();
  if (paused) return;
  for (let index = 0; index < campaigns.length; index++) {
    const c = unchecked(campaigns[index]);
    const holds = campaignHolds(c, index, tier);
    unchecked((holding[index] = holds));
    if (!holds) continue;
    if (!unchecked(unfiltered[index])) activate(index);
    const item = unchecked(firstItemSlot[index]);
    for (let k = 0; k < c.bundleItems.length; k++) activate(item + k);
  }
}

function applyCampaigns(): void {
  for (let index = 0; index < campaigns.length; index++) {
    if (!unchecked(holding[index])) continue;
    const c = unchecked(campaigns[index]);
    if (selectTargets(c, index)) applyCampaign(c, index);
  }
}

function reset(): void {
  resetOutput();
  discountTotal = 0;
  bonusTotal = 0;
  freeShipping = false;
  resetClaims();
}

/** Evaluates the receipt read by readReceipt; writes the output buffer; returns a status. */
export function evaluate(): i32 {
  const tier = tierFor(spend);
  prepareCampaigns(tier);
  beginMatching();
  const status = readLines(matchLine);
  if (status != STATUS_OK) return status;
  reset();
  let earned: i64 = 0;
  if (!paused) {
    if (tier + 1 < tiers.length) addNudge(NUDGE_TIER, tier + 1, unchecked(tiers[tier + 1]).from - spend, 0);
    applyCampaigns();
    applyTierDiscount(tier);
    redeem(subtotal - discountTotal);
    if (subtotal - discountTotal - pointsSpentAmount > 0) {
      earned = earn(tier >= 0 ? unchecked(tiers[tier]).rateBps : -1);
      if (earned < 0) return STATUS_POINTS_RANGE;
    } else {
      // A receipt that pays nothing earns nothing, bonus points included.
      for (let i = 0; i < lineCount; i++) unchecked((pointsEarned[i] = 0));
      bonusTotal = 0;
      for (let k = 0; k < appliedCount; k++) setAppliedPoints(k, 0);
    }
  } else {
    redeem(0);
    for (let i = 0; i < lineCount; i++) unchecked((pointsEarned[i] = 0));
  }
  const shippingCharged = freeShipping ? 0 : shipping;
  const lineEnd = RESULT_HEADER_SLOTS + lineCount * LINE_SLOTS;
  beginOutput(lineEnd + entryCount * ENTRY_SLOTS + appliedCount * APPLIED_SLOTS + nudgeCount * NUDGE_SLOTS);
  for (let i = 0; i < lineCount; i++) {
    const a = unchecked(amount[i]);
    writeLine(RESULT_HEADER_SLOTS + i * LINE_SLOTS, a, a - unchecked(remaining[i]), unchecked(pointsPaid[i]), unchecked(pointsEarned[i]));
  }
  const nudgesWritten = writeLists(lineEnd, freeShipping);
  header(RESULT_STATUS, <f64>STATUS_OK);
  header(RESULT_ERROR_LINE, -1);
  header(RESULT_SUBTOTAL, <f64>subtotal);
  header(RESULT_DISCOUNT, <f64>discountTotal);
  header(RESULT_POINTS_SPENT, <f64>pointsSpent);
  header(RESULT_POINTS_SPENT_AMOUNT, <f64>pointsSpentAmount);
  header(RESULT_MAX_REDEEMABLE, <f64>maxRedeemable);
  header(RESULT_SHIPPING, <f64>shippingCharged);
  header(RESULT_TOTAL, <f64>(subtotal - discountTotal - pointsSpentAmount + shippingCharged));
  header(RESULT_POINTS_EARNED, <f64>(earned + bonusTotal));
  header(RESULT_FREE_SHIPPING, freeShipping ? 1 : 0);
  header(RESULT_TIER, <f64>tier);
  header(RESULT_ENTRY_COUNT, <f64>entryCount);
  header(RESULT_APPLIED_COUNT, <f64>appliedCount);
  header(RESULT_NUDGE_COUNT, <f64>nudgesWritten);
  header(RESULT_PURCHASE_POINTS, <f64>earned);
  return STATUS_OK;
}
