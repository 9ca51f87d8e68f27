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
      // Limited campaigns: orders competed for more uses and budget than there were — in some epoch every use (and
      // all the budget) went, never more — and late confirmations were both honoured and refused for a campaign.
      expect(tally.limits.filled.uses!.filled).toBeGreaterThan(0);
      expect(tally.limits.filled.budget!.filled).toBeGreaterThan(0);
      if (accounts > 1) expect(tally.limits.filled.once!.filled).toBeGreaterThan(0);
      expect(tally.limits.lateConfirms.accepted).toBeGreaterThan(0);
      expect(tally.limits.lateConfirms.refusedForCampaign).toBeGreaterThan(0);
    });
  }
}
