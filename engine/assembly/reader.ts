// Sequential reader over the flat program the host writes once (engine/host/compile.ts).
// Every value crosses the boundary as an f64 holding an exact integer (|x| ≤ 2^53).
import { NUMBER_BYTES } from "../layout";

let cursor: usize = 0;
let end: usize = 0;
/** Set when a read ran past the buffer or met a value that is not an integer in range. */
export let readFailed = false;

export function beginRead(ptr: usize, count: i32): void {
  cursor = ptr;
  end = ptr + <usize>count * NUMBER_BYTES;
  readFailed = false;
}

export function readF64(): f64 {
  if (cursor >= end) {
    readFailed = true;
    return 0;
  }
  const v = load<f64>(cursor);
  cursor += NUMBER_BYTES;
  return v;
}

const MAX_SAFE: f64 = 9007199254740991;

/** An integer value, checked to be whole and within ±2^53. */
export function readI64(): i64 {
  const v = readF64();
  if (!(v >= -MAX_SAFE && v <= MAX_SAFE) || Math.floor(v) != v) {
    readFailed = true;
    return 0;
  }
  return <i64>v;
}

export function readI32(): i32 {
  const v = readI64();
  if (v < i32.MIN_VALUE || v > i32.MAX_VALUE) {
    readFailed = true;
    return 0;
  }
  return <i32>v;
}

/** A count-prefixed list of interned string ids. */
export function readIds(): StaticArray<i32> {
  const n = readI32();
  if (n < 0 || n > 1000000) {
    readFailed = true;
    return new StaticArray<i32>(0);
  }
  const ids = new StaticArray<i32>(n);
  for (let i = 0; i < n; i++) unchecked((ids[i] = readI32()));
  return ids;
}
