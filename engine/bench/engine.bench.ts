/**
 * The engine benchmark: `npm run bench:engine` (runs as `node engine/bench/engine.bench.ts`).
 *
 * For carts of 10, 200 and 1,000 lines under a 50-campaign program (workload.ts) it measures the host quote
 * (encode + Wasm + decode) and the Wasm evaluation alone, counts the Wasm instructions of one quote exactly on
 * a metered copy of engine/build/release.wasm (meter.ts), prints a markdown table and writes results.md.
 * The whole run takes well under a minute.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEngine, releaseWasmPath, type Engine } from "../host/node.ts";
import { meter, readMeter, readProfile } from "./meter.ts";
import { type CartResult, describeMachine, renderReport, resultsTable, targetsTable } from "./report.ts";
import { time, type TimingOptions } from "./timing.ts";
import { cart, COUNTERS, CUSTOMER, PROGRAM } from "./workload.ts";

const SIZES = [10, 200, 1000];
const HOST_TIMING: TimingOptions = { warmupMs: 400, budgetMs: 4000, maxSamples: 500_000 };
const WASM_TIMING: TimingOptions = { warmupMs: 300, budgetMs: 2500, maxSamples: 500_000 };
const RESULTS_PATH = fileURLToPath(new URL("./results.md", import.meta.url));

interface MeteredEngine {
  engine: Engine;
  instance: WebAssembly.Instance;
}

/**
 * An engine on a metered copy of the release build, with the Wasm instance that holds the counter. The host
 * keeps its instance private, so the one it creates is caught at construction.
 */
function meteredEngine(bytes: Uint8Array<ArrayBuffer>): MeteredEngine {
  const module = new WebAssembly.Module(bytes);
  const created: WebAssembly.Instance[] = [];
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = new Proxy(Instance, {
    construct(target, args, newTarget) {
      const instance = Reflect.construct(target, args, newTarget) as WebAssembly.Instance;
      created.push(instance);
      return instance;
    },
  });
  let engine: Engine;
  try {
    engine = createEngine(PROGRAM, { module });
  } finally {
    WebAssembly.Instance = Instance;
  }
  if (created.length !== 1) throw new Error(`expected the engine to create one Wasm instance, saw ${created.length}`);
  return { engine, instance: created[0]! };
}

/** Function names of the release build from the .wat asc writes beside it (the .wasm carries no names). */
function functionNames(): Map<string, string> {
  const names = new Map<string, string>();
  const watPath = releaseWasmPath.replace(/\.wasm$/, ".wat");
  if (!existsSync(watPath)) return names;
  const defined = [...readFileSync(watPath, "utf8").matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]!);
  // binaryen names a nameless module's defined functions by their index among defined functions.
  defined.forEach((name, index) => names.set(String(index), name));
  return names;
}

/** Runs `fn` on a metered engine and returns the instructions it executed. */
function instructionsOf(metered: MeteredEngine, fn: () => unknown): number {
  const before = readMeter(metered.instance);
  fn();
  return Number(readMeter(metered.instance) - before);
}

function benchmarkCart(lines: number, engine: Engine, metered: MeteredEngine, fueled: MeteredEngine, names: Map<string, string>): CartResult {
  const receipt = cart(lines);
  const evaluation = engine.quote(receipt, CUSTOMER, COUNTERS);

  // Exact counts, and proof that the metered copy computes the same evaluation.
  const expected = JSON.stringify(evaluation);
  let meteredEvaluation = "";
  const profileBefore = readProfile(metered.instance);
  const instructions = instructionsOf(metered, () => (meteredEvaluation = JSON.stringify(metered.engine.quote(receipt, CUSTOMER, COUNTERS))));
  const profileAfter = readProfile(metered.instance);
  if (meteredEvaluation !== expected) throw new Error(`the metered engine's evaluation differs (${lines} lines)`);
  const fuel = instructionsOf(fueled, () => fueled.engine.quote(receipt, CUSTOMER, COUNTERS));
  const evaluate = metered.engine.prepare(receipt, CUSTOMER, COUNTERS);
  const evaluationInstructions = instructionsOf(metered, evaluate);
  const profile = [...profileAfter]
    .map(([name, after]) => {
      const before = profileBefore.get(name) ?? { instructions: 0n, calls: 0n };
      return { name: names.get(name) ?? name, instructions: Number(after.instructions - before.instructions), calls: Number(after.calls - before.calls) };
    })
    .filter((f) => f.instructions > 0)
    .sort((a, b) => b.instructions - a.instructions);

  const host = time(() => engine.quote(receipt, CUSTOMER, COUNTERS), HOST_TIMING);
  const run = engine.prepare(receipt, CUSTOMER, COUNTERS);
  if (run() !== 0) throw new Error(`the Wasm evaluation failed (${lines} lines)`);
  const wasm = time(run, WASM_TIMING);

  return { lines, applied: evaluation.campaigns.length, host, wasm, instructions, fuel, evaluationInstructions, profile };
}

function main(): void {
  const bytes = readFileSync(releaseWasmPath);
  const wasmBytes = new Uint8Array(bytes);
  const engine = createEngine(PROGRAM);
  const metered = meteredEngine(meter(wasmBytes, { perFunction: true }));
  const fueled = meteredEngine(meter(wasmBytes, { cost: "fuel" }));
  const names = functionNames();

  const results: CartResult[] = [];
  for (const lines of SIZES) {
    const result = benchmarkCart(lines, engine, metered, fueled, names);
    results.push(result);
    console.log(`${lines} lines: host median ${result.host.medianMicros.toFixed(1)} µs, ${result.instructions} instructions`);
  }

  const budget = `per cart, ${HOST_TIMING.warmupMs} ms warm-up then up to ${HOST_TIMING.budgetMs / 1000} s of host quotes, ` +
    `${WASM_TIMING.warmupMs} ms + up to ${WASM_TIMING.budgetMs / 1000} s of Wasm-only runs; ` +
    `samples: ${results.map((r) => `${r.lines} lines ${r.host.samples.toLocaleString("en-US")} / ${r.wasm.samples.toLocaleString("en-US")}`).join(", ")}`;
  const report = renderReport({ machine: describeMachine(), campaigns: PROGRAM.campaigns!.length, results, wasmBytes: bytes.length, budget });
  writeFileSync(RESULTS_PATH, report);
  console.log(`\n${resultsTable(results)}\n\n${targetsTable(results, bytes.length)}\n\nwritten to ${RESULTS_PATH}`);
}

main();
