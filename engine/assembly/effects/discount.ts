// Discount effects that need no unit picking: percent off each target line and a fixed amount
// allocated over the target lines (docs/program.md, evaluation step 2).
import { allocate } from "../allocation";
import { amount, remaining } from "../receipt";
import { selected, selectedCount, lineDiscount } from "../scratch";
import { min64 } from "../math";
import { reserveEntries, addEntry } from "../output";

/** floor(base × bps / 10000) per line, base = original or remaining amount; never above what is left. */
export function percentOff(bps: i64, original: bool): void {
  for (let s = 0; s < selectedCount; s++) {
    const line = unchecked(selected[s]);
    const left = unchecked(remaining[line]);
    const base = original ? unchecked(amount[line]) : left;
    unchecked((lineDiscount[line] = min64(left, (base * bps) / 10000)));
  }
}

/** A fixed amount (at most what the target lines have left) split in proportion to what each has left. */
export function amountOff(total: i64): void {
  let left: i64 = 0;
  for (let s = 0; s < selectedCount; s++) left += unchecked(remaining[selected[s]]);
  allocate(min64(total, left), remaining, selected, selectedCount, lineDiscount);
}

/** percentOff and its commit in one pass (no budget to cap it): returns the campaign's discount. */
export function applyPercentOff(bps: i64, original: bool, ref: i32): i64 {
  reserveEntries(selectedCount);
  let total: i64 = 0;
  for (let s = 0; s < selectedCount; s++) {
    const line = unchecked(selected[s]);
    const left = unchecked(remaining[line]);
    const d = min64(left, ((original ? unchecked(amount[line]) : left) * bps) / 10000);
    if (d > 0) {
      unchecked((remaining[line] = left - d));
      addEntry(line, ref, d);
      total += d;
    }
  }
  return total;
}
