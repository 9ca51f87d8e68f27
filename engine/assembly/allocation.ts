// Largest-remainder allocation (docs/program.md, evaluation step 2): an amount is split over lines in
// proportion to weights; each line gets the floor of its exact share, and the units left over go to the
// lines with the largest fractional parts, ties to the earliest line. The shares add up exactly.
import { mulDivFloor, divRemainder } from "./math";
import { MAX_LINES } from "./receipt";

/** Remainder of each selected line's exact share (numerator mod denominator). */
export const remainders = new StaticArray<u64>(MAX_LINES);
const work = new StaticArray<u64>(MAX_LINES);

/** The k-th largest (k ≥ 1) of work[0..n), by deterministic quickselect. */
function kthLargest(n: i32, k: i32): u64 {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = unchecked(work[(lo + hi) >>> 1]);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (unchecked(work[i]) > pivot) i++;
      while (unchecked(work[j]) < pivot) j--;
      if (i <= j) {
        const t = unchecked(work[i]);
        unchecked((work[i] = work[j]));
        unchecked((work[j] = t));
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return unchecked(work[target]);
}

const bucketOf = new StaticArray<u8>(MAX_LINES);
const histogram = new StaticArray<i32>(256);
const ties = new StaticArray<i32>(MAX_LINES);

/**
 * Adds one unit to the `leftover` selected lines with the largest `remainders` (ties: earliest line).
 * `selected[0..n)` are line indices in line order; `remainders[k]` (< `denominator`) belongs to `selected[k]`.
 * Remainders are first sorted into 256 buckets by their leading fraction (monotone in the remainder), so only
 * the lines of the one bucket the cut falls in are compared exactly.
 */
export function giveLeftover(leftover: i64, selected: StaticArray<i32>, n: i32, out: StaticArray<i64>, denominator: u64): void {
  if (leftover <= 0 || n == 0) return;
  const k = <i32>leftover;
  if (k >= n) {
    for (let s = 0; s < n; s++) unchecked((out[selected[s]] += 1));
    return;
  }
  memory.fill(changetype<usize>(histogram), 0, 256 << 2);
  const fine = denominator < (<u64>1 << 55);
  const coarse = (denominator >> 8) + 1;
  for (let s = 0; s < n; s++) {
    const r = unchecked(remainders[s]);
    const bucket = <i32>(fine ? (r << 8) / denominator : r / coarse);
    unchecked((bucketOf[s] = <u8>bucket));
    unchecked((histogram[bucket] += 1));
  }
  let above = 0;
  let cut = 255;
  while (above + unchecked(histogram[cut]) < k) above += unchecked(histogram[cut--]);
  let need = k - above;
  let m = 0;
  for (let s = 0; s < n; s++) {
    const bucket = <i32>unchecked(bucketOf[s]);
    if (bucket > cut) unchecked((out[selected[s]] += 1));
    else if (bucket == cut) unchecked((ties[m++] = s));
  }
  if (need == m) {
    for (let t = 0; t < m; t++) unchecked((out[selected[ties[t]]] += 1));
    return;
  }
  for (let t = 0; t < m; t++) unchecked((work[t] = remainders[ties[t]]));
  const threshold = kthLargest(m, need);
  for (let t = 0; t < m; t++) {
    const s = unchecked(ties[t]);
    if (unchecked(remainders[s]) > threshold) {
      unchecked((out[selected[s]] += 1));
      need--;
    }
  }
  for (let t = 0; t < m && need > 0; t++) {
    const s = unchecked(ties[t]);
    if (unchecked(remainders[s]) == threshold) {
      unchecked((out[selected[s]] += 1));
      need--;
    }
  }
}

/**
 * Splits `total` over the selected lines in proportion to `weights[line]`, writing `out[line]`
 * (overwritten). Requires total ≤ Σ weights or Σ weights > 0; with Σ weights = 0 every share is 0.
 */
export function allocate(total: i64, weights: StaticArray<i64>, selected: StaticArray<i32>, n: i32, out: StaticArray<i64>): void {
  let sum: u64 = 0;
  for (let s = 0; s < n; s++) sum += <u64>unchecked(weights[selected[s]]);
  if (sum == 0 || total <= 0) {
    for (let s = 0; s < n; s++) unchecked((out[selected[s]] = 0));
    return;
  }
  let given: i64 = 0;
  for (let s = 0; s < n; s++) {
    const line = unchecked(selected[s]);
    const share = <i64>mulDivFloor(<u64>total, <u64>unchecked(weights[line]), sum);
    unchecked((remainders[s] = divRemainder));
    unchecked((out[line] = share));
    given += share;
  }
  giveLeftover(total - given, selected, n, out, sum);
}
