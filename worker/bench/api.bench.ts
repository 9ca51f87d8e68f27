/**
 * The API benchmark: `npm run bench:api` (builds the engine, then runs `node worker/bench/api.bench.ts`).
 *
 * Starts the Worker under `wrangler dev` on a free loopback port with throwaway local storage, seeds a shop,
 * the 50-campaign program and customers over HTTP, then drives each scenario (scenarios.ts) with autocannon
 * from this process, bounded in time. Prints a markdown table and writes results.md with the machine's
 * description. Wrangler is stopped at the end, also on failure. About a minute and a half in all.
 *
 * BENCH_SECONDS and BENCH_CONNECTIONS override the defaults (10 s, 10 connections).
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describeMachine } from "../../engine/bench/report.ts";
import { renderReport, resultsTable, targetsTable, type Row } from "./report.ts";
import { SCENARIOS, type ScenarioOptions } from "./scenarios.ts";
import { CUSTOMERS, seedShop } from "./seed.ts";
import { platformToken, startWorker } from "./server.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const RESULTS_PATH = fileURLToPath(new URL("./results.md", import.meta.url));
const OPTIONS: ScenarioOptions = {
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 10),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
};
const WARMUP: ScenarioOptions = { durationSeconds: 2, connections: OPTIONS.connections };

function wranglerVersion(): string {
  try {
    return `wrangler ${execFileSync(process.execPath, [`${root}node_modules/wrangler/bin/wrangler.js`, "--version"], { encoding: "utf8" }).trim().split("\n").pop()}`;
  } catch {
    return "wrangler (version unknown)";
  }
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const wrangler = wranglerVersion();
  const worker = await startWorker(root, log);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void worker.stop().finally(() => process.exit(130)));
  }
  const rows: Row[] = [];
  try {
    const shop = await seedShop(worker.base, platformToken(root));
    log(`shop ${shop.shopId}: program published, ${shop.customers.length} + 1 customers seeded`);
    for (const scenario of SCENARIOS) {
      if (!scenario.run) {
        log(`${scenario.name}: ${scenario.notBuilt}`);
        rows.push({ scenario });
        continue;
      }
      await scenario.run(shop, WARMUP);
      const measured = await scenario.run(shop, OPTIONS);
      rows.push({ scenario, measured });
      log(`${scenario.name}: ${Math.round(measured.perSecond)}/s, p50 ${measured.p50} ms, p99 ${measured.p99} ms, ` +
        `${measured.errors} errors, ${measured.non2xx} non-2xx${measured.firstFailure ? ` (first: ${measured.firstFailure})` : ""}`);
    }
  } finally {
    await worker.stop();
  }
  const report = renderReport({ machine: describeMachine(), wrangler, options: OPTIONS, customers: CUSTOMERS, rows });
  writeFileSync(RESULTS_PATH, report);
  console.log(`\n${resultsTable(rows)}\n\n${targetsTable(rows)}\n\nwritten to ${RESULTS_PATH}`);
}

await main();
