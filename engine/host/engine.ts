/**
 * The Wasm engine without validation: instantiates the module, compiles a program that is already valid,
 * encodes receipts, quotes and decodes. No zod here, so that the storefront's engine module stays small
 * (widget/engine/preview-engine.ts); the Worker, Node and the CLI use index.ts, which validates the program
 * first and lists every problem of a refused receipt. No Node-only APIs.
 *
 *   useEngineModule(module)            // once per process: a compiled WebAssembly.Module
 *   const engine = new Engine(program, module)   // `program` as validateProgram returns it
 *   engine.quote(receipt, customer?, counters?)  → Evaluation
 */
import {
  ID_BYTES, LAYOUT_VERSION, NUMBER_BYTES, PROGRAM_LOADED, RESULT_ERROR_LINE, STATUS_LINES, STATUS_OK,
  STATUS_POINTS_RANGE, STATUS_PRICE, STATUS_QTY, STATUS_REDEEM, STATUS_SHIPPING, STATUS_SNAPSHOT, STATUS_SUBTOTAL,
} from "../layout.ts";
import { compileProgram, type CompiledProgram } from "./compile.ts";
import { decode } from "./decode.ts";
import { EncodeProblem, ReceiptEncoder } from "./encode.ts";
import type { CampaignCounters, CustomerSnapshot, Evaluation, Problem, Program, Receipt } from "./types.ts";

export type * from "./types.ts";

export interface QuoteOptions {
  /** Ids of the program's rewards whose coupons this receipt uses (the Worker checks the coupons). */
  rewards?: readonly string[];
}

export interface EngineOptions {
  /**
   * Lists every problem of an input the encoder refused (the encoder stops at the first). Without it the
   * encoder's own problem is reported; index.ts passes the full schema here.
   */
  receiptProblems?: (receipt: unknown, customer: unknown) => Problem[];
}

/** The receipt or customer snapshot has problems (paths such as `lines[2].price`, `customer.balance`). */
export class ReceiptInvalidError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(`receipt is invalid: ${problems.map((p) => `${p.path || "(receipt)"}: ${p.message}`).join("; ")}`);
    this.name = "ReceiptInvalidError";
    this.problems = problems;
  }
}

/** The engine itself failed (a bug): a trap or an inconsistent layout. Never a business outcome. */
export class EngineError extends Error {
  override name = "EngineError";
}

interface Exports {
  memory: WebAssembly.Memory;
  layoutVersion(): number;
  inputBuffer(count: number): number;
  loadProgram(count: number): number;
  quote(numberCount: number, idCount: number): number;
  resultPointer(): number;
  resultLength(): number;
}

let engineModule: WebAssembly.Module | undefined;

/** Registers the compiled engine module (Worker: `import wasm from "…/release.wasm"`). */
export function useEngineModule(module: WebAssembly.Module): void {
  engineModule = module;
}

/** Compiles and registers the engine from bytes or a fetch Response (browser). */
export async function initEngine(source: BufferSource | Response | PromiseLike<Response>): Promise<void> {
  const resolved = await source;
  if (typeof Response !== "undefined" && resolved instanceof Response) {
    engineModule = await WebAssembly.compile(await resolved.arrayBuffer());
  } else {
    engineModule = await WebAssembly.compile(resolved as BufferSource);
  }
}

export function engineReady(): boolean {
  return engineModule !== undefined;
}

/** The module registered by useEngineModule() or initEngine(), if any. */
export function registeredEngineModule(): WebAssembly.Module | undefined {
  return engineModule;
}

function instantiate(module: WebAssembly.Module): Exports {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_message: number, _file: number, line: number, column: number) {
        throw new EngineError(`engine aborted at ${line}:${column}`);
      },
    },
  });
  const exports = instance.exports as unknown as Exports;
  if (exports.layoutVersion() !== LAYOUT_VERSION) {
    throw new EngineError("engine build does not match the host: rebuild with `npm run build:engine`");
  }
  return exports;
}

/** The receipt statuses, each a shop's bad input reported at its field; any other status is an engine bug. */
const STATUS_PATHS: Record<number, (line: number) => Problem> = {
  [STATUS_LINES]: () => ({ path: "lines", message: "must have 1 to 1000 lines" }),
  [STATUS_PRICE]: (i) => ({ path: `lines[${i}].price`, message: "must be an integer between 0 and 1000000000000" }),
  [STATUS_QTY]: (i) => ({ path: `lines[${i}].qty`, message: "must be an integer between 1 and 1000000" }),
  [STATUS_SUBTOTAL]: () => ({ path: "lines", message: "subtotal (Σ price × qty) must not exceed 10000000000000" }),
  [STATUS_SHIPPING]: () => ({ path: "shipping", message: "must be an integer between 0 and 1000000000000" }),
  [STATUS_REDEEM]: () => ({ path: "redeemPoints", message: "must be an integer between 0 and 10^15, or \"max\"" }),
  [STATUS_SNAPSHOT]: () => ({ path: "customer", message: "balance, spend or orders out of range" }),
  [STATUS_POINTS_RANGE]: () => ({ path: "lines", message: "points earned would exceed 10^15" }),
};

export class Engine {
  readonly compiled: CompiledProgram;
  private exports: Exports;
  private readonly encoder: ReceiptEncoder;
  private readonly module: WebAssembly.Module;
  private readonly receiptProblems: EngineOptions["receiptProblems"];

  /** `program` must be valid with its defaults applied (validateProgram's result, or a server's answer). */
  constructor(program: Program, module: WebAssembly.Module, options: EngineOptions = {}) {
    this.module = module;
    this.receiptProblems = options.receiptProblems;
    this.compiled = compileProgram(program);
    this.encoder = new ReceiptEncoder(this.compiled);
    this.exports = this.load();
  }

  private load(): Exports {
    const exports = instantiate(this.module);
    const flat = this.compiled.flat;
    const ptr = exports.inputBuffer(flat.length);
    new Float64Array(exports.memory.buffer, ptr, flat.length).set(flat);
    if (exports.loadProgram(flat.length) !== PROGRAM_LOADED) throw new EngineError("engine rejected the compiled program");
    return exports;
  }

  get program(): Program {
    return this.compiled.program;
  }

  /** Encodes the input into Wasm memory; returns the slot counts. Throws ReceiptInvalidError. */
  private write(receipt: Receipt, customer: CustomerSnapshot, counters?: CampaignCounters, options?: QuoteOptions): [number, number] {
    try {
      if (typeof receipt !== "object" || receipt === null) throw new EncodeProblem("", "must be an object");
      if (typeof customer !== "object" || customer === null) throw new EncodeProblem("customer", "must be an object");
      const size = this.encoder.size(receipt, customer);
      // The buffer is sized in numbers: the ids after them take a number's room per NUMBER_BYTES / ID_BYTES.
      const ptr = this.exports.inputBuffer(size.numbers + Math.ceil((size.ids * ID_BYTES) / NUMBER_BYTES));
      const buffer = this.exports.memory.buffer;
      const numbers = new Float64Array(buffer, ptr, size.numbers);
      const ids = new Int32Array(buffer, ptr + size.numbers * NUMBER_BYTES, size.ids);
      return [size.numbers, this.encoder.encode(numbers, ids, receipt, customer, counters, options?.rewards)];
    } catch (e) {
      if (!(e instanceof EncodeProblem) && !(e instanceof TypeError)) throw e;
      // Report every problem when a lister was given, not just the first one the encoder met.
      const problems = this.receiptProblems?.(receipt, customer) ?? [];
      throw new ReceiptInvalidError(problems.length ? problems : e instanceof EncodeProblem ? [e.problem] : [{ path: "", message: String(e) }]);
    }
  }

  /** Runs the Wasm evaluation on the written input; returns the status. Re-instantiates after a trap. */
  private run([numbers, ids]: [number, number]): number {
    try {
      return this.exports.quote(numbers, ids);
    } catch (e) {
      // A trap is a bug, never a business outcome: log it, start from a fresh instance, report it.
      console.error("kopilka engine trapped; re-instantiating", e);
      this.exports = this.load();
      throw new EngineError(`engine trapped: ${(e as Error).message}`);
    }
  }

  /**
   * The evaluation of `receipt` for `customer` (default: a new customer) under this program. `counters`: what
   * is left of shop-wide limits; `options.rewards`: the program's rewards whose coupons the customer presents
   * (each applies as the campaign `reward:<id>`).
   */
  quote(receipt: Receipt, customer: CustomerSnapshot = {}, counters?: CampaignCounters, options?: QuoteOptions): Evaluation {
    const status = this.run(this.write(receipt, customer, counters, options));
    const length = this.exports.resultLength();
    const out = new Float64Array(this.exports.memory.buffer, this.exports.resultPointer(), length);
    if (status !== STATUS_OK) {
      const problem = STATUS_PATHS[status];
      if (problem) throw new ReceiptInvalidError([problem(out[RESULT_ERROR_LINE]!)]);
      throw new EngineError(`engine status ${status}`);
    }
    return decode(out, this.compiled, receipt, customer);
  }

  /**
   * Benchmark hook: prepares the input once and returns a function that runs only the Wasm evaluation.
   * The input stays valid until the next quote.
   */
  prepare(receipt: Receipt, customer: CustomerSnapshot = {}, counters?: CampaignCounters): () => number {
    const [numbers, ids] = this.write(receipt, customer, counters);
    return () => this.exports.quote(numbers, ids);
  }
}
