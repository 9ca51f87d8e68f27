// Stable ordering of line indices by price, for the effects that pick units by price
// (cheapest-free, bundles). Input lists are in line order and the sort is stable, so equal prices keep
// line order: "ties: earlier line first".
import { MAX_LINES } from "./receipt";

const buffer = new StaticArray<i32>(MAX_LINES);

@inline function first(key: StaticArray<i64>, a: i32, b: i32, descending: bool): bool {
  // Whether line a must come strictly before line b.
  const ka = unchecked(key[a]);
  const kb = unchecked(key[b]);
  return descending ? ka > kb : ka < kb;
}

/** Sorts lines[0..n) (line indices, in line order) by key[line]; stable. */
export function sortLines(lines: StaticArray<i32>, n: i32, key: StaticArray<i64>, descending: bool): void {
  if (n < 2) return;
  if (n <= 12) {
    for (let i = 1; i < n; i++) {
      const v = unchecked(lines[i]);
      let j = i - 1;
      while (j >= 0 && first(key, v, unchecked(lines[j]), descending)) {
        unchecked((lines[j + 1] = lines[j]));
        j--;
      }
      unchecked((lines[j + 1] = v));
    }
    return;
  }
  let src = lines;
  let dst = buffer;
  for (let width = 1; width < n; width <<= 1) {
    for (let lo = 0; lo < n; lo += width << 1) {
      const mid = min(lo + width, n);
      const hi = min(lo + (width << 1), n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (first(key, unchecked(src[j]), unchecked(src[i]), descending)) unchecked((dst[k++] = src[j++]));
        else unchecked((dst[k++] = src[i++]));
      }
      while (i < mid) unchecked((dst[k++] = src[i++]));
      while (j < hi) unchecked((dst[k++] = src[j++]));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src != lines) memory.copy(changetype<usize>(lines), changetype<usize>(src), <usize>n << 2);
}
