/**
 * The engine host: loads the Wasm receipt engine, validates and compiles a program once and quotes receipts.
 * No Node-only APIs: the same module runs in the Worker, in Node (see node.ts) and in the browser.
 *
 *   useEngineModule(module)            // once per process: a compiled WebAssembly.Module
 *   const engine = createEngine(program)
 *   engine.quote(receipt, customer?, counters?)  → Evaluation
 *
 * The Engine itself is engine.ts, which has no zod; this module adds full validation (validate.ts): of the
 * program before it is compiled, and of a receipt the encoder refused, so that every problem is listed.
 */
import { Engine, EngineError, registeredEngineModule } from "./engine.ts";
import type { Problem } from "./types.ts";
import { validateCustomer, validateProgram, validateReceipt } from "./validate.ts";

export type * from "./types.ts";
export {
  Engine,
  EngineError,
  engineReady,
  initEngine,
  ReceiptInvalidError,
  useEngineModule,
  type EngineOptions,
  type QuoteOptions,
} from "./engine.ts";
export { validateProgram, validateReceipt, validateCustomer } from "./validate.ts";

/** The program has problems; `problems` lists every one with its JSON path. */
export class ProgramInvalidError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(`program is invalid: ${problems.map((p) => `${p.path || "(program)"}: ${p.message}`).join("; ")}`);
    this.name = "ProgramInvalidError";
    this.problems = problems;
  }
}

/** Every problem of the receipt and of the customer snapshot (paths `customer.…`), by the full schema. */
function receiptProblems(receipt: unknown, customer: unknown): Problem[] {
  const r = validateReceipt(receipt);
  const c = validateCustomer(customer);
  return [
    ...(r.ok ? [] : r.problems),
    ...(c.ok ? [] : c.problems.map((p) => ({ ...p, path: p.path ? `customer.${p.path}` : "customer" }))),
  ];
}

/** Validates and compiles `program`; throws ProgramInvalidError listing every problem. */
export function createEngine(program: unknown, options: { module?: WebAssembly.Module } = {}): Engine {
  const module = options.module ?? registeredEngineModule();
  if (!module) throw new EngineError("engine module not loaded: call useEngineModule() or initEngine() first");
  const result = validateProgram(program);
  if (!result.ok) throw new ProgramInvalidError(result.problems);
  return new Engine(result.program, module, { receiptProblems });
}
