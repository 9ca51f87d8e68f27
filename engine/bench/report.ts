/** Renders the benchmark's results as markdown (printed, and written to engine/bench/results.md). */
import os from "node:os";
import type { Timing } from "./timing.ts";

/** Shopify Functions' per-run instruction limit (wasmtime fuel), the yardstick for the engine's cost. */
export const SHOPIFY_BUDGET = 11_000_000;

export const TARGETS = {
  instructionsAt200Lines: 110_000,
  hostMedianMicros: { 10: 20, 200: 200 } as Record<number, number>,
  wasmBytes: 64 * 1024,
};

export interface CartResult {
  lines: number;
  applied: number;
  host: Timing;
  wasm: Timing;
  /** Every Wasm instruction one `engine.quote()` executes (binaryen expressions, see meter.ts). */
  instructions: number;
  /** The same run in wasmtime fuel (what Shopify's function-runner reports as instructions). */
  fuel: number;
  /** The `quote` export alone (the evaluation, without the host's buffer calls). */
  evaluationInstructions: number;
  /** Own instructions and calls per function, most instructions first. */
  profile: { name: string; instructions: number; calls: number }[];
}

export interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  node: string;
  os: string;
  date: string;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() || "unknown",
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const micros = (n: number) => (n < 100 ? n.toFixed(1) : int(n));
const share = (n: number, of: number) => `${((100 * n) / of).toFixed(2)}%`;
const verdict = (ok: boolean) => (ok ? "pass" : "**miss**");

export function resultsTable(results: CartResult[]): string {
  const rows = results.map((r) =>
    `| ${r.lines} | ${micros(r.host.medianMicros)} | ${micros(r.host.p99Micros)} | ${int(1e6 / r.host.meanMicros)} | ` +
    `${micros(r.wasm.medianMicros)} | ${micros(r.wasm.p99Micros)} | ${int(r.instructions)} | ${share(r.instructions, SHOPIFY_BUDGET)} | ` +
    `${int(r.fuel)} | ${share(r.fuel, SHOPIFY_BUDGET)} |`);
  return [
    "| lines | host median µs | host p99 µs | quotes/s | Wasm median µs | Wasm p99 µs | Wasm instructions / quote | of 11M | wasmtime fuel / quote | of 11M |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

export function targetsTable(results: CartResult[], wasmBytes: number): string {
  const rows: string[] = [];
  const at200 = results.find((r) => r.lines === 200);
  if (at200) {
    rows.push(`| 200-line cart ≤ ${int(TARGETS.instructionsAt200Lines)} Wasm instructions | ${int(at200.instructions)} ` +
      `(fuel ${int(at200.fuel)}) | ${verdict(at200.instructions <= TARGETS.instructionsAt200Lines)} |`);
  }
  for (const r of results) {
    const limit = TARGETS.hostMedianMicros[r.lines];
    if (limit === undefined) continue;
    rows.push(`| host median ≤ ${limit} µs, ${r.lines} lines | ${micros(r.host.medianMicros)} µs | ${verdict(r.host.medianMicros <= limit)} |`);
  }
  rows.push(`| release .wasm ≤ 64 KB | ${int(wasmBytes)} bytes (${(wasmBytes / 1024).toFixed(1)} KB) | ${verdict(wasmBytes <= TARGETS.wasmBytes)} |`);
  return ["| target | measured | result |", "|---|---:|---|", ...rows].join("\n");
}

export function profileTable(result: CartResult, top = 12): string {
  const rows = result.profile.slice(0, top).map((f) =>
    `| \`${f.name}\` | ${int(f.calls)} | ${int(f.instructions)} | ${share(f.instructions, result.instructions)} |`);
  return ["| function | calls | own instructions | share |", "|---|---:|---:|---:|", ...rows].join("\n");
}

export interface Report {
  machine: Machine;
  campaigns: number;
  results: CartResult[];
  wasmBytes: number;
  budget: string;
}

export function renderReport(report: Report): string {
  const { machine, results } = report;
  const profiled = results.find((r) => r.lines === 200) ?? results[0]!;
  return `# Engine benchmark

Written by \`npm run bench:engine\` (engine/bench/engine.bench.ts) — do not edit by hand.

## Machine

- CPU: ${machine.cpu}, ${machine.cores} cores
- Memory: ${machine.memory}
- Node ${machine.node}, ${machine.os}
- Date: ${machine.date}

## Workload

A program of ${report.campaigns} campaigns (happy hours, weekdays, promo codes, category discounts, order number,
birthday, bundles, cheapest-free, multipliers, bonus points, exclusive ones, dated ones, limits and counters,
purchase history) and tiers Bronze/Silver/Gold; a Silver member two days before their birthday on their 9th order;
a receipt on Tuesday 12:40 Moscow time with the code \`autumn10\`, shipping and \`redeemPoints: "max"\`; carts drawn
from a fixed 2,000-product catalog (seeded, identical on every run). Campaigns that apply:
${results.map((r) => `${r.lines} lines: ${r.applied}`).join(", ")} (tier discount included).

## Results

${resultsTable(results)}

- **host**: \`engine.quote(receipt, customer, counters)\` — encode, Wasm evaluation, decode — one timed call per sample.
- **Wasm**: the \`quote\` export alone on an input written once (\`engine.prepare()\`).
- **quotes/s**: one thread, 1 / mean host time.
- **Wasm instructions**: every instruction the Wasm executes in one \`engine.quote()\`, counted exactly by a metered
  copy of the release build (engine/bench/meter.ts: every binaryen IR expression executed counts 1, including
  \`block\`/\`loop\` entries). **wasmtime fuel** is the same run under wasmtime's default fuel costs (\`block\`, \`loop\`,
  \`drop\`, \`nop\`, \`return\`, \`unreachable\`, \`else\`, \`end\` free), which is what Shopify's function-runner reports as
  instructions against the 11,000,000 limit.
- Sampling: ${report.budget}.

## Targets

${targetsTable(results, report.wasmBytes)}

## Where the instructions go (${profiled.lines}-line cart)

The \`quote\` export executes ${int(profiled.evaluationInstructions)} of the ${int(profiled.instructions)} instructions;
own instructions per function (callees not included):

${profileTable(profiled)}
`;
}
