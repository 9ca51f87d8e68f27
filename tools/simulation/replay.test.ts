/**
 * Replays and soaks of the ledger simulation (README.md "Simulation"):
 *
 *   SIM_SEED=<seed> [SIM_OPS=n] [SIM_ACCOUNTS=k] npx vitest run --project worker tools/simulation/replay.test.ts
 *   npm run soak:ledger        # SIM_OPS=1000000 from a random seed (printed), a fresh account every 3 000 steps
 *   SIM_STALE=0 …              # without requests whose clock reads behind the account's (on by default)
 *
 * Without those variables it checks what replaying relies on: the same seed gives the same stream.
 */
import { describe, expect, inject, it } from "vitest";
import { INVARIANTS } from "./invariants.ts";
import { report, simulate } from "./run.ts";

declare module "vitest" {
  interface ProvidedContext {
    simSeed: string;
    simOps: string;
    simAccounts: string;
    simStale: string;
  }
}

describe("ledger simulation: replay", () => {
  it("the same seed runs the same stream, answer for answer", async () => {
    const a = await simulate({ seed: 99, steps: 300, accounts: 2 });
    const b = await simulate({ seed: 99, steps: 300, accounts: 2 });
    expect(b).toEqual(a);
    expect(await simulate({ seed: 100, steps: 300, accounts: 2 })).not.toEqual(a);
  });

  const seed = inject("simSeed");
  const ops = Number(inject("simOps") || 0);
  if (seed || ops) {
    const first = seed ? Number(seed) : Math.floor(Math.random() * 2 ** 31);
    const steps = ops || 3000;
    const accounts = Number(inject("simAccounts") || 1);
    const stale = inject("simStale") !== "0";
    it(`seed ${first}: ${steps} steps on ${accounts} account(s)`, { timeout: 0 }, async () => {
      console.log(`ledger simulation: seed ${first}, ${steps} steps, ${accounts} account(s)`);
      const tally = await simulate({ seed: first, steps, accounts, accountSteps: 3000, stale });
      report(`seed ${first}`, tally, INVARIANTS.length);
      expect(tally.steps).toBe(steps);
    });
  }
});
