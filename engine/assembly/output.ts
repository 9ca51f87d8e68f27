// The evaluation, written as a flat f64 buffer the host decodes (engine/host/decode.ts).
// Layout: HEADER_SIZE header slots; per line [amount, discount, pointsPaid, pointsEarned];
// discount entries [line, ref, amount]; applied campaigns [ref, discount, bonusPoints];
// nudges [type, ref, amountLeft, qtyLeft]. A ref ≥ 0 is a campaign index, -1 - t the tier t.
// Lists are kept as f64 from the start so the result is assembled with bulk copies.

export const HEADER_SIZE: i32 = 16;
export const NUDGE_TIER: i32 = 1;
export const NUDGE_CAMPAIGN: i32 = 2;
export const NUDGE_FREE_SHIPPING: i32 = 3;

export let entries = new StaticArray<f64>(3 * 1024);
export let entryCount: i32 = 0;
let applied = new StaticArray<f64>(3 * 64);
export let appliedCount: i32 = 0;
let nudges = new StaticArray<f64>(4 * 64);
export let nudgeCount: i32 = 0;

function grown(a: StaticArray<f64>, used: i32, need: i32): StaticArray<f64> {
  let cap = a.length << 1;
  while (cap < need) cap <<= 1;
  const b = new StaticArray<f64>(cap);
  memory.copy(changetype<usize>(b), changetype<usize>(a), <usize>used << 3);
  return b;
}

export function resetOutput(): void {
  entryCount = 0;
  appliedCount = 0;
  nudgeCount = 0;
}

/** Makes room for `n` more discount entries, so `addEntry` needs no check. */
export function reserveEntries(n: i32): void {
  const need = (entryCount + n) * 3;
  if (need > entries.length) entries = grown(entries, entryCount * 3, need);
}

@inline export function addEntry(line: i32, ref: i32, amount: i64): void {
  const at = entryCount * 3;
  unchecked((entries[at] = <f64>line));
  unchecked((entries[at + 1] = <f64>ref));
  unchecked((entries[at + 2] = <f64>amount));
  entryCount++;
}

export function addApplied(ref: i32, discount: i64, points: i64): void {
  const at = appliedCount * 3;
  if (at + 3 > applied.length) applied = grown(applied, at, at + 3);
  unchecked((applied[at] = <f64>ref));
  unchecked((applied[at + 1] = <f64>discount));
  unchecked((applied[at + 2] = <f64>points));
  appliedCount++;
}

/** Sets the points of the last applied campaign (bonus points are known only after earning). */
export function setAppliedPoints(k: i32, points: i64): void {
  unchecked((applied[k * 3 + 2] = <f64>points));
}

export function addNudge(type: i32, ref: i32, amountLeft: i64, qtyLeft: i64): void {
  const at = nudgeCount * 4;
  if (at + 4 > nudges.length) nudges = grown(nudges, at, at + 4);
  unchecked((nudges[at] = <f64>type));
  unchecked((nudges[at + 1] = <f64>ref));
  unchecked((nudges[at + 2] = <f64>amountLeft));
  unchecked((nudges[at + 3] = <f64>qtyLeft));
  nudgeCount++;
}

let out = new StaticArray<f64>(4096);
export let outLength: i32 = 0;

export function outputPointer(): usize {
  return changetype<usize>(out);
}

/** Ensures room for `size` slots. */
export function beginOutput(size: i32): void {
  if (out.length < size) {
    let cap = out.length;
    while (cap < size) cap <<= 1;
    out = new StaticArray<f64>(cap);
  }
  outLength = size;
}

@inline export function header(slot: i32, v: f64): void {
  unchecked((out[slot] = v));
}

@inline export function writeLine(at: i32, amount: i64, discount: i64, paid: i64, earned: i64): void {
  unchecked((out[at] = <f64>amount));
  unchecked((out[at + 1] = <f64>discount));
  unchecked((out[at + 2] = <f64>paid));
  unchecked((out[at + 3] = <f64>earned));
}

function copyInto(at: i32, from: StaticArray<f64>, count: i32): i32 {
  memory.copy(changetype<usize>(out) + (<usize>at << 3), changetype<usize>(from), <usize>count << 3);
  return at + count;
}

/** Writes the lists after the per-line block starting at `at`; returns the number of nudges written. */
export function writeLists(at: i32, skipFreeShippingNudges: bool): i32 {
  at = copyInto(at, entries, entryCount * 3);
  at = copyInto(at, applied, appliedCount * 3);
  let written = 0;
  for (let k = 0; k < nudgeCount; k++) {
    if (skipFreeShippingNudges && <i32>unchecked(nudges[k * 4]) == NUDGE_FREE_SHIPPING) continue;
    for (let f = 0; f < 4; f++) unchecked((out[at++] = nudges[k * 4 + f]));
    written++;
  }
  outLength = at;
  return written;
}
