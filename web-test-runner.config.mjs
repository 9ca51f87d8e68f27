// @web/test-runner: tests that must run in a real browser (the engine host, the storefront widget).
// Runs Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it). Puppeteer's and Playwright's browser
// downloads do not work on this project's machines, so never depend on them.
// The dev server's root is the repo root: a test fetches `engine/build/release.wasm` (built by
// `npm run build:engine`, which `npm test` runs first) relative to its own URL.
//
// The widget's tests run against the real API: before the first test this starts the Worker under
// `wrangler dev` (throwaway state, free port) and a webhook receiver for verification codes
// (widget/test/server/harness.ts). Tests create their own shops and do what a shop's backend does (orders,
// quotes, signed customer tokens) through the `kopilka-*` commands below, so no secret key reaches the page.
// Screenshots (the `kopilka-screenshot` command) go to widget/test/artifacts/ (git-ignored).
import { esbuildPlugin } from "@web/dev-server-esbuild";
import { chromeLauncher } from "@web/test-runner-chrome";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort } from "./tools/bench/server.ts";
import { startHarness } from "./widget/test/server/harness.ts";
import { ASSETS_DIR, WIDGET_PATH } from "./tools/deploy/build.ts";

const root = fileURLToPath(new URL(".", import.meta.url));
const artifacts = fileURLToPath(new URL("./widget/test/artifacts/", import.meta.url));
const port = Number(process.env.WTR_PORT ?? (await freePort()));
const origin = `http://127.0.0.1:${port}`;

/** @type {import("./widget/test/server/harness.ts").Harness | undefined} */
let harness;

/** The real API and the secret-key side of the tests. */
function kopilkaApi() {
  return {
    name: "kopilka-api",
    async serverStart() {
      harness = await startHarness([origin], (line) => console.log(`[kopilka api] ${line}`));
    },
    async serverStop() {
      await harness?.stop();
    },
    serve(context) {
      if (context.path === "/__kopilka__/env.json") {
        // The Worker serves the widget at its versioned path (built by wrangler's [build] step when it started).
        const integrity = JSON.parse(readFileSync(`${ASSETS_DIR}${WIDGET_PATH.slice(1)}integrity.json`, "utf8"));
        return { body: JSON.stringify({ api: harness?.base ?? null, widgetPath: WIDGET_PATH, integrity }), type: "json" };
      }
    },
    // The bundle as built: undo the esbuild plugin's transform of .js files (it would un-minify them).
    transform(context) {
      if (context.path.startsWith("/widget/dist/") && context.path.endsWith(".js")) {
        return { body: readFileSync(`${root}${context.path.slice(1)}`, "utf8") };
      }
    },
    async executeCommand({ command, payload, session }) {
      if (!command.startsWith("kopilka-")) return undefined;
      if (command === "kopilka-screenshot") {
        mkdirSync(artifacts, { recursive: true });
        const page = session.browser.getPage(session.id);
        await page.screenshot({ path: `${artifacts}${payload.name}.png`, fullPage: false });
        return true;
      }
      if (!harness) throw new Error("the API harness did not start");
      switch (command) {
        case "kopilka-shop": {
          const shop = await harness.createShop(payload ?? {});
          return { shopId: shop.shopId, publishableKey: shop.publishableKey };
        }
        case "kopilka-code":
          return harness.lastCode(payload.shopId, payload.customerId);
        case "kopilka-call":
          return harness.shopCall(payload.shopId, payload.method, payload.path, payload.body);
        case "kopilka-sign":
          return harness.signToken(payload.shopId, payload.customerId, payload.exp);
        default:
          throw new Error(`unknown command ${command}`);
      }
    },
  };
}

export default {
  rootDir: root,
  hostname: "127.0.0.1",
  port,
  // widget/package.test.ts packs the npm package and runs tsc: Node's, in vitest's `engine` project.
  files: ["engine/**/*.browser.test.ts", "widget/**/*.test.ts", "!widget/package.test.ts", "!**/node_modules/**"],
  nodeResolve: true,
  plugins: [esbuildPlugin({ ts: true, target: "es2022" }), kopilkaApi()],
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
          "--font-render-hinting=none",
        ],
      },
    }),
  ],
  concurrency: 1,
  // Per test file: browser start + module load + tests. Generous for a 2-core CI machine.
  testsStartTimeout: 60_000,
  testsFinishTimeout: 120_000,
  testFramework: { config: { timeout: 15_000 } },
};
