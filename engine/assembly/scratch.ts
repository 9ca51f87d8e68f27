// Scratch state shared by the evaluation steps of one campaign: its target lines and the discount it
// computes for each of them before the discount is committed.
import { MAX_LINES } from "./receipt";

/** Target lines of the campaign being applied, in line order. */
export const selected = new StaticArray<i32>(MAX_LINES);
export let selectedCount: i32 = 0;
export function setSelectedCount(n: i32): void {
  selectedCount = n;
}
/** Discount the campaign being applied gives each line (indexed by line). */
export const lineDiscount = new StaticArray<i64>(MAX_LINES);
/** Second ordering of the target lines, for effects that pick units by price. */
export const ordered = new StaticArray<i32>(MAX_LINES);
