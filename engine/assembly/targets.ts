// Target filters: which lines a campaign (or a bundle item) is about. A filter is "marked" once per use
// — its ids stamped into per-string arrays — so testing a line costs one load per sku/category/tag.
import { Filter, programStrings } from "./program";
import { sku, catStart, catCount, tagStart, tagCount, idPool } from "./receipt";

let skuMark = new StaticArray<i32>(0);
let categoryMark = new StaticArray<i32>(0);
let tagMark = new StaticArray<i32>(0);
let excludeMark = new StaticArray<i32>(0);
let stamp: i32 = 0;
let needSku = false;
let needCategory = false;
let needTag = false;
let needExclude = false;

/** Sizes the mark arrays for the loaded program's strings. */
export function resetTargets(): void {
  const n = programStrings + 1;
  skuMark = new StaticArray<i32>(n);
  categoryMark = new StaticArray<i32>(n);
  tagMark = new StaticArray<i32>(n);
  excludeMark = new StaticArray<i32>(n);
  stamp = 0;
}

function mark(marks: StaticArray<i32>, ids: StaticArray<i32>): void {
  const n = marks.length;
  for (let k = 0; k < ids.length; k++) {
    const id = unchecked(ids[k]);
    if (id > 0 && id < n) unchecked((marks[id] = stamp));
  }
}

/** Makes `filter` the one `lineMatches` tests. */
export function useFilter(filter: Filter): void {
  stamp++;
  needSku = filter.skus.length > 0;
  needCategory = filter.categories.length > 0;
  needTag = filter.tags.length > 0;
  needExclude = filter.excludeTags.length > 0;
  if (needSku) mark(skuMark, filter.skus);
  if (needCategory) mark(categoryMark, filter.categories);
  if (needTag) mark(tagMark, filter.tags);
  if (needExclude) mark(excludeMark, filter.excludeTags);
}

function anyMarked(marks: StaticArray<i32>, start: i32, count: i32): bool {
  const n = marks.length;
  for (let k = 0; k < count; k++) {
    const id = unchecked(idPool[start + k]);
    if (id < n && unchecked(marks[id]) == stamp) return true;
  }
  return false;
}

/** Whether line i passes the filter set by `useFilter`: every given list matches, no excluded tag. */
export function lineMatches(i: i32): bool {
  if (needSku) {
    const id = unchecked(sku[i]);
    if (id >= skuMark.length || unchecked(skuMark[id]) != stamp) return false;
  }
  if (needCategory && !anyMarked(categoryMark, unchecked(catStart[i]), unchecked(catCount[i]))) return false;
  if (needTag && !anyMarked(tagMark, unchecked(tagStart[i]), unchecked(tagCount[i]))) return false;
  if (needExclude && anyMarked(excludeMark, unchecked(tagStart[i]), unchecked(tagCount[i]))) return false;
  return true;
}

/** Whether line i carries any of `tags` (program string ids). */
export function lineHasAnyTag(i: i32, tags: StaticArray<i32>): bool {
  if (tags.length == 0) return false;
  const start = unchecked(tagStart[i]);
  const count = unchecked(tagCount[i]);
  for (let k = 0; k < count; k++) {
    const id = unchecked(idPool[start + k]);
    for (let t = 0; t < tags.length; t++) if (unchecked(tags[t]) == id) return true;
  }
  return false;
}
