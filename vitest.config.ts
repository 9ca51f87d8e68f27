import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Two projects: `engine` runs in Node (the Wasm engine, its host and the CLI); `worker` runs inside workerd
 * through @cloudflare/vitest-plugin, with the bindings and module rules of wrangler.toml.
 * Both need the engine built first (`npm run build:engine`), which `npm test` does.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "engine",
          environment: "node",
          include: ["engine/**/*.test.ts"],
        },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "worker",
          include: ["worker/**/*.test.ts"],
        },
      },
    ],
  },
});
