/**
 * The CI streams, shared by the two simulation test files (split so that each file stays under a minute).
 */
import { expect, it } from "vitest";
import { INVARIANTS } from "./invariants.ts";
import { report, simulate } from "./run.ts";

/** Defines one test per seed: `steps` steps on `accounts` accounts. */
export function streams(seeds: number[], steps: number, accounts: number): void {
  for (const seed of seeds) {
    it(`seed ${seed}: ${steps} steps on ${accounts} account${accounts > 1 ? "s" : ""}, every invariant after every step`, { timeout: 120_000 }, async () => {
      // Stale clocks included: requests whose clock reads behind what the account already processed.
      const tally = await simulate({ seed, steps, accounts, stale: true });
      report(`seed ${seed}`, tally, INVARIANTS.length);
      expect(tally.steps).toBe(steps);
      expect(tally.checks).toBeGreaterThanOrEqual(steps);
    });
  }
}
