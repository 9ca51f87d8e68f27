// Scratch state shared by the evaluation steps of one campaign: its target lines and the discount it
// computes for each of them before the discount is committed.
import { MAX_LINES } from "./receipt";

/** Target lines of the campaign being applied, in line order. */
export const selected = new StaticArray<i32>(MAX_LINES);
export let selectedCount: i32 = 0;
/** inTarget[line] == targetStamp() ⇔ the line is a target line of the campaign being applied. */
export const inTarget = new StaticArray<i32>(MAX_LINES);
let stamp: i32 = 0;

export function targetStamp(): i32 {
  return stamp;
}

/** Starts a new selection. */
export function beginSelection(): void {
  selectedCount = 0;
  stamp++;
}

/** Discount the campaign being applied gives each line (indexed by line). */
export const lineDiscount = new StaticArray<i64>(MAX_LINES);
/** Second ordering of the target lines, for effects that pick units by price. */
export const ordered = new StaticArray<i32>(MAX_LINES);

/** Makes `from[0..n)` (lines in line order) the selection. */
export function setSelection(from: StaticArray<i32>, n: i32): void {
  if (from != selected) memory.copy(changetype<usize>(selected), changetype<usize>(from), <usize>n << 2);
  selectedCount = n;
}

/** Marks the selected lines in `inTarget` (for effects that meet lines from other lists). */
export function stampSelection(): void {
  for (let s = 0; s < selectedCount; s++) unchecked((inTarget[selected[s]] = stamp));
}

/** The selection is every unclaimed line of the receipt (check `claimed`, not `inTarget`). */
export let wholeReceipt = false;
export function setWholeReceipt(value: bool): void {
  wholeReceipt = value;
}
