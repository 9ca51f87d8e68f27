// Effects that pick individual units by price: "every N-th cheapest unit free" and repeating bundles.
// Units of one line share a price, so lines are handled with unit counts, never unit by unit.
import { Campaign } from "../program";
import { price, qty, remaining, MAX_LINES } from "../receipt";
import { selected, selectedCount, lineDiscount, ordered } from "../scratch";
import { sortLines } from "../sort";
import { useFilter, lineMatches } from "../targets";
import { mulDivFloor, min64 } from "../math";

/** Units of each line picked by the effect (indexed by line). */
const picked = new StaticArray<i64>(MAX_LINES);
const available = new StaticArray<i64>(MAX_LINES);
const roundTake = new StaticArray<i64>(MAX_LINES);
const roundLines = new StaticArray<i32>(MAX_LINES);
const MAX_ITEMS: i32 = 10;
/** qualifies[item × MAX_LINES + position in `ordered`] */
const qualifies = new StaticArray<bool>(MAX_ITEMS * MAX_LINES);
const cursor = new StaticArray<i32>(MAX_ITEMS);

/** Discount for `units` picked units of a line at `bps` of their price or of their share of what is left. */
function unitsDiscount(line: i32, units: i64, bps: i64, original: bool): i64 {
  const left = unchecked(remaining[line]);
  if (units == 0) return 0;
  if (original) return min64(left, (unchecked(price[line]) * units * bps) / 10000);
  return min64(left, <i64>mulDivFloor(<u64>(left * bps), <u64>units, <u64>(unchecked(qty[line]) * 10000)));
}

function copySelected(): void {
  for (let s = 0; s < selectedCount; s++) unchecked((ordered[s] = selected[s]));
}

/** With u target units, the floor(u / n) cheapest are free (ties: earlier line). */
export function cheapestFree(n: i64, original: bool): void {
  let units: i64 = 0;
  for (let s = 0; s < selectedCount; s++) units += unchecked(qty[selected[s]]);
  let free = units / n;
  copySelected();
  sortLines(ordered, selectedCount, price, false);
  for (let s = 0; s < selectedCount; s++) {
    const line = unchecked(ordered[s]);
    const take = min64(free, unchecked(qty[line]));
    free -= take;
    unchecked((lineDiscount[line] = unitsDiscount(line, take, 10000, original)));
  }
}

/**
 * Repeating bundles: each set takes, item by item, the `qty` most expensive unused qualifying units;
 * a set counts only when every item is filled. Identical consecutive sets are taken in one round, so the
 * work depends on the number of lines, not of units.
 */
export function bundle(c: Campaign): void {
  const items = min(c.bundleItems.length, MAX_ITEMS);
  const n = selectedCount;
  copySelected();
  sortLines(ordered, n, price, true);
  for (let it = 0; it < items; it++) {
    useFilter(unchecked(c.bundleItems[it]).filter);
    for (let s = 0; s < n; s++) unchecked((qualifies[it * MAX_LINES + s] = lineMatches(ordered[s])));
    unchecked((cursor[it] = 0));
  }
  for (let s = 0; s < n; s++) {
    const line = unchecked(ordered[s]);
    unchecked((available[line] = qty[line]));
    unchecked((picked[line] = 0));
    unchecked((roundTake[line] = 0));
  }
  while (items > 0) {
    let roundCount = 0;
    let complete = true;
    for (let it = 0; it < items && complete; it++) {
      let need = unchecked(c.bundleItems[it]).qty;
      let s = unchecked(cursor[it]);
      // Lines emptied in earlier rounds stay empty: skip them for good.
      while (s < n && unchecked(available[ordered[s]]) == 0) s++;
      unchecked((cursor[it] = s));
      for (; s < n && need > 0; s++) {
        if (!unchecked(qualifies[it * MAX_LINES + s])) continue;
        const line = unchecked(ordered[s]);
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
  for (let s = 0; s < n; s++) {
    const line = unchecked(selected[s]);
    unchecked((lineDiscount[line] = unitsDiscount(line, unchecked(picked[line]), c.discountBps, c.basisOriginal)));
  }
}
