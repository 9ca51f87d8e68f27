/**
 * What the instruction meters need from binaryen.js beyond its typed surface: every expression's child
 * slots in evaluation order (to walk and to replace a child with an instrumented copy), the counter global,
 * its exports and per-function scratch locals.
 */
import binaryen from "binaryen";

export type ExpressionRef = number;
type FunctionRef = number;

/** binaryen.js's expression classes (`binaryen.Binary.getLeft(expr)` …) exist at runtime but not in its .d.ts. */
type ExpressionClass = Record<string, (expr: ExpressionRef, ...rest: number[]) => number>;
const classes = binaryen as unknown as Record<string, ExpressionClass>;

type Get = (expr: ExpressionRef) => ExpressionRef;
type SetChild = (expr: ExpressionRef, child: ExpressionRef) => void;
type GetName = (expr: ExpressionRef) => string | null;
/** The control-flow classes the meters look into, typed. */
export const Block = binaryen["Block" as keyof typeof binaryen] as unknown as { getName: GetName };
export const Loop = binaryen["Loop" as keyof typeof binaryen] as unknown as { getName: GetName; getBody: Get; setBody: SetChild };
export const If = binaryen["If" as keyof typeof binaryen] as unknown as Record<"getCondition" | "getIfTrue" | "getIfFalse", Get> &
  Record<"setCondition" | "setIfTrue" | "setIfFalse", SetChild>;
export const Break = binaryen["Break" as keyof typeof binaryen] as unknown as { getName(expr: ExpressionRef): string; getCondition: Get };
const Switch = binaryen["Switch" as keyof typeof binaryen] as unknown as {
  getNumNames(expr: ExpressionRef): number;
  getNameAt(expr: ExpressionRef, index: number): string;
  getDefaultName: GetName;
};
const raw = binaryen as unknown as {
  _BinaryenFunctionAddVar(func: FunctionRef, type: number): number;
  _BinaryenFunctionSetBody(func: FunctionRef, body: ExpressionRef): void;
  _BinaryenConstSetValueI64(expr: ExpressionRef, value: bigint): void;
};

/** A field holding one child (`"Left"` → getLeft/setLeft) or a list (`["Operand", "Operands"]` → getNumOperands …). */
type Field = string | [string, string];

/** Child fields per expression class, in the order the operands are evaluated. */
const FIELDS: Record<string, Field[]> = {
  Block: [["Child", "Children"]],
  If: ["Condition", "IfTrue", "IfFalse"],
  Loop: ["Body"],
  Break: ["Value", "Condition"],
  Switch: ["Value", "Condition"],
  Call: [["Operand", "Operands"]],
  CallIndirect: [["Operand", "Operands"], "Target"],
  CallRef: [["Operand", "Operands"], "Target"],
  LocalSet: ["Value"],
  GlobalSet: ["Value"],
  Load: ["Ptr"],
  Store: ["Ptr", "Value"],
  Unary: ["Value"],
  Binary: ["Left", "Right"],
  Select: ["IfTrue", "IfFalse", "Condition"],
  Drop: ["Value"],
  Return: ["Value"],
  MemoryGrow: ["Delta"],
  AtomicRMW: ["Ptr", "Value"],
  AtomicCmpxchg: ["Ptr", "Expected", "Replacement"],
  AtomicWait: ["Ptr", "Expected", "Timeout"],
  AtomicNotify: ["Ptr", "NotifyCount"],
  SIMDExtract: ["Vec"],
  SIMDReplace: ["Vec", "Value"],
  SIMDShuffle: ["Left", "Right"],
  SIMDTernary: ["A", "B", "C"],
  SIMDShift: ["Vec", "Shift"],
  SIMDLoad: ["Ptr"],
  SIMDLoadStoreLane: ["Ptr", "Vec"],
  MemoryInit: ["Dest", "Offset", "Size"],
  MemoryCopy: ["Dest", "Source", "Size"],
  MemoryFill: ["Dest", "Value", "Size"],
  RefIsNull: ["Value"],
  RefEq: ["Left", "Right"],
  TableGet: ["Index"],
  TableSet: ["Index", "Value"],
  TableGrow: ["Value", "Delta"],
  TupleMake: [["Operand", "Operands"]],
  TupleExtract: ["Tuple"],
  Throw: [["Operand", "Operands"]],
  RefI31: ["Value"],
  // Leaves.
  Nop: [], Unreachable: [], Const: [], LocalGet: [], GlobalGet: [], MemorySize: [], AtomicFence: [],
  DataDrop: [], RefNull: [], RefFunc: [], TableSize: [], Rethrow: [],
};

const classById = new Map<number, string>();
for (const name of Object.keys(FIELDS)) {
  classById.set((binaryen as unknown as Record<string, number>)[`${name}Id`]!, name);
}

/** The binaryen class name of an expression (`"Binary"`, `"Block"` …). */
export function className(expr: ExpressionRef): string {
  const id = binaryen.getExpressionId(expr);
  const name = classById.get(id);
  // Exceptions (try, try_table) and GC branches (br_on_*) change control flow in ways the meters do not model;
  // failing loudly beats a wrong count. The AssemblyScript engine uses none of them.
  if (name === undefined) throw new Error(`meter: unsupported expression (binaryen id ${id})`);
  return name;
}

export interface ChildSlot {
  get(): ExpressionRef;
  set(child: ExpressionRef): void;
}

/** The present (non-null) children of an expression, in evaluation order. */
export function childSlots(expr: ExpressionRef): ChildSlot[] {
  const name = className(expr);
  const cls = classes[name]!;
  const slots: ChildSlot[] = [];
  for (const field of FIELDS[name]!) {
    if (typeof field === "string") {
      if (cls[`get${field}`]!(expr) !== 0) {
        slots.push({ get: () => cls[`get${field}`]!(expr), set: (child) => void cls[`set${field}`]!(expr, child) });
      }
    } else {
      const [item, items] = field;
      const count = cls[`getNum${items}`]!(expr);
      for (let i = 0; i < count; i++) {
        slots.push({ get: () => cls[`get${item}At`]!(expr, i), set: (child) => void cls[`set${item}At`]!(expr, i, child) });
      }
    }
  }
  return slots;
}

/** Labels that some branch in the tree targets. */
export function branchTargets(root: ExpressionRef): Set<string> {
  const names = new Set<string>();
  const visit = (expr: ExpressionRef): void => {
    const id = binaryen.getExpressionId(expr);
    if (id === binaryen.BreakId) names.add(Break.getName(expr));
    if (id === binaryen.SwitchId) {
      for (let i = 0; i < Switch.getNumNames(expr); i++) names.add(Switch.getNameAt(expr, i));
      const fallback = Switch.getDefaultName(expr);
      if (fallback !== null) names.add(fallback);
    }
    for (const slot of childSlots(expr)) visit(slot.get());
  };
  visit(root);
  return names;
}

/** An inserted `counter += amount` statement; its constants may be changed once the amount is known. */
export interface Increment {
  statement: ExpressionRef;
  constants: ExpressionRef[];
}

/** Prefixes of the exported per-function counters (`__instructions:<function name>`, `__calls:…`), when profiling. */
export const FUNCTION_COUNTER_PREFIX = "__instructions:";
export const CALL_COUNTER_PREFIX = "__calls:";

/** The counter: a mutable i64 global exported as `__instructions`, plus `__meter_read()` and `__meter_reset()`. */
export class Counter {
  readonly global: string;
  private readonly module: binaryen.Module;

  constructor(module: binaryen.Module) {
    this.module = module;
    this.global = this.addGlobal("__meter_instructions", "__instructions");
    module.addFunction(`${this.global}_read`, binaryen.none, binaryen.i64, [], module.global.get(this.global, binaryen.i64));
    module.addFunctionExport(`${this.global}_read`, "__meter_read");
    const reset = module.global.set(this.global, module.i64.const(0n));
    module.addFunction(`${this.global}_reset`, binaryen.none, binaryen.none, [], reset);
    module.addFunctionExport(`${this.global}_reset`, "__meter_reset");
  }

  /** A second counter for one function's own (exclusive) instructions, exported as `__instructions:<name>`. */
  addFunctionCounter(functionName: string): string {
    return this.addGlobal(`__meter_instructions_in_${functionName}`, FUNCTION_COUNTER_PREFIX + functionName);
  }

  /** A counter of one function's calls, exported as `__calls:<name>`; returns the `+= 1` for its entry. */
  addCallCounter(functionName: string): ExpressionRef {
    const global = this.addGlobal(`__meter_calls_of_${functionName}`, CALL_COUNTER_PREFIX + functionName);
    const get = this.module.global.get(global, binaryen.i64);
    return this.module.global.set(global, this.module.i64.add(get, this.module.i64.const(1n)));
  }

  private addGlobal(preferredName: string, exportName: string): string {
    let name = preferredName;
    while (this.module.getGlobal(name) !== 0) name += "_";
    this.module.addGlobal(name, binaryen.i64, true, this.module.i64.const(0n));
    this.module.addGlobalExport(name, exportName);
    return name;
  }

  /** `counter += amount` (and `functionCounter += amount` when given). */
  increment(amount = 0, functionCounter?: string): Increment {
    const constants: ExpressionRef[] = [];
    const sets = [this.global, ...(functionCounter ? [functionCounter] : [])].map((global) => {
      const constant = this.module.i64.const(BigInt(amount));
      constants.push(constant);
      return this.module.global.set(global, this.module.i64.add(this.module.global.get(global, binaryen.i64), constant));
    });
    return { statement: sets.length === 1 ? sets[0]! : this.module.block(null, sets, binaryen.none), constants };
  }

  setAmount(increment: Increment, amount: number): void {
    for (const constant of increment.constants) raw._BinaryenConstSetValueI64(constant, BigInt(amount));
  }
}

/** One scratch local per value type for a function, to carry a value across an inserted statement. */
export class Scratch {
  private readonly locals = new Map<number, number>();
  private readonly func: FunctionRef;

  constructor(func: FunctionRef) {
    this.func = func;
  }

  local(type: number): number {
    let index = this.locals.get(type);
    if (index === undefined) {
      index = raw._BinaryenFunctionAddVar(this.func, type);
      this.locals.set(type, index);
    }
    return index;
  }
}

export function setFunctionBody(func: FunctionRef, body: ExpressionRef): void {
  raw._BinaryenFunctionSetBody(func, body);
}

/**
 * `expr` followed by `statement`, keeping `expr`'s value: `(block expr statement)` for no value,
 * `(block (local.set $s expr) statement (local.get $s))` otherwise. `expr` must not be unreachable-typed.
 */
export function appendStatement(
  module: binaryen.Module,
  scratch: Scratch,
  expr: ExpressionRef,
  statement: ExpressionRef,
): ExpressionRef {
  const type = binaryen.getExpressionType(expr);
  if (type === binaryen.none) return module.block(null, [expr, statement], binaryen.none);
  const local = scratch.local(type);
  return module.block(null, [module.local.set(local, expr), statement, module.local.get(local, type)], type);
}

/** `statement` then `expr`, with `expr`'s type. */
export function prependStatement(module: binaryen.Module, statement: ExpressionRef, expr: ExpressionRef): ExpressionRef {
  return module.block(null, [statement, expr], binaryen.getExpressionType(expr));
}

/** The functions that have a body (imports have none), listed before the meter adds its own. */
export function definedFunctions(module: binaryen.Module): { func: FunctionRef; body: ExpressionRef }[] {
  const found: { func: FunctionRef; body: ExpressionRef }[] = [];
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const func = module.getFunctionByIndex(i);
    const info = binaryen.getFunctionInfo(func);
    if (info.base || info.body === 0) continue;
    found.push({ func, body: info.body });
  }
  return found;
}
