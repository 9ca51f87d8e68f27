// The engine's exports. The host (engine/host/index.ts) writes a flat program once, then for each quote
// a flat receipt into `inputBuffer`, calls `quote`, and reads the flat result at `outputPointer`.
// No clock, no randomness, no I/O: every input, the time included, comes from the host.
import { readProgram, PROGRAM_LAYOUT, loaded } from "./program";
import { readHeader, RECEIPT_LAYOUT, OK, ERR_NO_PROGRAM, errorLine } from "./receipt";
import { buildTargets } from "./targets";
import { evaluate } from "./evaluate";
import { HEADER_SIZE, beginOutput, header, outputPointer, outLength } from "./output";

let input: usize = 0;
let inputCapacity: i32 = 0;

/** Layout versions the host checks: program layout × 1000 + receipt layout. */
export function layoutVersion(): i32 {
  return PROGRAM_LAYOUT * 1000 + RECEIPT_LAYOUT;
}

/** A buffer for `count` f64 values (the program or a receipt), reused while large enough. */
export function inputBuffer(count: i32): usize {
  if (count > inputCapacity) {
    input = heap.alloc(<usize>count << 3);
    inputCapacity = count;
  }
  return input;
}

/** Loads the flat program written to the input buffer; 0 when loaded. */
export function loadProgram(count: i32): i32 {
  if (!readProgram(input, count)) return 1;
  buildTargets();
  return 0;
}

/**
 * Evaluates the receipt written to the input buffer — `numberCount` f64 slots, then `idCount` i32 slots —
 * and returns the status (also in output slot 0).
 */
export function quote(numberCount: i32, idCount: i32): i32 {
  if ((<usize>numberCount << 3) + (<usize>idCount << 2) > (<usize>inputCapacity << 3)) return 1;
  let status = loaded ? readHeader(input, numberCount, idCount) : ERR_NO_PROGRAM;
  if (status == OK) status = evaluate();
  if (status != OK) {
    beginOutput(HEADER_SIZE);
    for (let k = 0; k < HEADER_SIZE; k++) header(k, 0);
    header(0, <f64>status);
    header(1, <f64>errorLine);
  }
  return status;
}

export function resultPointer(): usize {
  return outputPointer();
}

export function resultLength(): i32 {
  return outLength;
}
