/**
 * Crash safety: `npm run test:crash` (worker/account/README.md "Crash safety").
 *
 * Starts the Worker under `wrangler dev` on a throwaway persisted directory, seeds a shop, a program and
 * customers with points, then runs cycles: a stream of concurrent writes (orders, confirms, cancels, partial
 * returns, adjustments, each with its own id) is cut by SIGKILL to wrangler's whole process group at a seeded
 * random moment, the Worker is started again on the same state, and verify.ts checks through the API that every
 * acknowledged write is there with the same answer on replay and that every unacknowledged one took effect fully
 * or not at all. After the last cycle, events.ts checks that every write that took effect has exactly one event
 * in `GET /v1/events` and a refused one none. Prints a summary; exits 1 on any violation. Wrangler is stopped at
 * the end, also on failure.
 *
 * CRASH_CYCLES (default 5), CRASH_SEED (default random, printed), CRASH_CUSTOMERS (8), CRASH_WIDTH (concurrent
 * clients, 12). The seed fixes the operations each client picks and the kill instants, not the interleaving
 * (real processes and sockets): a failure is replayed by the same seed in spirit, not step for step.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createShop, seedCustomers } from "../bench/seed.ts";
import { platformToken, startWorker, type RunningWorker } from "../bench/server.ts";
import { acknowledged, Ledger, runStream, seededRandom, type Shop } from "./stream.ts";
import { check, readState, replay } from "./verify.ts";
import { checkEvents, type EventFigures } from "./events.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const CYCLES = Number(process.env.CRASH_CYCLES ?? 5);
const SEED = process.env.CRASH_SEED !== undefined ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
const CUSTOMERS = Number(process.env.CRASH_CUSTOMERS ?? 8);
const WIDTH = Number(process.env.CRASH_WIDTH ?? 12);
/** The kill lands this long after a cycle's first request: long enough for a stream, short enough to stay cheap. */
const KILL_WINDOW_MS = [300, 3000] as const;
/** The whole run gives up (and fails) after this long: a few minutes is the budget. */
const DEADLINE_MS = 10 * 60_000;

/** The demo program with one shop-wide limited campaign, so orders also reserve and commit a campaign counter. */
function crashProgram(): unknown {
  const program = JSON.parse(readFileSync(join(root, "worker/demo/program.json"), "utf8")) as { campaigns: unknown[] };
  program.campaigns.push({ id: "crash-limited", name: "−5% on tea, shop-wide limit", priority: 5, target: { categories: ["tea"] },
    effect: { discountBps: 500 }, limits: { totalUses: 1_000_000 } });
  return program;
}

interface CycleRow {
  cycle: number;
  killAfterMs: number;
  sent: number;
  acknowledged: number;
  inFlight: number;
  answeredNon2xx: number;
  unackedApplied: number;
  unackedNotApplied: number;
  replayed: number;
  checks: number;
  violations: number;
}

async function main(): Promise<number> {
  const started = Date.now();
  const log = (line: string) => console.log(line);
  if (!Number.isInteger(CYCLES) || CYCLES < 1 || !Number.isInteger(SEED) || !(CUSTOMERS >= 1) || !(WIDTH >= 1)) {
    throw new Error("CRASH_CYCLES, CRASH_SEED, CRASH_CUSTOMERS and CRASH_WIDTH must be positive integers");
  }
  log(`crash safety: seed ${SEED}, ${CYCLES} cycles, ${CUSTOMERS} customers, ${WIDTH} concurrent clients (CRASH_SEED=${SEED} to rerun)`);
  const next = seededRandom(SEED);
  const ledger = new Ledger(next);
  const state = mkdtempSync(join(tmpdir(), "kopilka-crash-"));
  let worker: RunningWorker | undefined;
  const cleanUp = async () => {
    await worker?.stop();
    rmSync(state, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

  const rows: CycleRow[] = [];
  let eventFigures: EventFigures | undefined;
  const violations: string[] = [];
  try {
    worker = await startWorker(root, log, { state });
    const { secretKey } = await createShop(worker.base, platformToken(root), "Crash shop", crashProgram());
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `crash-${String(i + 1).padStart(2, "0")}`);
    await seedCustomers(worker.base, secretKey, customers, () => 100_000);
    const shop: Shop = { base: worker.base, secretKey, customers };
    const baseline = await readState(shop, []);
    log(`shop seeded: ${customers.length} customers with 100 000 points each`);

    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      if (Date.now() - started > DEADLINE_MS) throw new Error(`over the ${DEADLINE_MS / 60_000}-minute budget before cycle ${cycle}`);
      const killAfterMs = KILL_WINDOW_MS[0] + Math.floor(next() * (KILL_WINDOW_MS[1] - KILL_WINDOW_MS[0]));
      const running = worker;
      const stream = await runStream(ledger, shop, {
        cycle, width: WIDTH, killAfterMs, maxRequests: 2000, requestTimeoutMs: 20_000, kill: () => running.crash(),
      });
      const restartedAt = Date.now();
      worker = await startWorker(root, log, { state });
      shop.base = worker.base;

      const before = violations.length;
      const orderIds = [...ledger.orders.keys()];
      const afterCrash = await readState(shop, orderIds);
      const figures = await replay(ledger, shop, stream.ops, restartedAt, violations);
      let checks = figures.ackReplayed;
      checks += check(`cycle ${cycle}, as the crash left it`, ledger, baseline, afterCrash,
        (op) => op.cycle < cycle || acknowledged(op) || op.appliedBeforeKill === true, violations);
      const afterRetries = await readState(shop, orderIds);
      checks += check(`cycle ${cycle}, after the retries`, ledger, baseline, afterRetries, (op) => op.settled !== undefined, violations);

      const row: CycleRow = {
        cycle, killAfterMs, sent: stream.ops.length, acknowledged: stream.ops.filter(acknowledged).length, inFlight: stream.inFlightAtKill,
        answeredNon2xx: stream.ops.filter((op) => op.first !== undefined && !acknowledged(op)).length,
        unackedApplied: figures.unackedApplied, unackedNotApplied: figures.unackedNotApplied, replayed: figures.ackReplayed, checks,
        violations: violations.length - before,
      };
      rows.push(row);
      log(`cycle ${cycle}: killed after ${killAfterMs} ms with ${row.inFlight} in flight; ${row.sent} sent, ${row.acknowledged} acknowledged, ` +
        `${row.answeredNon2xx} answered non-2xx; unacknowledged: ${row.unackedApplied} had taken effect, ${row.unackedNotApplied} had not; ` +
        `${row.replayed} replays, ${row.checks} checks, ${row.violations} violations`);
      for (const v of violations.slice(before, before + 20)) log(`  ✗ ${v}`);
    }
    const before = violations.length;
    eventFigures = await checkEvents(ledger, shop, violations);
    log(`events: ${eventFigures.events} in the store for ${eventFigures.writes} writes that took effect; ${eventFigures.checks} checks, ` +
      `${violations.length - before} violations; the events of ${eventFigures.lostWithLocalQueue} changes made before a kill ` +
      "were lost with wrangler dev's in-memory queue (Cloudflare's queues keep a message once sent)");
    for (const v of violations.slice(before, before + 20)) log(`  ✗ ${v}`);
  } finally {
    await cleanUp();
  }

  const total = (key: keyof CycleRow) => rows.reduce((a, r) => a + r[key], 0);
  console.log(`\n| cycle | kill at | sent | acknowledged | in flight | unacked, had taken effect | unacked, had not | replays | checks | violations |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${r.cycle} | ${r.killAfterMs} ms | ${r.sent} | ${r.acknowledged} | ${r.inFlight} | ${r.unackedApplied} | ${r.unackedNotApplied} | ${r.replayed} | ${r.checks} | ${r.violations} |`).join("\n")}
`);
  const survived = rows.filter((r) => r.violations === 0).length;
  console.log(`${survived} of ${CYCLES} crash cycles survived; ${total("sent")} writes sent, ${total("acknowledged")} acknowledged, ` +
    `${total("inFlight")} in flight at the kills (${total("unackedApplied")} had taken effect, ${total("unackedNotApplied")} had not); ` +
    `${total("checks")} checks, ${violations.length} violations; seed ${SEED}; ${Math.round((Date.now() - started) / 1000)} s`);
  return violations.length === 0 && survived === CYCLES && eventFigures !== undefined ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
}
