/** Renders the API benchmark's results as markdown (printed, and written to tools/bench/results.md). */
import type { Machine } from "../../engine/bench/report.ts";
import type { Measured, Scenario, ScenarioOptions } from "./scenarios.ts";

export interface Row {
  scenario: Scenario;
  measured?: Measured;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : int(n));
const verdict = (ok: boolean) => (ok ? "pass" : "**miss**");

function baselineOf(rows: Row[]): Measured | undefined {
  return rows[0]?.measured;
}

/** Several runs of one scenario as one: mean rates and percentiles, the largest max, summed counts. */
export function combine(runs: Measured[]): Measured {
  const mean = (f: (m: Measured) => number) => runs.reduce((a, m) => a + f(m), 0) / runs.length;
  const sum = (f: (m: Measured) => number) => runs.reduce((a, m) => a + f(m), 0);
  const failures: Record<string, number> = {};
  for (const m of runs) for (const [status, n] of Object.entries(m.failures)) failures[status] = (failures[status] ?? 0) + n;
  return {
    name: runs[0]!.name,
    unit: runs[0]!.unit,
    perSecond: mean((m) => m.perSecond),
    requestsPerSecond: mean((m) => m.requestsPerSecond),
    p50: mean((m) => m.p50),
    p99: mean((m) => m.p99),
    max: Math.max(...runs.map((m) => m.max)),
    requests: sum((m) => m.requests),
    errors: sum((m) => m.errors),
    non2xx: sum((m) => m.non2xx),
    failures,
    firstFailure: runs.find((m) => m.firstFailure)?.firstFailure,
    seconds: sum((m) => m.seconds),
    ...(runs.some((m) => m.sendLatenessP99 !== undefined) ? { sendLatenessP99: Math.max(...runs.map((m) => m.sendLatenessP99 ?? 0)) } : {}),
  };
}

function errorsOf(m: Measured): string {
  if (m.errors === 0 && m.non2xx === 0) return "0";
  const codes = Object.entries(m.failures).map(([status, count]) => `${int(count)}×${status}`).join(", ");
  return `**${int(m.errors)} errors, ${int(m.non2xx)} non-2xx**${codes ? ` (${codes})` : ""}`;
}

export function resultsTable(rows: Row[]): string {
  const baseline = baselineOf(rows);
  const lines = rows.map(({ scenario, measured: m }) => {
    if (!m) return `| ${scenario.name} | ${scenario.notBuilt ?? "not run"} | | | | | | | |`;
    const units = m.unit === "request" ? "" : ` ${m.unit}s`;
    const ratio = baseline ? `${((100 * m.requestsPerSecond) / baseline.requestsPerSecond).toFixed(1)}%` : "";
    return `| ${scenario.name} | ${int(m.perSecond)}${units} | ${int(m.requestsPerSecond)} | ${ratio} | ${ms(m.p50)} | ${ms(m.p99)} | ` +
      `${ms(m.max)} | ${int(m.requests)} | ${errorsOf(m)} |`;
  });
  return [
    "| scenario | throughput /s | HTTP requests/s | of no-op | p50 ms | p99 ms | max ms | requests | errors / non-2xx |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...lines,
  ].join("\n");
}

function find(rows: Row[], prefix: string): Measured | undefined {
  return rows.find((r) => r.scenario.name.startsWith(prefix))?.measured;
}

export function targetsTable(rows: Row[]): string {
  const baseline = baselineOf(rows);
  const quote10 = rows.find((r) => r.scenario.name === "POST /v1/checkout/quote, 10-line cart")?.measured;
  const paced = find(rows, "POST /v1/checkout/quote, 10-line cart, paced at 70%");
  const pacedNoop = find(rows, "GET /v1/health (no-op), paced at 70%");
  const many = find(rows, "order + confirm, 200");
  const hot = find(rows, "order + confirm, one hot");
  const out: string[] = [];
  if (baseline && quote10) {
    const share = quote10.requestsPerSecond / baseline.requestsPerSecond;
    out.push(`| quote, 10 lines ≥ 70% of the no-op's requests/s | ${(100 * share).toFixed(1)}% (${int(quote10.requestsPerSecond)} of ${int(baseline.requestsPerSecond)}) | ${verdict(share >= 0.7)} |`);
  }
  if (baseline && paced) {
    const offered = 0.7 * baseline.requestsPerSecond;
    const kept = paced.requestsPerSecond >= 0.97 * offered;
    out.push(`| quote, 10 lines: p99 ≤ 10 ms at that load (offered at 70% of the no-op) | ${ms(paced.p99)} ms at ${int(paced.requestsPerSecond)} requests/s` +
      `${kept ? "" : ` (${int(offered)}/s offered: not kept up with)`}${pacedNoop ? `; the no-op's own p99 at that rate: ${ms(pacedNoop.p99)} ms` : ""} | ` +
      `${verdict(kept && paced.p99 <= 10)} |`);
  }
  if (many) out.push(`| order + confirm, many customers: p99 ≤ 25 ms | ${ms(many.p99)} ms | ${verdict(many.p99 <= 25)} |`);
  if (hot) out.push(`| order + confirm, one hot customer ≥ 500 confirmed orders/s | ${int(hot.perSecond)}/s | ${verdict(hot.perSecond >= 500)} |`);
  const measured = rows.filter((r) => r.measured);
  const failing = measured.filter((r) => r.measured!.errors + r.measured!.non2xx > 0).map((r) => r.scenario.name);
  out.push(`| zero errors in every run | ${failing.length === 0 ? `${measured.length} runs, none` : `errors in: ${failing.join("; ")}`} | ${verdict(failing.length === 0)} |`);
  const missing = rows.filter((r) => !r.measured).map((r) => r.scenario.name);
  if (missing.length > 0) out.push(`| every scenario measured | not built yet: ${missing.join("; ")} | **miss** |`);
  return ["| target | measured | result |", "|---|---|---|", ...out].join("\n");
}

/** Before (the baseline) and after (this tree), scenario by scenario, with each side's share of its own no-op. */
export function comparisonTable(before: Row[], after: Row[]): string {
  const [b0, a0] = [baselineOf(before), baselineOf(after)];
  const share = (m: Measured, base: Measured | undefined) => (base ? `${((100 * m.requestsPerSecond) / base.requestsPerSecond).toFixed(1)}%` : "");
  const lines = after.map(({ scenario, measured: a }, i) => {
    const b = before[i]?.measured;
    if (!a || !b) return `| ${scenario.name} | not run | | | | | | |`;
    const units = a.unit === "request" ? "" : " orders";
    return `| ${scenario.name} | ${int(b.perSecond)}${units} (${share(b, b0)}) | ${int(a.perSecond)}${units} (${share(a, a0)}) | ` +
      `×${(a.perSecond / b.perSecond).toFixed(2)} | ${ms(b.p50)} / ${ms(b.p99)} | ${ms(a.p50)} / ${ms(a.p99)} | ${errorsOf(b)} | ${errorsOf(a)} |`;
  });
  return [
    "| scenario | before /s (of its no-op) | after /s (of its no-op) | change | before p50 / p99 ms | after p50 / p99 ms | errors before | errors after |",
    "|---|---:|---:|---:|---:|---:|---|---|",
    ...lines,
  ].join("\n");
}

function failuresSection(rows: Row[]): string {
  const failed = rows.filter((r) => r.measured?.firstFailure);
  if (failed.length === 0) return "";
  return `\n## First failure of each scenario that had one\n\n${failed.map((r) => `- ${r.scenario.name}: \`${r.measured!.firstFailure!.replaceAll("`", "'")}\``).join("\n")}\n`;
}

export interface Report {
  machine: Machine;
  wrangler: string;
  options: ScenarioOptions;
  customers: number;
  rows: Row[];
  /** With BENCH_BASELINE: the baseline's rows, measured in the same run, and what each side is. */
  comparison?: { baseline: string; current: string; before: Row[] };
}

function comparisonSection(report: Report): string {
  const c = report.comparison;
  if (!c) return "";
  return `
## Before and after, in the same run

Both Workers ran side by side on this machine (\`BENCH_BASELINE\`): the baseline (${c.baseline}) and this tree
(${c.current}). Each scenario was measured baseline, this tree, this tree, baseline; each figure is the mean of a
side's two runs (latencies too), so that the machine's drift during the run weighs on both alike. The results table
above is this tree's side.

${comparisonTable(c.before, report.rows)}
`;
}

export function renderReport(report: Report): string {
  const { machine, options, rows } = report;
  return `# API benchmark

Written by \`npm run bench:api\` (tools/bench/api.bench.ts) — do not edit by hand.

## Machine

- CPU: ${machine.cpu}, ${machine.cores} cores
- Memory: ${machine.memory}
- Node ${machine.node}, ${machine.os}
- ${report.wrangler}, local workerd, Durable Objects on local SQLite (a throwaway \`--persist-to\` directory)
- Date: ${machine.date}

## Workload

One shop created with \`POST /v1/shops\`, the engine benchmark's 50-campaign program (engine/bench/workload.ts,
four campaigns with shop-wide limits) published with \`PUT /v1/program\`, ${report.customers} customers plus one "hot" customer, each
created with \`PUT /v1/customers/{id}\` and given points with \`POST /v1/customers/{id}/adjustments\`. Carts are
the engine benchmark's (code \`autumn10\`, shipping, \`redeemPoints: "max"\`); quotes carry its \`at\` (Tuesday
lunchtime), orders are placed now. Quotes and orders go round-robin over the customers.

Each scenario is one [autocannon](https://github.com/mcollina/autocannon) run from a separate Node process on
loopback: ${options.connections} connections, keep-alive, no pipelining, ${options.durationSeconds} s, after a
short warm-up (rows marked "1 connection": one request at a time, the latency when nothing queues; rows marked
"paced": no autocannon, requests sent on an even schedule at a share of the no-op's requests/s in this run by
tools/bench/paced.ts, each timed from the instant it was due — the latency at that load, not at saturation). The Worker, wrangler's
proxy in front of it and the load generator share the machine's ${machine.cores} cores.

## Results

${resultsTable(rows)}

- **throughput /s**: 2xx requests per second; for order + confirm, orders confirmed (200) per second — each
  one is two requests, \`POST /v1/orders\` (a distinct \`orderId\` every time) then \`POST /v1/orders/{id}/confirm\`;
  in the checkout rows three, the same cart quoted first.
- **of no-op**: HTTP requests/s as a share of \`GET /v1/health\` in the same run (the runtime's own ceiling here:
  routing, JSON, no storage).
- **latency**: per HTTP request as autocannon measures it, from the first byte sent to the last byte received;
  for order + confirm it mixes both requests.
- **errors**: connection errors and timeouts; **non-2xx**: answers outside 200–299, by status.
${pacedNote(rows)}
## Targets

${targetsTable(rows)}
${boundsSection(rows, options)}${comparisonSection(report)}${failuresSection(rows)}`;
}

/** For the paced rows: how late the generator itself sent requests, so that slow answers are not its doing. */
function pacedNote(rows: Row[]): string {
  const paced = rows.filter((r) => r.measured?.sendLatenessP99 !== undefined);
  if (paced.length === 0) return "";
  const worst = Math.max(...paced.map((r) => r.measured!.sendLatenessP99!));
  return `- **paced**: latency counts from the instant a request was due; the generator sent them late by at most
  ${ms(worst)} ms at the p99 in every paced run, so the rest of those latencies is the Worker's and its proxy's.
`;
}

/** What the no-op itself allows on this machine: the bounds some targets run into whatever the API does. */
function boundsSection(rows: Row[], options: ScenarioOptions): string {
  const noop = baselineOf(rows);
  if (!noop) return "";
  const meanMs = (1000 * options.connections) / noop.requestsPerSecond;
  return `
What the no-op allows here, whatever the API does: with ${options.connections} connections each waiting for its
answer, the mean latency is ${options.connections} ÷ throughput, so at the no-op's own ${int(noop.requestsPerSecond)} requests/s it is already
${ms(meanMs)} ms (its p99: ${ms(noop.p99)} ms); a p99 of 10 ms at that load needs well over ${int((1000 * options.connections) / 10)} requests/s. An order
and its confirmation are two requests, so even free orders would top out near ${int(noop.requestsPerSecond / 2)} confirmed orders/s.
`;
}
