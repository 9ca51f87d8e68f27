/**
 * The API benchmark: `npm run bench:api` (builds the engine, then runs `node tools/bench/api.bench.ts`).
 *
 * Starts the Worker under `wrangler dev` on a free loopback port with throwaway local storage, seeds a shop,
 * the 50-campaign program and customers over HTTP, then drives each scenario (scenarios.ts) with autocannon
 * from this process, bounded in time. Prints a markdown table and writes results.md with the machine's
 * description. Wrangler is stopped at the end, also on failure. About four minutes in all.
 *
 * BENCH_SECONDS and BENCH_CONNECTIONS override the defaults (10 s, 10 connections). BENCH_ONLY=<prefix> measures
 * only the scenarios whose names start with it (and the no-op, always); results.md is then left as it was.
 *
 * BENCH_BASELINE=<dir> compares with another copy of the project (another commit, node_modules and
 * engine/build in place): both Workers run side by side and each scenario is measured baseline, this tree,
 * this tree, baseline — so that a machine that slows down or speeds up during the run weighs on both alike —
 * and results.md gets a before/after table (the mean of each side's two runs). About fifteen minutes.
 * BENCH_BASELINE_LABEL describes the baseline in results.md (default: its commit).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describeMachine } from "../../engine/bench/report.ts";
import { combine, renderReport, resultsTable, targetsTable, comparisonTable, type Row } from "./report.ts";
import { SCENARIOS, type Measured, type ScenarioOptions } from "./scenarios.ts";
import { CUSTOMERS, seedShop, type BenchShop } from "./seed.ts";
import { platformToken, startWorker, type RunningWorker } from "./server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS_PATH = fileURLToPath(new URL("./results.md", import.meta.url));
const OPTIONS: ScenarioOptions = {
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 10),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
};
const WARMUP: ScenarioOptions = { durationSeconds: 2, connections: OPTIONS.connections };
const BASELINE = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : undefined;
const ONLY = process.env.BENCH_ONLY;

function wranglerVersion(): string {
  try {
    return `wrangler ${execFileSync(process.execPath, [`${root}node_modules/wrangler/bin/wrangler.js`, "--version"], { encoding: "utf8" }).trim().split("\n").pop()}`;
  } catch {
    return "wrangler (version unknown)";
  }
}

function commitOf(dir: string): string {
  try {
    const commit = execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    // The results file itself is rewritten by every run: a change to it alone is not a change to what ran.
    const dirty = execFileSync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!tools/bench/results.md"], { encoding: "utf8" }).trim() !== "";
    return `${commit}${dirty ? " with uncommitted changes" : ""}`;
  } catch {
    return "not a git checkout";
  }
}

interface Side {
  label: string;
  worker: RunningWorker;
  shop: BenchShop;
  /** Its no-op's requests/s in this run (the mean of its runs), for the paced scenarios. */
  noopPerSecond?: number;
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const wrangler = wranglerVersion();
  const running: RunningWorker[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void Promise.all(running.map((w) => w.stop())).finally(() => process.exit(130)));
  }
  const rows: Row[] = [];
  const before: Row[] = [];
  try {
    const start = async (label: string, dir: string): Promise<Side> => {
      const worker = await startWorker(dir, log);
      running.push(worker);
      const shop = await seedShop(worker.base, platformToken(dir));
      log(`${label}: shop ${shop.shopId}: program published, ${shop.customers.length} + 1 customers seeded`);
      return { label, worker, shop };
    };
    const current = await start("this tree", root);
    const baseline = BASELINE ? await start(`baseline ${BASELINE}`, BASELINE) : undefined;
    for (const scenario of SCENARIOS.filter((sc, i) => i === 0 || !ONLY || sc.name.startsWith(ONLY))) {
      if (!scenario.run) {
        log(`${scenario.name}: ${scenario.notBuilt}`);
        rows.push({ scenario });
        before.push({ scenario });
        continue;
      }
      const run = scenario.run;
      const options = (side: Side): ScenarioOptions => ({ ...OPTIONS, noopPerSecond: side.noopPerSecond });
      const measure = async (side: Side): Promise<Measured> => {
        const measured = await run(side.shop, options(side));
        log(`${scenario.name} [${side.label}]: ${Math.round(measured.perSecond)}/s, p50 ${measured.p50} ms, p99 ${measured.p99} ms, ` +
          `${measured.errors} errors, ${measured.non2xx} non-2xx${measured.firstFailure ? ` (first: ${measured.firstFailure})` : ""}`);
        return measured;
      };
      const first = rows.length === 0; // the no-op
      if (!baseline) {
        await run(current.shop, { ...WARMUP, noopPerSecond: current.noopPerSecond });
        const measured = await measure(current);
        if (first) current.noopPerSecond = measured.requestsPerSecond;
        rows.push({ scenario, measured });
        continue;
      }
      await run(baseline.shop, { ...WARMUP, noopPerSecond: baseline.noopPerSecond });
      await run(current.shop, { ...WARMUP, noopPerSecond: current.noopPerSecond });
      const b1 = await measure(baseline);
      const c1 = await measure(current);
      const c2 = await measure(current);
      const b2 = await measure(baseline);
      const [after, prior] = [combine([c1, c2]), combine([b1, b2])];
      if (first) [current.noopPerSecond, baseline.noopPerSecond] = [after.requestsPerSecond, prior.requestsPerSecond];
      rows.push({ scenario, measured: after });
      before.push({ scenario, measured: prior });
    }
  } finally {
    await Promise.all(running.map((w) => w.stop()));
  }
  const comparison = BASELINE ? { baseline: process.env.BENCH_BASELINE_LABEL ?? commitOf(BASELINE), current: commitOf(root), before } : undefined;
  const report = renderReport({ machine: describeMachine(), wrangler, options: OPTIONS, customers: CUSTOMERS, rows, comparison });
  if (!ONLY) writeFileSync(RESULTS_PATH, report);
  console.log(`\n${resultsTable(rows)}\n\n${targetsTable(rows)}`);
  if (comparison) console.log(`\n${comparisonTable(before, rows)}`);
  console.log(ONLY ? "\nBENCH_ONLY: results.md left as it was" : `\nwritten to ${RESULTS_PATH}`);
}

await main();
