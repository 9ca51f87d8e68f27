// Target line selection (docs/program.md, evaluation step 2): a campaign's filter lines, less those claimed by
// higher-priority exclusive campaigns and, with `boughtTargetBefore`, lines never bought before.
import { EFFECT_BUNDLE, EFFECT_NONE, NUDGE_CAMPAIGN, NUDGE_FREE_SHIPPING } from "../layout";
import { Campaign } from "./program";
import {
  lineCount, sku, catPtr, catCount, amount, qty, claimed, subtotal, totalUnits, boughtSkuMark, boughtCategoryMark,
  currentBoughtStamp, MAX_LINES,
} from "./receipt";
import { selected, setSelection, beginSelection, stampSelection, setWholeReceipt } from "./scratch";
import { unfiltered, listLength, listLine, copyList } from "./targets";
import { addNudge } from "./output";

/** 0, 1, 2, … : copied to make "every line" a selection in one bulk copy. */
const everyLine = new StaticArray<i32>(MAX_LINES);
for (let i = 0; i < MAX_LINES; i++) everyLine[i] = i;

/** Totals of the lines claimed by exclusive campaigns so far. */
export let claimedCount: i32 = 0;
let claimedAmount: i64 = 0;
let claimedUnits: i64 = 0;
/** The lines no exclusive campaign has claimed, in line order. */
const unclaimed = new StaticArray<i32>(MAX_LINES);
let unclaimedCount: i32 = 0;

function boughtBefore(line: i32): bool {
  const stamp = currentBoughtStamp();
  const id = unchecked(sku[line]);
  if (<u32>id < <u32>boughtSkuMark.length && unchecked(boughtSkuMark[id]) == stamp) return true;
  const start = unchecked(catPtr[line]);
  const count = unchecked(catCount[line]);
  for (let k = 0; k < count; k++) {
    const cat = load<i32>(start + (<usize>k << 2));
    if (<u32>cat < <u32>boughtCategoryMark.length && unchecked(boughtCategoryMark[cat]) == stamp) return true;
  }
  return false;
}

/** Whether applying the campaign touches lines one by one (or only needs the target's totals). */
function needsLines(c: Campaign): bool {
  return c.effect != EFFECT_NONE || c.multiplierBps >= 0 || c.exclusive;
}

/**
 * Selects the campaign's target lines: its filter's lines (or every line), less those claimed by an
 * exclusive campaign and, with `boughtTargetBefore`, those never bought before. Returns false when the
 * campaign does not apply — with a nudge when only minSubtotal/minQty are missing.
 */
export function selectTargets(c: Campaign, index: i32): bool {
  beginSelection();
  const all = unchecked(unfiltered[index]);
  let n: i32 = 0;
  let originalSum: i64 = 0;
  let units: i64 = 0;
  setWholeReceipt(all && !c.boughtTargetBefore);
  if (all && !c.boughtTargetBefore) {
    // Every unclaimed line: the totals are known, the lines are one bulk copy (when needed at all).
    n = unclaimedCount;
    originalSum = subtotal - claimedAmount;
    units = totalUnits - claimedUnits;
    if (needsLines(c)) setSelection(unclaimed, n);
  } else {
    n = all ? lineCount : copyList(index, selected);
    if (all) setSelection(everyLine, n);
    if (c.boughtTargetBefore || claimedCount > 0) {
      // Drop claimed lines (and, with boughtTargetBefore, lines never bought) from the list.
      let kept = 0;
      if (c.boughtTargetBefore) {
        for (let s = 0; s < n; s++) {
          const line = unchecked(selected[s]);
          if (!unchecked(claimed[line]) && boughtBefore(line)) unchecked((selected[kept++] = line));
        }
      } else {
        for (let s = 0; s < n; s++) {
          const line = unchecked(selected[s]);
          unchecked((selected[kept] = line));
          kept += <i32>!unchecked(claimed[line]);
        }
      }
      n = kept;
    }
    setSelection(selected, n);
    if (c.minSubtotal > 0 || c.minQty > 0) {
      for (let s = 0; s < n; s++) {
        const line = unchecked(selected[s]);
        originalSum += unchecked(amount[line]);
        units += unchecked(qty[line]);
      }
    }
    if (c.effect == EFFECT_BUNDLE) stampSelection();
  }
  const amountLeft = c.minSubtotal > originalSum ? c.minSubtotal - originalSum : 0;
  const qtyLeft = c.minQty > units ? c.minQty - units : 0;
  if (amountLeft > 0 || qtyLeft > 0) {
    addNudge(c.freeShipping ? NUDGE_FREE_SHIPPING : NUDGE_CAMPAIGN, index, amountLeft, qtyLeft);
    return false;
  }
  return n > 0;
}


/** Starts a receipt: nothing claimed yet. */
export function resetClaims(): void {
  claimedCount = 0;
  claimedAmount = 0;
  claimedUnits = 0;
  memory.copy(changetype<usize>(unclaimed), changetype<usize>(everyLine), <usize>lineCount << 2);
  unclaimedCount = lineCount;
}

/** An exclusive campaign claims the selected lines: later campaigns and the tier discount skip them. */
export function claimSelected(lines: StaticArray<i32>, n: i32): void {
  for (let s = 0; s < n; s++) {
    const line = unchecked(lines[s]);
    unchecked((claimed[line] = true));
    claimedAmount += unchecked(amount[line]);
    claimedUnits += unchecked(qty[line]);
  }
  claimedCount += n;
  let kept = 0;
  for (let k = 0; k < unclaimedCount; k++) {
    const line = unchecked(unclaimed[k]);
    unchecked((unclaimed[kept] = line));
    kept += <i32>!unchecked(claimed[line]);
  }
  unclaimedCount = kept;
}
