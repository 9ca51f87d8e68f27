// The evaluation, written as a flat f64 buffer the host decodes (engine/host/decode.ts).
// Layout: HEADER_SIZE header slots; per line [amount, discount, pointsPaid, pointsEarned];
// discount entries [line, ref, amount]; applied campaigns [ref, discount, bonusPoints];
// nudges [type, ref, amountLeft, qtyLeft]. A ref ≥ 0 is a campaign index, -1 - t the tier t.

export const HEADER_SIZE: i32 = 16;
export const NUDGE_TIER: i32 = 1;
export const NUDGE_CAMPAIGN: i32 = 2;
export const NUDGE_FREE_SHIPPING: i32 = 3;

let entries = new StaticArray<i64>(3 * 1024);
export let entryCount: i32 = 0;
let applied = new StaticArray<i64>(3 * 64);
export let appliedCount: i32 = 0;
let nudges = new StaticArray<i64>(4 * 64);
export let nudgeCount: i32 = 0;

function grow(a: StaticArray<i64>, used: i32): StaticArray<i64> {
  const b = new StaticArray<i64>(a.length << 1);
  memory.copy(changetype<usize>(b), changetype<usize>(a), <usize>used << 3);
  return b;
}

export function resetOutput(): void {
  entryCount = 0;
  appliedCount = 0;
  nudgeCount = 0;
}

export function addEntry(line: i32, ref: i32, amount: i64): void {
  const at = entryCount * 3;
  if (at + 3 > entries.length) entries = grow(entries, at);
  unchecked((entries[at] = line));
  unchecked((entries[at + 1] = ref));
  unchecked((entries[at + 2] = amount));
  entryCount++;
}

export function addApplied(ref: i32, discount: i64, points: i64): void {
  const at = appliedCount * 3;
  if (at + 3 > applied.length) applied = grow(applied, at);
  unchecked((applied[at] = ref));
  unchecked((applied[at + 1] = discount));
  unchecked((applied[at + 2] = points));
  appliedCount++;
}

export function addNudge(type: i32, ref: i32, amountLeft: i64, qtyLeft: i64): void {
  const at = nudgeCount * 4;
  if (at + 4 > nudges.length) nudges = grow(nudges, at);
  unchecked((nudges[at] = type));
  unchecked((nudges[at + 1] = ref));
  unchecked((nudges[at + 2] = amountLeft));
  unchecked((nudges[at + 3] = qtyLeft));
  nudgeCount++;
}

/** Whether nudge k (in insertion order) is of `type`; used to drop free-shipping nudges once granted. */
export function nudgeType(k: i32): i32 {
  return <i32>unchecked(nudges[k * 4]);
}

let out = new StaticArray<f64>(4096);
export let outLength: i32 = 0;

export function outputPointer(): usize {
  return changetype<usize>(out);
}

function put(at: i32, v: f64): void {
  unchecked((out[at] = v));
}

/** Ensures room for `size` slots and writes the header slot values later via `header`. */
export function beginOutput(size: i32): void {
  if (out.length < size) {
    let cap = out.length;
    while (cap < size) cap <<= 1;
    out = new StaticArray<f64>(cap);
  }
  outLength = size;
}

export function header(slot: i32, v: f64): void {
  put(slot, v);
}

/** Writes the lists after the per-line block starting at `at`; returns the next free slot. */
export function writeLists(at: i32, skipFreeShippingNudges: bool): i32 {
  for (let k = 0; k < entryCount * 3; k++) put(at++, <f64>unchecked(entries[k]));
  for (let k = 0; k < appliedCount * 3; k++) put(at++, <f64>unchecked(applied[k]));
  let written = 0;
  for (let k = 0; k < nudgeCount; k++) {
    if (skipFreeShippingNudges && nudgeType(k) == NUDGE_FREE_SHIPPING) continue;
    for (let f = 0; f < 4; f++) put(at++, <f64>unchecked(nudges[k * 4 + f]));
    written++;
  }
  return written;
}

export function writeLine(at: i32, amount: i64, discount: i64, paid: i64, earned: i64): void {
  put(at, <f64>amount);
  put(at + 1, <f64>discount);
  put(at + 2, <f64>paid);
  put(at + 3, <f64>earned);
}
