import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Two projects: `engine` runs in Node (the Wasm engine, its host and the CLI); `worker` runs inside workerd
 * through @cloudflare/vitest-plugin, with the bindings and module rules of wrangler.toml.
 * Both need the engine built first (`npm run build:engine`), which `npm test` does.
 * `*.browser.test.ts` files run in Chromium through @web/test-runner (web-test-runner.config.mjs), not here.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "engine",
          environment: "node",
          include: ["engine/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "**/*.browser.test.ts"],
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "worker",
          include: ["worker/**/*.test.ts"],
          // The ledger simulation (worker/account/simulation) takes its seed and length from the environment;
          // workerd has no process.env, so they travel as provided values.
          provide: { simSeed: process.env.SIM_SEED ?? "", simOps: process.env.SIM_OPS ?? "", simAccounts: process.env.SIM_ACCOUNTS ?? "", simStale: process.env.SIM_STALE ?? "",
            // The fuzz suites (worker/fuzz): their seed and cases per property.
            fuzzSeed: process.env.FUZZ_SEED ?? "", fuzzRuns: process.env.FUZZ_RUNS ?? "" },
        },
      },
    ],
  },
});
