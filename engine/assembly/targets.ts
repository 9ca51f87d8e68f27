// Target filters: which lines each campaign (and each bundle item) is about.
// Every filter gets a "slot" — campaign c is slot c, bundle items follow — and every program string a
// bit set of the slots whose filter lists it, built once per program. A line's matches for all slots
// then cost a few word-wide ORs per sku/category/tag, and each slot's lines are listed once per receipt,
// so a campaign only ever visits its own target lines.
import { Filter, campaigns, programStrings, tagFlags } from "./program";
import { sku, catPtr, catCount, tagPtr, tagCount, lineFlags, MAX_LINES } from "./receipt";

/** Number of filter slots and 64-bit words per slot set. */
export let slotCount: i32 = 0;
let words: i32 = 1;
let skuBits = new StaticArray<u64>(0);
let categoryBits = new StaticArray<u64>(0);
let tagBits = new StaticArray<u64>(0);
let excludeBits = new StaticArray<u64>(0);
/** Slots whose filter does not constrain that dimension. */
let anySku = new StaticArray<u64>(0);
let anyCategory = new StaticArray<u64>(0);
let anyTag = new StaticArray<u64>(0);
/** Per campaign: its target has no list at all (every line). */
export let unfiltered = new StaticArray<bool>(0);
/** Per campaign: the slot of its first bundle item (-1 without a bundle). */
export let firstItemSlot = new StaticArray<i32>(0);
/** Slots to match on this receipt. */
export let activeSlots = new StaticArray<u64>(0);

/** Per slot, its matching lines: listData[slot × MAX_LINES + k] for k < listCount[slot]. */
let listCount = new StaticArray<i32>(0);
let listData = new StaticArray<i32>(0);

function setBit(bits: StaticArray<u64>, row: i32, slot: i32): void {
  const at = row * words + (slot >> 6);
  unchecked((bits[at] |= (<u64>1) << (<u64>(slot & 63))));
}

function setBits(bits: StaticArray<u64>, ids: StaticArray<i32>, slot: i32): void {
  const n = programStrings;
  for (let k = 0; k < ids.length; k++) {
    const id = unchecked(ids[k]);
    if (id > 0 && id <= n) setBit(bits, id, slot);
  }
}

function addFilter(slot: i32, f: Filter): void {
  setBits(skuBits, f.skus, slot);
  setBits(categoryBits, f.categories, slot);
  setBits(tagBits, f.tags, slot);
  setBits(excludeBits, f.excludeTags, slot);
  if (f.skus.length == 0) setBit(anySku, 0, slot);
  if (f.categories.length == 0) setBit(anyCategory, 0, slot);
  if (f.tags.length == 0) setBit(anyTag, 0, slot);
}

/** Builds the per-string slot sets of the loaded program. */
export function buildTargets(): void {
  const c = campaigns.length;
  slotCount = c;
  for (let i = 0; i < c; i++) slotCount += unchecked(campaigns[i]).bundleItems.length;
  words = max(1, (slotCount + 63) >> 6);
  const rows = (programStrings + 1) * words;
  skuBits = new StaticArray<u64>(rows);
  categoryBits = new StaticArray<u64>(rows);
  tagBits = new StaticArray<u64>(rows);
  excludeBits = new StaticArray<u64>(rows);
  anySku = new StaticArray<u64>(words);
  anyCategory = new StaticArray<u64>(words);
  anyTag = new StaticArray<u64>(words);
  activeSlots = new StaticArray<u64>(words);
  unfiltered = new StaticArray<bool>(c);
  firstItemSlot = new StaticArray<i32>(c);
  listCount = new StaticArray<i32>(slotCount);
  listData = new StaticArray<i32>(slotCount * MAX_LINES);
  let next = c;
  for (let i = 0; i < c; i++) {
    const campaign = unchecked(campaigns[i]);
    const t = campaign.target;
    addFilter(i, t);
    unfiltered[i] = t.skus.length == 0 && t.categories.length == 0 && t.tags.length == 0 && t.excludeTags.length == 0;
    const items = campaign.bundleItems;
    firstItemSlot[i] = items.length > 0 ? next : -1;
    for (let k = 0; k < items.length; k++) addFilter(next++, unchecked(items[k]).filter);
  }
}

export function clearActive(): void {
  for (let w = 0; w < words; w++) unchecked((activeSlots[w] = 0));
}

export function activate(slot: i32): void {
  setBit(activeSlots, 0, slot);
}

function lineSlots(i: i32, w: i32): u64 {
  let m = unchecked(activeSlots[w]);
  if (m == 0) return 0;
  const n = <u32>programStrings;
  const row = words;
  const s = unchecked(sku[i]);
  m &= unchecked(anySku[w]) | (<u32>s <= n ? unchecked(skuBits[s * row + w]) : 0);
  if (m == 0) return 0;
  let p = unchecked(catPtr[i]);
  let end = p + (<usize>unchecked(catCount[i]) << 2);
  let any = unchecked(anyCategory[w]);
  for (; p < end; p += 4) {
    const id = load<i32>(p);
    if (<u32>id <= n) any |= unchecked(categoryBits[id * row + w]);
  }
  m &= any;
  if (m == 0) return 0;
  p = unchecked(tagPtr[i]);
  end = p + (<usize>unchecked(tagCount[i]) << 2);
  any = unchecked(anyTag[w]);
  let excluded: u64 = 0;
  for (; p < end; p += 4) {
    const id = load<i32>(p);
    if (<u32>id <= n) {
      any |= unchecked(tagBits[id * row + w]);
      excluded |= unchecked(excludeBits[id * row + w]);
    }
  }
  return m & any & ~excluded;
}

let anyActive = false;

/** Starts matching a new receipt's lines against the active slots. */
export function beginMatching(): void {
  for (let s = 0; s < slotCount; s++) unchecked((listCount[s] = 0));
  anyActive = false;
  for (let w = 0; w < words; w++) if (unchecked(activeSlots[w]) != 0) anyActive = true;
}

/** Matches line i (just read): its earn/redeem flags and, for every active slot it passes, a list entry. */
export function matchLine(i: i32): void {
  let flags: u8 = 0;
  const known = <u32>tagFlags.length;
  let p = unchecked(tagPtr[i]);
  const end = p + (<usize>unchecked(tagCount[i]) << 2);
  for (; p < end; p += 4) {
    const id = load<i32>(p);
    if (<u32>id < known) flags |= unchecked(tagFlags[id]);
  }
  unchecked((lineFlags[i] = flags));
  if (!anyActive) return;
  for (let w = 0; w < words; w++) {
    let m = lineSlots(i, w);
    while (m != 0) {
      const slot = (w << 6) + <i32>ctz(m);
      const k = unchecked(listCount[slot]);
      unchecked((listData[slot * MAX_LINES + k] = i));
      unchecked((listCount[slot] = k + 1));
      m &= m - 1;
    }
  }
}

/** Number of lines slot `slot` matches. */
@inline export function listLength(slot: i32): i32 {
  return unchecked(listCount[slot]);
}

/** The k-th line slot `slot` matches. */
@inline export function listLine(slot: i32, k: i32): i32 {
  return unchecked(listData[slot * MAX_LINES + k]);
}

/** Copies slot `slot`'s lines to `to[0…]`; returns their number. */
export function copyList(slot: i32, to: StaticArray<i32>): i32 {
  const n = unchecked(listCount[slot]);
  memory.copy(changetype<usize>(to), changetype<usize>(listData) + (<usize>(slot * MAX_LINES) << 2), <usize>n << 2);
  return n;
}
