// @web/test-runner: tests that must run in a real browser (the engine host, the storefront widget).
// Runs Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it). Puppeteer's and Playwright's browser
// downloads do not work on this project's machines, so never depend on them.
// The dev server's root is the repo root: a test fetches `engine/build/release.wasm` (built by
// `npm run build:engine`, which `npm test` runs first) relative to its own URL.
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";
import { fileURLToPath } from "node:url";

export default {
  rootDir: fileURLToPath(new URL(".", import.meta.url)),
  files: ["engine/**/*.browser.test.ts", "widget/**/*.test.ts", "!**/node_modules/**"],
  nodeResolve: true,
  plugins: [esbuildPlugin({ ts: true, target: "es2022" })],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
        args: [
          "--no-sandbox",
          "--headless",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      },
    }),
  ],
  concurrency: 1,
  // Per test file: browser start + module load + tests. Generous for a 2-core CI machine.
  testsStartTimeout: 60_000,
  testsFinishTimeout: 120_000,
  testFramework: { config: { timeout: 10_000 } },
};
