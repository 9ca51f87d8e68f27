// The engine's exports. The host (engine/host/index.ts) writes a flat program once, then for each quote
// a flat receipt into `inputBuffer`, calls `quote`, and reads the flat result at `outputPointer`.
// No clock, no randomness, no I/O: every input, the time included, comes from the host.
import {
  ID_BYTES, LAYOUT_VERSION, NUMBER_BYTES, PROGRAM_LOADED, PROGRAM_REJECTED, RESULT_ERROR_LINE, RESULT_HEADER_SLOTS,
  RESULT_STATUS, STATUS_MALFORMED, STATUS_NO_PROGRAM, STATUS_OK,
} from "../layout";
import { readProgram, loaded } from "./program";
import { readHeader, errorLine } from "./receipt";
import { buildTargets } from "./targets";
import { evaluate } from "./evaluate";
import { beginOutput, header, outputPointer, outLength } from "./output";

let input: usize = 0;
let inputCapacity: i32 = 0;

/** The layout versions this build was compiled with, for the host to check against its own. */
export function layoutVersion(): i32 {
  return LAYOUT_VERSION;
}

/** A buffer for `count` f64 values (the program or a receipt), reused while large enough. */
export function inputBuffer(count: i32): usize {
  if (count > inputCapacity) {
    input = heap.alloc(<usize>count * NUMBER_BYTES);
    inputCapacity = count;
  }
  return input;
}

/** Loads the flat program written to the input buffer; returns PROGRAM_LOADED or PROGRAM_REJECTED. */
export function loadProgram(count: i32): i32 {
  if (!readProgram(input, count)) return PROGRAM_REJECTED;
  buildTargets();
  return PROGRAM_LOADED;
}

/**
 * Evaluates the receipt written to the input buffer — `numberCount` f64 slots, then `idCount` i32 slots —
 * and returns the status (also in the result's RESULT_STATUS slot).
 */
export function quote(numberCount: i32, idCount: i32): i32 {
  const bytes = <usize>numberCount * NUMBER_BYTES + <usize>idCount * ID_BYTES;
  if (bytes > <usize>inputCapacity * NUMBER_BYTES) return STATUS_MALFORMED;
  let status = loaded ? readHeader(input, numberCount, idCount) : STATUS_NO_PROGRAM;
  if (status == STATUS_OK) status = evaluate();
  if (status != STATUS_OK) {
    beginOutput(RESULT_HEADER_SLOTS);
    for (let k = 0; k < RESULT_HEADER_SLOTS; k++) header(k, 0);
    header(RESULT_STATUS, <f64>status);
    header(RESULT_ERROR_LINE, <f64>errorLine);
  }
  return status;
}

export function resultPointer(): usize {
  return outputPointer();
}

export function resultLength(): i32 {
  return outLength;
}
