// Effects that pick individual units by price: "every N-th cheapest unit free" and repeating bundles.
// Units of one line share a price, so lines are handled with unit counts, never unit by unit.
import { Campaign } from "../program";
import { price, qty, remaining, claimed, MAX_LINES } from "../receipt";
import { selected, selectedCount, lineDiscount, ordered, targetStamp, inTarget, wholeReceipt } from "../scratch";
import { sortLines } from "../sort";
import { firstItemSlot, listLength, listLine } from "../targets";
import { mulDivFloor, min64 } from "../math";

const picked = new StaticArray<i64>(MAX_LINES);
const available = new StaticArray<i64>(MAX_LINES);
const roundTake = new StaticArray<i64>(MAX_LINES);
const roundLines = new StaticArray<i32>(MAX_LINES);
const MAX_ITEMS: i32 = 10;
/** Each bundle item's qualifying target lines, most expensive first: itemLines[item × MAX_LINES + k]. */
const itemLines = new StaticArray<i32>(MAX_ITEMS * MAX_LINES);
const itemCount = new StaticArray<i32>(MAX_ITEMS);
const cursor = new StaticArray<i32>(MAX_ITEMS);
const scratchLines = new StaticArray<i32>(MAX_LINES);

/** Discount for `units` picked units of a line at `bps` of their price or of their share of what is left. */
function unitsDiscount(line: i32, units: i64, bps: i64, original: bool): i64 {
  const left = unchecked(remaining[line]);
  if (units == 0) return 0;
  if (original) return min64(left, (unchecked(price[line]) * units * bps) / 10000);
  return min64(left, <i64>mulDivFloor(<u64>(left * bps), <u64>units, <u64>(unchecked(qty[line]) * 10000)));
}

/** With u target units, the floor(u / n) cheapest are free (ties: earlier line). */
export function cheapestFree(n: i64, original: bool): void {
  let units: i64 = 0;
  for (let s = 0; s < selectedCount; s++) units += unchecked(qty[selected[s]]);
  let free = units / n;
  if (free == 0) return;
  for (let s = 0; s < selectedCount; s++) unchecked((ordered[s] = selected[s]));
  sortLines(ordered, selectedCount, price, false);
  for (let s = 0; s < selectedCount && free > 0; s++) {
    const line = unchecked(ordered[s]);
    const take = min64(free, unchecked(qty[line]));
    free -= take;
    unchecked((lineDiscount[line] = unitsDiscount(line, take, 10000, original)));
  }
}

/** `bps` off the `n` most expensive target units (ties: earlier line first). */
export function topUnits(n: i64, bps: i64, original: bool): void {
  for (let s = 0; s < selectedCount; s++) unchecked((ordered[s] = selected[s]));
  sortLines(ordered, selectedCount, price, true);
  let left = n;
  for (let s = 0; s < selectedCount && left > 0; s++) {
    const line = unchecked(ordered[s]);
    const take = min64(left, unchecked(qty[line]));
    left -= take;
    unchecked((lineDiscount[line] = unitsDiscount(line, take, bps, original)));
  }
}

/**
 * Repeating bundles: each set takes, item by item, the `qty` most expensive unused qualifying units;
 * a set counts only when every item is filled. Identical consecutive sets are taken in one round, so the
 * work depends on the number of lines, not of units.
 */
export function bundle(c: Campaign, index: i32): void {
  const items = min(c.bundleItems.length, MAX_ITEMS);
  const stamp = targetStamp();
  let touched = 0;
  for (let it = 0; it < items; it++) {
    const slot = unchecked(firstItemSlot[index]) + it;
    let n = 0;
    const count = listLength(slot);
    for (let k = 0; k < count; k++) {
      const line = listLine(slot, k);
      if (wholeReceipt ? unchecked(claimed[line]) : unchecked(inTarget[line]) != stamp) continue;
      unchecked((scratchLines[n++] = line));
      unchecked((available[line] = qty[line]));
      unchecked((picked[line] = 0));
      unchecked((roundTake[line] = 0));
    }
    if (n == 0) return; // an item nothing can fill: no set
    sortLines(scratchLines, n, price, true);
    memory.copy(changetype<usize>(itemLines) + (<usize>(it * MAX_LINES) << 2), changetype<usize>(scratchLines), <usize>n << 2);
    unchecked((itemCount[it] = n));
    unchecked((cursor[it] = 0));
    touched += n;
  }
  while (true) {
    let roundCount = 0;
    let complete = true;
    for (let it = 0; it < items && complete; it++) {
      let need = unchecked(c.bundleItems[it]).qty;
      const base = it * MAX_LINES;
      const n = unchecked(itemCount[it]);
      let k = unchecked(cursor[it]);
      // Lines emptied in earlier rounds stay empty: skip them for good.
      while (k < n && unchecked(available[itemLines[base + k]]) == 0) k++;
      unchecked((cursor[it] = k));
      for (; k < n && need > 0; k++) {
        const line = unchecked(itemLines[base + k]);
        const take = min64(need, unchecked(available[line]) - unchecked(roundTake[line]));
        if (take <= 0) continue;
        if (unchecked(roundTake[line]) == 0) unchecked((roundLines[roundCount++] = line));
        unchecked((roundTake[line] += take));
        need -= take;
      }
      if (need > 0) complete = false;
    }
    let repeat: i64 = i64.MAX_VALUE;
    for (let r = 0; r < roundCount; r++) {
      const line = unchecked(roundLines[r]);
      repeat = min64(repeat, unchecked(available[line]) / unchecked(roundTake[line]));
    }
    for (let r = 0; r < roundCount; r++) {
      const line = unchecked(roundLines[r]);
      if (complete) {
        const units = repeat * unchecked(roundTake[line]);
        unchecked((available[line] -= units));
        unchecked((picked[line] += units));
      }
      unchecked((roundTake[line] = 0));
    }
    if (!complete || roundCount == 0) break;
  }
  for (let it = 0; it < items; it++) {
    const base = it * MAX_LINES;
    for (let k = 0; k < unchecked(itemCount[it]); k++) {
      const line = unchecked(itemLines[base + k]);
      const units = unchecked(picked[line]);
      if (units > 0) {
        unchecked((lineDiscount[line] = unitsDiscount(line, units, c.discountBps, c.basisOriginal)));
        unchecked((picked[line] = 0)); // a line listed under several items is discounted once
      }
    }
  }
  void touched;
}
