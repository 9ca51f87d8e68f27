/**
 * `npm run build`: what `wrangler deploy` and `wrangler dev` run first (wrangler.toml `[build]`), so a fresh clone
 * deploys as it is. Builds the engine (`npm run build:engine`; skipped when engine/build/ is newer than every
 * engine source), the widget (widget/build.ts) and the Worker's static assets (`[assets]`) into build/assets/:
 *
 *   widget/<version>/kopilka.js             the widget, at a URL that never changes content (version: package.json)
 *   widget/<version>/kopilka-engine.js      beside it: kopilka.js imports them relative to its own URL
 *   widget/<version>/kopilka-engine.wasm
 *   widget/<version>/kopilka.js.LEGAL.txt   the licences of what kopilka.js bundles (Lit), linked from its last line
 *   widget/<version>/integrity.json         the SRI hashes (sha384) of the three, for `<script integrity=…>`
 *   docs/scalar/standalone.js               the API reference page's renderer (`/docs`), served by the deployment
 *                                           itself rather than fetched from a third-party CDN
 *   _headers                                CORS `*` (public code, fetched cross-origin as modules) and a
 *                                           one-year immutable cache for /widget/<version>/*
 *
 * Nothing else is served as an asset, and no asset path begins with /v1: the API is never shadowed.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildWidget, WIDGET_FILES, type WidgetBuild } from "../../widget/build.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
export const ASSETS_DIR = `${root}build/assets/`;

/** The widget's version in its URL: package.json's. */
export const WIDGET_VERSION = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string }).version;
/** Where the Worker serves the widget: `/widget/<version>/kopilka.js`. */
export const WIDGET_PATH = `/widget/${WIDGET_VERSION}/`;

export const HEADERS = `# Workers static assets (wrangler.toml [assets]): the widget is public code fetched cross-origin as modules,
# and a versioned file never changes (a new release is a new version, hence a new URL).
${WIDGET_PATH}*
  Access-Control-Allow-Origin: *
  Cache-Control: public, max-age=31536000, immutable
  X-Content-Type-Options: nosniff
/docs/scalar/*
  Cache-Control: public, max-age=86400
  X-Content-Type-Options: nosniff
`;

function newest(dir: string): number {
  let at = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    at = Math.max(at, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return at;
}

function engineIsFresh(): boolean {
  const outputs = ["release.wasm", "debug.wasm"].map((f) => `${root}engine/build/${f}`);
  if (!outputs.every((f) => existsSync(f))) return false;
  const sources = Math.max(newest(`${root}engine/assembly`), statSync(`${root}asconfig.json`).mtimeMs);
  return outputs.every((f) => statSync(f).mtimeMs > sources);
}

/** Builds the engine when its sources changed. */
export function buildEngine(): void {
  if (engineIsFresh()) return;
  execFileSync("npm", ["run", "build:engine", "--silent"], { cwd: root, stdio: "inherit" });
}

/** Writes the widget's versioned files and `_headers` into `dir` (build/assets/, or the demo storefront's). */
export async function buildAssets(dir = ASSETS_DIR): Promise<WidgetBuild> {
  buildEngine();
  const report = await buildWidget();
  rmSync(dir, { recursive: true, force: true });
  const widgetDir = join(dir, WIDGET_PATH);
  mkdirSync(widgetDir, { recursive: true });
  for (const file of [...WIDGET_FILES, "kopilka.js.LEGAL.txt", "integrity.json"]) copyFileSync(`${root}widget/dist/${file}`, join(widgetDir, file));
  mkdirSync(join(dir, "docs/scalar"), { recursive: true });
  copyFileSync(`${root}node_modules/@scalar/api-reference/dist/browser/standalone.js`, join(dir, "docs/scalar/standalone.js"));
  writeFileSync(join(dir, "_headers"), HEADERS);
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { size, integrity } = await buildAssets();
  console.log(`build/assets${WIDGET_PATH}kopilka.js: ${size["kopilka.js"].gzip} of ${size.budgetGzip} bytes gzipped`);
  for (const [file, hash] of Object.entries(integrity)) console.log(`  ${file.padEnd(20)} integrity="${hash}"`);
}
