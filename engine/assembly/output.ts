// The evaluation, written as a flat f64 buffer the host decodes (engine/host/decode.ts) in the layout of
// engine/layout.ts: the header, a block per line, then the discount entries, applied campaigns and nudges.
// Lists are kept as f64 records of their result layout from the start so the result is assembled with bulk copies.
import {
  APPLIED_DISCOUNT, APPLIED_POINTS, APPLIED_REF, APPLIED_SLOTS, ENTRY_AMOUNT, ENTRY_LINE, ENTRY_REF, ENTRY_SLOTS,
  LINE_AMOUNT, LINE_DISCOUNT, LINE_POINTS_EARNED, LINE_POINTS_PAID, NUDGE_AMOUNT_LEFT, NUDGE_FREE_SHIPPING,
  NUDGE_QTY_LEFT, NUDGE_REF, NUDGE_SLOTS, NUDGE_TYPE, NUMBER_BYTES,
} from "../layout";

export let entries = new StaticArray<f64>(ENTRY_SLOTS * 1024);
export let entryCount: i32 = 0;
let applied = new StaticArray<f64>(APPLIED_SLOTS * 64);
export let appliedCount: i32 = 0;
let nudges = new StaticArray<f64>(NUDGE_SLOTS * 64);
export let nudgeCount: i32 = 0;

function grown(a: StaticArray<f64>, used: i32, need: i32): StaticArray<f64> {
  let cap = a.length << 1;
  while (cap < need) cap <<= 1;
  const b = new StaticArray<f64>(cap);
  memory.copy(changetype<usize>(b), changetype<usize>(a), <usize>used * NUMBER_BYTES);
  return b;
}

export function resetOutput(): void {
  entryCount = 0;
  appliedCount = 0;
  nudgeCount = 0;
}

/** Makes room for `n` more discount entries, so `addEntry` needs no check. */
export function reserveEntries(n: i32): void {
  const need = (entryCount + n) * ENTRY_SLOTS;
  if (need > entries.length) entries = grown(entries, entryCount * ENTRY_SLOTS, need);
}

@inline export function addEntry(line: i32, ref: i32, amount: i64): void {
  const at = entryCount * ENTRY_SLOTS;
  unchecked((entries[at + ENTRY_LINE] = <f64>line));
  unchecked((entries[at + ENTRY_REF] = <f64>ref));
  unchecked((entries[at + ENTRY_AMOUNT] = <f64>amount));
  entryCount++;
}

export function addApplied(ref: i32, discount: i64, points: i64): void {
  const at = appliedCount * APPLIED_SLOTS;
  if (at + APPLIED_SLOTS > applied.length) applied = grown(applied, at, at + APPLIED_SLOTS);
  unchecked((applied[at + APPLIED_REF] = <f64>ref));
  unchecked((applied[at + APPLIED_DISCOUNT] = <f64>discount));
  unchecked((applied[at + APPLIED_POINTS] = <f64>points));
  appliedCount++;
}

/** Sets the points of the last applied campaign (bonus points are known only after earning). */
export function setAppliedPoints(k: i32, points: i64): void {
  unchecked((applied[k * APPLIED_SLOTS + APPLIED_POINTS] = <f64>points));
}

export function addNudge(type: i32, ref: i32, amountLeft: i64, qtyLeft: i64): void {
  const at = nudgeCount * NUDGE_SLOTS;
  if (at + NUDGE_SLOTS > nudges.length) nudges = grown(nudges, at, at + NUDGE_SLOTS);
  unchecked((nudges[at + NUDGE_TYPE] = <f64>type));
  unchecked((nudges[at + NUDGE_REF] = <f64>ref));
  unchecked((nudges[at + NUDGE_AMOUNT_LEFT] = <f64>amountLeft));
  unchecked((nudges[at + NUDGE_QTY_LEFT] = <f64>qtyLeft));
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
  unchecked((out[at + LINE_AMOUNT] = <f64>amount));
  unchecked((out[at + LINE_DISCOUNT] = <f64>discount));
  unchecked((out[at + LINE_POINTS_PAID] = <f64>paid));
  unchecked((out[at + LINE_POINTS_EARNED] = <f64>earned));
}

function copyInto(at: i32, from: StaticArray<f64>, count: i32): i32 {
  memory.copy(changetype<usize>(out) + <usize>at * NUMBER_BYTES, changetype<usize>(from), <usize>count * NUMBER_BYTES);
  return at + count;
}

/** Writes the lists after the per-line block starting at `at`; returns the number of nudges written. */
export function writeLists(at: i32, skipFreeShippingNudges: bool): i32 {
  at = copyInto(at, entries, entryCount * ENTRY_SLOTS);
  at = copyInto(at, applied, appliedCount * APPLIED_SLOTS);
  let written = 0;
  for (let k = 0; k < nudgeCount; k++) {
    if (skipFreeShippingNudges && <i32>unchecked(nudges[k * NUDGE_SLOTS + NUDGE_TYPE]) == NUDGE_FREE_SHIPPING) continue;
    for (let f = 0; f < NUDGE_SLOTS; f++) unchecked((out[at++] = nudges[k * NUDGE_SLOTS + f]));
    written++;
  }
  outLength = at;
  return written;
}
