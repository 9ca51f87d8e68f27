/**
 * Builds the demo storefront that `npm start` serves at `/` (`npm run build:storefront`) into build/storefront/:
 * the page with the demo shop's publishable key from .dev.vars, its script and styles, and the same assets a
 * deployment serves (tools/deploy/build.ts: the widget at /widget/<version>/, `_headers`), so the page loads the
 * widget exactly as a shop's page does. `wrangler dev --assets build/storefront` serves these files; every other
 * path — the API, the demo shop's backend — goes to the Worker.
 */
import { build } from "esbuild";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildAssets, WIDGET_PATH } from "../../../tools/deploy/build.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL("./", import.meta.url));
export const STOREFRONT_DIR = `${root}build/storefront/`;

function devVar(name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, "m").exec(readFileSync(`${root}.dev.vars`, "utf8"));
  if (!match) throw new Error(`.dev.vars has no ${name}`);
  return match[1]!.trim();
}

export async function buildStorefront(): Promise<void> {
  await buildAssets(STOREFRONT_DIR);
  const html = readFileSync(`${here}index.html`, "utf8")
    .replaceAll("%DEMO_PUBLISHABLE_KEY%", devVar("DEMO_PUBLISHABLE_KEY"))
    .replaceAll("%WIDGET_PATH%", WIDGET_PATH);
  writeFileSync(`${STOREFRONT_DIR}index.html`, html);
  copyFileSync(`${here}storefront.css`, `${STOREFRONT_DIR}storefront.css`);
  await build({
    entryPoints: [`${here}storefront.ts`],
    outfile: `${STOREFRONT_DIR}storefront.js`,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    charset: "utf8",
    logLevel: "warning",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildStorefront();
  console.log(`demo storefront built into ${STOREFRONT_DIR.slice(root.length)}`);
}
