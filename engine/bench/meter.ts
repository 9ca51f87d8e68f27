/**
 * An exact WebAssembly instruction counter: `meter(wasm)` returns a copy of the module that counts, in a
 * mutable i64 global, the instructions it executes. The copy computes exactly what the original computes.
 *
 * What is counted: every binaryen IR expression that executes (binaryen reads the binary into a tree of
 * expressions, one per instruction: `i32.add`, `local.get`, `call`, `br_if`, `if`, `block`, `loop` …).
 *   - An operator counts once each time it runs; an operator whose operands never finish (a `br` or trap
 *     inside them) does not run and is not counted.
 *   - `block` and `loop` count once per entry; a loop's body counts again on every iteration; `if` counts
 *     once and only the arm taken is counted. `else`/`end` are not expressions and count nothing.
 *   - A function body or `if` arm of several instructions is a `block` in binaryen's IR (there is no `block`
 *     opcode in the binary there), so the `"node"` cost counts one per entry for it.
 *   - A call counts 1 in the caller; the callee's instructions are counted in the callee. Imported (host)
 *     functions count nothing inside.
 *   - The counter's own instructions are never counted.
 * Costs: `"node"` (default) counts every expression as 1. `"fuel"` is wasmtime's default fuel — what Shopify
 * Functions' runner reports as "instructions": `nop`, `drop`, `block`, `loop`, `unreachable`, `return` (and
 * `else`/`end`) are free, everything else costs 1.
 *
 * How: the counter is added to once per straight-line run ("segment") of code, by the segment's total cost,
 * at the run's start. A new segment begins at function entry, at the start of a loop body that a branch
 * targets, at the start of each `if` arm, after an `if` (the arms join), after a block that a branch targets
 * (branches land there), and after a `br_if` (the fall-through path). Code after an unconditional branch,
 * `return`, `unreachable` or `br_table` belongs to no segment: it never runs. Within a segment every
 * instruction runs once the segment starts (a trap aside), so prepaying the total is exact.
 *
 * The copy exports `__instructions` (the mutable i64 global), `__meter_read(): i64` and `__meter_reset()`.
 */
import binaryen from "binaryen";
import {
  appendStatement,
  Block,
  Break,
  branchTargets,
  CALL_COUNTER_PREFIX,
  childSlots,
  className,
  Counter,
  definedFunctions,
  type ExpressionRef,
  FUNCTION_COUNTER_PREFIX,
  If,
  type Increment,
  Loop,
  prependStatement,
  Scratch,
  setFunctionBody,
} from "./wasm-ir.ts";

/** The cost of one executed expression of a binaryen class (`"Binary"`, `"Block"` …). */
export type Cost = (expressionClass: string) => number;

const FREE_IN_WASMTIME = new Set(["Nop", "Drop", "Block", "Loop", "Unreachable", "Return"]);

export const COSTS = {
  node: () => 1,
  fuel: (expressionClass: string) => (FREE_IN_WASMTIME.has(expressionClass) ? 0 : 1),
} satisfies Record<string, Cost>;

export interface MeterOptions {
  cost?: keyof typeof COSTS | Cost;
  /** Also count each function's own instructions and calls, exported as `__instructions:<function name>` and
   * `__calls:<function name>` (see readProfile). */
  perFunction?: boolean;
}

/** Returns an instrumented copy of `wasm` that counts executed instructions (see the file comment). */
export function meter(wasm: Uint8Array, options: MeterOptions = {}): Uint8Array<ArrayBuffer> {
  const cost = typeof options.cost === "function" ? options.cost : COSTS[options.cost ?? "node"];
  return instrument(wasm, (module, counter, func, body) => {
    const name = binaryen.getFunctionInfo(func).name;
    const functionCounter = options.perFunction ? counter.addFunctionCounter(name) : undefined;
    new SegmentMeter(module, counter, cost, func, body, functionCounter).run();
    if (options.perFunction) {
      const metered = binaryen.getFunctionInfo(func).body;
      setFunctionBody(func, prependStatement(module, counter.addCallCounter(name), metered));
    }
  });
}

/** Reads the counter of an instance of a metered module. */
export function readMeter(instance: WebAssembly.Instance): bigint {
  return (instance.exports["__meter_read"] as () => bigint)();
}

export interface FunctionProfile {
  /** Instructions executed in the function's own body (callees excluded). */
  instructions: bigint;
  calls: bigint;
}

/** Each function's own instructions and calls so far (a module metered with `perFunction`), by function name. */
export function readProfile(instance: WebAssembly.Instance): Map<string, FunctionProfile> {
  const profile = new Map<string, FunctionProfile>();
  const value = (name: string) => ((instance.exports[name] as WebAssembly.Global | undefined)?.value as bigint | undefined) ?? 0n;
  for (const name of Object.keys(instance.exports)) {
    if (!name.startsWith(FUNCTION_COUNTER_PREFIX)) continue;
    const functionName = name.slice(FUNCTION_COUNTER_PREFIX.length);
    profile.set(functionName, { instructions: value(name), calls: value(CALL_COUNTER_PREFIX + functionName) });
  }
  return profile;
}

export type Instrumenter = (module: binaryen.Module, counter: Counter, func: number, body: ExpressionRef) => void;

/** Reads `wasm`, adds the counter, lets `instrumentFunction` rewrite every function, validates and emits. */
export function instrument(wasm: Uint8Array, instrumentFunction: Instrumenter): Uint8Array<ArrayBuffer> {
  const module = binaryen.readBinaryWithFeatures(wasm, binaryen.Features.All);
  try {
    const functions = definedFunctions(module);
    const counter = new Counter(module);
    for (const { func, body } of functions) instrumentFunction(module, counter, func, body);
    if (!module.validate()) throw new Error("meter: the instrumented module does not validate");
    return module.emitBinary() as Uint8Array<ArrayBuffer>;
  } finally {
    module.dispose();
  }
}

interface Segment {
  increment: Increment;
  count: number;
}

class SegmentMeter {
  /** The open segment, or null in code that cannot run (after a `br`, `return` …). */
  private segment: Segment | null = null;
  private readonly segments: Segment[] = [];
  private readonly scratch: Scratch;
  private readonly targets: Set<string>;
  private readonly module: binaryen.Module;
  private readonly counter: Counter;
  private readonly cost: Cost;
  private readonly func: number;
  private readonly body: ExpressionRef;
  private readonly functionCounter: string | undefined;

  constructor(module: binaryen.Module, counter: Counter, cost: Cost, func: number, body: ExpressionRef, functionCounter?: string) {
    this.module = module;
    this.counter = counter;
    this.cost = cost;
    this.func = func;
    this.body = body;
    this.functionCounter = functionCounter;
    this.scratch = new Scratch(func);
    this.targets = branchTargets(body);
  }

  run(): void {
    const head = this.open();
    setFunctionBody(this.func, prependStatement(this.module, head, this.visit(this.body)));
    for (const segment of this.segments) this.counter.setAmount(segment.increment, segment.count);
  }

  /** Starts a segment; returns its increment, which the caller places where the segment starts. */
  private open(): ExpressionRef {
    const increment = this.counter.increment(0, this.functionCounter);
    this.segment = { increment, count: 0 };
    this.segments.push(this.segment);
    return increment.statement;
  }

  private count(expressionClass: string): void {
    if (this.segment) this.segment.count += this.cost(expressionClass);
  }

  /** Instruments `expr` in place; returns what should stand where `expr` stood. */
  private visit(expr: ExpressionRef): ExpressionRef {
    const expressionClass = className(expr);
    switch (expressionClass) {
      case "Block": {
        this.count(expressionClass);
        this.visitChildren(expr);
        const name = Block.getName(expr);
        return name !== null && this.targets.has(name) ? this.openAfter(expr) : this.settle(expr);
      }
      case "Loop": {
        this.count(expressionClass);
        const name = Loop.getName(expr);
        const body = Loop.getBody(expr);
        if (name !== null && this.targets.has(name)) {
          const head = this.open();
          Loop.setBody(expr, prependStatement(this.module, head, this.visit(body)));
        } else {
          const metered = this.visit(body);
          if (metered !== body) Loop.setBody(expr, metered);
        }
        return this.settle(expr);
      }
      case "If":
        return this.visitIf(expr);
      default: {
        // An operator runs after its operands, in the segment they end in.
        this.visitChildren(expr);
        this.count(expressionClass);
        if (expressionClass === "Break" && Break.getCondition(expr) !== 0) return this.openAfter(expr);
        return this.settle(expr);
      }
    }
  }

  private visitIf(expr: ExpressionRef): ExpressionRef {
    const condition = If.getCondition(expr);
    const metered = this.visit(condition);
    if (metered !== condition) If.setCondition(expr, metered);
    this.count("If");
    for (const [get, set] of [["getIfTrue", "setIfTrue"], ["getIfFalse", "setIfFalse"]] as const) {
      const arm = If[get](expr);
      if (arm === 0) continue;
      const head = this.open();
      If[set](expr, prependStatement(this.module, head, this.visit(arm)));
    }
    return this.openAfter(expr);
  }

  private visitChildren(expr: ExpressionRef): void {
    for (const slot of childSlots(expr)) {
      const child = slot.get();
      const metered = this.visit(child);
      if (metered !== child) slot.set(metered);
    }
  }

  /** An unreachable-typed expression never completes: what follows it cannot run. */
  private settle(expr: ExpressionRef): ExpressionRef {
    if (binaryen.getExpressionType(expr) === binaryen.unreachable) this.segment = null;
    return expr;
  }

  /** Starts a new segment right after `expr` completes (a join point or a fall-through). */
  private openAfter(expr: ExpressionRef): ExpressionRef {
    if (binaryen.getExpressionType(expr) === binaryen.unreachable) {
      this.segment = null;
      return expr;
    }
    return appendStatement(this.module, this.scratch, expr, this.open());
  }
}
