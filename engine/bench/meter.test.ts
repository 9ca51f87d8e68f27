import { existsSync, readFileSync } from "node:fs";
import asc from "assemblyscript/asc";
import binaryen from "binaryen";
import { describe, expect, it } from "vitest";
import { type Cost, meter, readMeter, readProfile } from "./meter.ts";
import { meterEachExpression } from "./meter-reference.ts";

/** Assembles WAT with binaryen (keeping function names); the meter reads the binary back, as it reads the engine. */
function wasm(text: string): Uint8Array<ArrayBuffer> {
  const module = binaryen.parseText(text);
  module.setFeatures(binaryen.Features.All);
  binaryen.setDebugInfo(true);
  try {
    if (!module.validate()) throw new Error("test module does not validate");
    return module.emitBinary() as Uint8Array<ArrayBuffer>;
  } finally {
    binaryen.setDebugInfo(false);
    module.dispose();
  }
}

type Exports = Record<string, (...args: number[]) => number>;
const hostCalls: number[] = [];
const imports = {
  env: {
    log: (value: number) => void hostCalls.push(value),
    abort: () => {
      throw new Error("abort");
    },
  },
};

function instantiate(bytes: Uint8Array<ArrayBuffer>) {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
  return { instance, exports: instance.exports as unknown as Exports };
}

/** Calls `name(...args)` on a metered copy; returns the result and the instructions that call executed. */
function count(bytes: Uint8Array, name: string, args: number[], cost: "node" | "fuel" | Cost = "node") {
  const { instance, exports } = instantiate(meter(bytes, { cost }));
  const before = readMeter(instance);
  const result = exports[name]!(...args);
  return { result, instructions: Number(readMeter(instance) - before) };
}

const SAMPLES = wasm(`(module
  (import "env" "log" (func $log (param i32)))
  (func (export "straight") (param $x i32) (result i32)
    (i32.add (i32.mul (local.get $x) (i32.const 3)) (i32.const 1)))

  (func (export "pick") (param $x i32) (result i32)
    (if (result i32) (local.get $x)
      (then (i32.const 10))
      (else (i32.add (i32.const 20) (i32.const 1)))))

  (func (export "clamp") (param $x i32) (result i32)
    (if (i32.gt_s (local.get $x) (i32.const 100))
      (then (local.set $x (i32.const 100))))
    (local.get $x))

  (func (export "sum") (param $n i32) (result i32) (local $acc i32)
    (loop $next
      (local.set $acc (i32.add (local.get $acc) (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $next (local.get $n)))
    (local.get $acc))

  (func $square (param $v i32) (result i32)
    (i32.mul (local.get $v) (local.get $v)))
  (func (export "sumOfSquares") (param $x i32) (result i32)
    (i32.add (call $square (local.get $x)) (call $square (i32.const 3))))

  (func (export "logTwice") (param $x i32) (result i32)
    (call $log (local.get $x))
    (call $log (local.get $x))
    (local.get $x))

  (func (export "early") (param $x i32) (result i32)
    (if (local.get $x) (then (return (i32.const 7))))
    (drop (i32.const 0))
    (i32.const 9))

  (func (export "firstPositive") (param $a i32) (param $b i32) (result i32)
    (i32.add
      (i32.const 1000)
      (block $found (result i32)
        (drop (br_if $found (local.get $a) (i32.gt_s (local.get $a) (i32.const 0))))
        (drop (br_if $found (local.get $b) (i32.gt_s (local.get $b) (i32.const 0))))
        (i32.const 0))))

  (func (export "classify") (param $x i32) (result i32)
    (block $other
      (block $two
        (block $one
          (br_table $one $two $other (local.get $x)))
        (return (i32.add (i32.const 10) (i32.const 0))))
      (return (i32.const 20)))
    (i32.const 30))

  (func (export "grid") (param $rows i32) (param $cols i32) (result i32)
    (local $r i32) (local $c i32) (local $cells i32)
    (block $done
      (loop $row
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $col
            (br_if $rowDone (i32.ge_s (local.get $c) (local.get $cols)))
            (local.set $cells (i32.add (local.get $cells)
              (select (i32.const 2) (i32.const 1) (i32.and (i32.add (local.get $r) (local.get $c)) (i32.const 1)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $col)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row)))
    (local.get $cells))

  (func (export "trap") (param $x i32) (result i32)
    (if (i32.eqz (local.get $x)) (then (unreachable)))
    (i32.div_s (i32.const 100) (local.get $x)))
)`);

describe("meter counts every executed expression once", () => {
  it("counts straight-line code", () => {
    // local.get, i32.const, i32.mul, i32.const, i32.add
    expect(count(SAMPLES, "straight", [4])).toEqual({ result: 13, instructions: 5 });
  });

  it("counts only the arm of an if that is taken", () => {
    // local.get, if, i32.const
    expect(count(SAMPLES, "pick", [1])).toEqual({ result: 10, instructions: 3 });
    // local.get, if, i32.const, i32.const, i32.add
    expect(count(SAMPLES, "pick", [0])).toEqual({ result: 21, instructions: 5 });
    // body block, (local.get, i32.const, i32.gt_s, if), then-arm (i32.const, local.set), local.get
    expect(count(SAMPLES, "clamp", [500])).toEqual({ result: 100, instructions: 8 });
    expect(count(SAMPLES, "clamp", [5])).toEqual({ result: 5, instructions: 6 });
  });

  it("re-counts a loop body on every iteration", () => {
    // body block + loop + final local.get = 3; per iteration: body block 1, two local.set trees of 4, local.get + br_if 2
    for (const n of [1, 5, 100]) {
      expect(count(SAMPLES, "sum", [n])).toEqual({ result: (n * (n + 1)) / 2, instructions: 3 + 11 * n });
    }
  });

  it("counts a call in the caller and the callee's body in the callee", () => {
    // caller: local.get, call, i32.const, call, i32.add = 5; each call to $square runs 3
    expect(count(SAMPLES, "sumOfSquares", [4])).toEqual({ result: 25, instructions: 11 });
  });

  it("splits the count by function when asked", () => {
    const { instance, exports } = instantiate(meter(SAMPLES, { perFunction: true }));
    exports["sumOfSquares"]!(4);
    const profile = readProfile(instance);
    expect(profile.get("square")).toEqual({ instructions: 6n, calls: 2n });
    expect([...profile.values()].reduce((sum, f) => sum + f.instructions, 0n)).toBe(11n);
    expect(readMeter(instance)).toBe(11n);
  });

  it("counts a call to an imported function as one instruction", () => {
    hostCalls.length = 0;
    // body block, (local.get, call) × 2, local.get
    expect(count(SAMPLES, "logTwice", [8])).toEqual({ result: 8, instructions: 6 });
    expect(hostCalls).toEqual([8, 8]);
  });

  it("does not count what a return skips", () => {
    // body block, local.get, if, then-arm (i32.const, return)
    expect(count(SAMPLES, "early", [1])).toEqual({ result: 7, instructions: 5 });
    // body block, local.get, if, (i32.const, drop), i32.const
    expect(count(SAMPLES, "early", [0])).toEqual({ result: 9, instructions: 6 });
  });

  it("counts what follows a block that branches carry a value out of", () => {
    // i32.const 1000, block, first br_if tree (5), i32.add
    expect(count(SAMPLES, "firstPositive", [3, 9])).toEqual({ result: 1003, instructions: 8 });
    // … + drop + second br_if tree (5)
    expect(count(SAMPLES, "firstPositive", [-1, 9])).toEqual({ result: 1009, instructions: 14 });
    // … + drop + i32.const 0
    expect(count(SAMPLES, "firstPositive", [-1, -9])).toEqual({ result: 1000, instructions: 16 });
  });

  it("follows each br_table target", () => {
    // body block, three blocks, local.get, br_table = 6, then what follows the label taken (i32.const, i32.const, i32.add, return / i32.const, return / i32.const)
    expect(count(SAMPLES, "classify", [0])).toEqual({ result: 10, instructions: 6 + 4 });
    expect(count(SAMPLES, "classify", [1])).toEqual({ result: 20, instructions: 6 + 2 });
    expect(count(SAMPLES, "classify", [7])).toEqual({ result: 30, instructions: 6 + 1 });
  });

  it("counts nested loops", () => {
    // Per cell 21: loop body block, exit test (local.get ×2, i32.ge_s, br_if) 4, the cells update 11, c += 1 (4), br.
    // Per row 19 + its cells: loop body block, exit test 4, c = 0 (2), block $rowDone, loop $col,
    // the column loop's final exit test (body block + 4), r += 1 (4), br.
    // Once 9: body block, block $done, loop $row, the final exit test (body block + 4), local.get.
    const expected = (rows: number, cols: number) => 9 + rows * (19 + cols * 21);
    expect(count(SAMPLES, "grid", [0, 0])).toEqual({ result: 0, instructions: expected(0, 0) });
    expect(count(SAMPLES, "grid", [3, 4])).toEqual({ result: 18, instructions: expected(3, 4) });
    expect(count(SAMPLES, "grid", [10, 1])).toEqual({ result: 15, instructions: expected(10, 1) });
  });

  it("leaves the counter where it was when a trap stops the call part-way", () => {
    const { instance, exports } = instantiate(meter(SAMPLES));
    expect(() => exports["trap"]!(0)).toThrow(WebAssembly.RuntimeError);
    // body block, local.get, i32.eqz, if, unreachable: the rest of the function never ran
    expect(readMeter(instance)).toBe(5n);
  });
});

describe("meter's fuel cost is wasmtime's (Shopify Functions' instruction count)", () => {
  it("makes block, loop, drop, return, nop and unreachable free", () => {
    expect(count(SAMPLES, "sum", [5], "fuel").instructions).toBe(1 + 10 * 5);
    expect(count(SAMPLES, "early", [1], "fuel").instructions).toBe(3);
    expect(count(SAMPLES, "early", [0], "fuel").instructions).toBe(4);
    expect(count(SAMPLES, "classify", [0], "fuel").instructions).toBe(2 + 3);
  });
});

const CALLS: [string, number[][]][] = [
  ["straight", [[0], [4], [-7]]],
  ["pick", [[0], [1]]],
  ["clamp", [[5], [500]]],
  ["sum", [[1], [5], [100]]],
  ["sumOfSquares", [[4]]],
  ["logTwice", [[8]]],
  ["early", [[0], [1]]],
  ["firstPositive", [[3, 9], [-1, 9], [-1, -9]]],
  ["classify", [[0], [1], [2], [99]]],
  ["grid", [[0, 0], [3, 4], [10, 1], [7, 0]]],
];

describe("meter agrees with the per-expression reference meter", () => {
  for (const cost of ["node", "fuel"] as const) {
    it(`on the samples (${cost} cost)`, () => {
      const segmented = instantiate(meter(SAMPLES, { cost }));
      const reference = instantiate(meterEachExpression(SAMPLES, { cost }));
      for (const [name, argLists] of CALLS) {
        for (const args of argLists) {
          expect(segmented.exports[name]!(...args)).toBe(reference.exports[name]!(...args));
          expect(readMeter(segmented.instance), `${name}(${args})`).toBe(readMeter(reference.instance));
        }
      }
    });
  }

  it("on AssemblyScript output (loops, memory, strings, the incremental GC)", async () => {
    const { binary, error, stderr } = await asc.compileString(ASSEMBLYSCRIPT_SAMPLE, {
      optimizeLevel: 3,
      shrinkLevel: 0,
      runtime: "incremental",
      noAssert: true,
    });
    expect(error, String(stderr)).toBeNull();
    const original = instantiate(new Uint8Array(binary!));
    const segmented = instantiate(meter(binary!));
    const reference = instantiate(meterEachExpression(binary!));
    for (const n of [0, 1, 17, 200]) {
      for (const name of ["sortChecksum", "digits", "collatz"]) {
        const expected = original.exports[name]!(n);
        expect(segmented.exports[name]!(n), `${name}(${n})`).toBe(expected);
        expect(reference.exports[name]!(n)).toBe(expected);
        expect(readMeter(segmented.instance), `${name}(${n})`).toBe(readMeter(reference.instance));
      }
    }
    expect(readMeter(segmented.instance)).toBeGreaterThan(100_000n);
  }, 60_000);
});

describe("meter keeps the module's results", () => {
  it("returns what the original returns for every sample call", () => {
    const original = instantiate(SAMPLES);
    const metered = instantiate(meter(SAMPLES));
    for (const [name, argLists] of CALLS) {
      for (const args of argLists) expect(metered.exports[name]!(...args)).toBe(original.exports[name]!(...args));
    }
  });

  it("refuses control flow it does not model", () => {
    const withTry = wasm(`(module (tag $e) (func (export "f") (try (do (throw $e)) (catch $e))))`);
    expect(() => meter(withTry)).toThrow(/unsupported expression/);
  });
});

const RELEASE = new URL("../build/release.wasm", import.meta.url);

describe.skipIf(!existsSync(RELEASE))("the engine's release build", () => {
  it("meters and validates", () => {
    const metered = meter(readFileSync(RELEASE));
    expect(WebAssembly.validate(metered)).toBe(true);
  });
});

const ASSEMBLYSCRIPT_SAMPLE = `
export function sortChecksum(n: i32): i32 {
  const values = new Array<i32>(n);
  let seed: u32 = 12345;
  for (let i = 0; i < n; i++) { seed = seed * 1103515245 + 12345; values[i] = <i32>(seed >>> 16) & 1023; }
  for (let i = 1; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > v) { values[j + 1] = values[j]; j--; }
    values[j + 1] = v;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum = sum * 31 + values[i] * (i + 1);
  return sum;
}

export function digits(n: i32): i32 {
  let text = "";
  for (let i = 0; i < n; i++) text += i.toString() + (i % 3 == 0 ? "," : "");
  return text.length + (text.includes("17,") ? 1000000 : 0);
}

export function collatz(n: i32): i32 {
  let steps = 0;
  for (let start: i64 = 1; start <= <i64>n; start++) {
    let x = start;
    while (x != 1) { x = x & 1 ? 3 * x + 1 : x >> 1; steps++; }
  }
  return steps;
}
`;
