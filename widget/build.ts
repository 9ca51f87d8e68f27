/**
 * Builds the storefront bundle into widget/dist/ and checks its size budget (`npm run build:widget`):
 *
 *   kopilka.js           the one ES module a shop includes: Lit, both components, the API client, i18n
 *   kopilka-engine.js    the engine host without validation (engine/host/engine.ts: compile/encode/decode),
 *                        imported by kopilka.js only when a preview needs it
 *   kopilka-engine.wasm  the receipt engine (engine/build/release.wasm; `npm run build:engine` first)
 *   kopilka.js.LEGAL.txt the licences of the bundled code (Lit), linked from kopilka.js's last line rather than
 *                        repeated inside it: bytes the budget spends on the widget
 *   size.json            what was measured
 *   integrity.json       the Subresource Integrity hash (sha384) of each of the three, for `<script integrity=…>`
 *   kopilka.d.ts, types/, custom-elements.json
 *                        what the npm package `@kopilka/widget` adds (widget/package-files.ts, widget/package.json)
 *
 * Fails when kopilka.js is over BUDGET_GZIP bytes gzipped, or when it would load anything but the engine module.
 */
import { build, type Plugin } from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { writeDeclarations, writeManifest } from "./package-files.ts";

export const BUDGET_GZIP = 25_000;

/** The files a shop serves (widget/README.md "Files to serve"). */
export const WIDGET_FILES = ["kopilka.js", "kopilka-engine.js", "kopilka-engine.wasm"] as const;

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = fileURLToPath(new URL("./dist/", import.meta.url));
const wasm = `${root}engine/build/release.wasm`;

const common = {
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "linked",
  charset: "utf8",
  metafile: true,
  logLevel: "warning",
} as const;

/** kopilka.js: the engine module stays a separate file, fetched by the dynamic import in widget/engine/load.ts. */
const engineExternal: Plugin = {
  name: "kopilka-engine-external",
  setup(b) {
    b.onResolve({ filter: /\/preview-engine\.ts$/ }, () => ({ path: "./kopilka-engine.js", external: true }));
  },
};

/**
 * esbuild minifies code but not the text of template literals. In the widget's own sources: line breaks and
 * indentation become one newline (a whitespace-only text node renders the same; no template here holds `<pre>`),
 * and the CSS of *.styles.ts loses comments, the whitespace around braces, colons, semicolons and commas, and the
 * quotes around attribute values that are identifiers.
 */
const compactTemplates: Plugin = {
  name: "kopilka-compact-templates",
  setup(b) {
    const widgetDir = fileURLToPath(new URL("./", import.meta.url));
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (!args.path.startsWith(widgetDir)) return undefined;
      let source = readFileSync(args.path, "utf8");
      if (args.path.endsWith(".styles.ts")) {
        source = source.replace(/css`([^`]*)`/g, (_, body: string) => {
          const minified = body
            .replace(/\/\*[\s\S]*?\*\//g, "")
            .replace(/\s+/g, " ")
            .replace(/\s*([{};,])\s*/g, "$1")
            .replace(/:\s+/g, ":")
            .replace(/;}/g, "}")
            // An attribute value that is an identifier needs no quotes: [part~="hint"] is [part~=hint].
            .replace(/="([a-zA-Z][\w-]*)"\]/g, "=$1]")
            .trim();
          return `css\`${minified}\``;
        });
      }
      return { contents: source.replace(/\n\s+/g, "\n"), loader: "ts" };
    });
  },
};

/** A Subresource Integrity value: `sha384-<base64 digest>`. */
export function integrityOf(path: string): string {
  return `sha384-${createHash("sha384").update(readFileSync(path)).digest("base64")}`;
}

function gzipSize(path: string): number {
  return gzipSync(readFileSync(path), { level: 9 }).length;
}

export interface SizeReport {
  budgetGzip: number;
  [file: string]: { bytes: number; gzip: number } | number;
}

export interface WidgetBuild {
  size: SizeReport & { "kopilka.js": { bytes: number; gzip: number } };
  /** `integrity` attribute values by file name. */
  integrity: Record<string, string>;
}

export async function buildWidget(): Promise<WidgetBuild> {
  if (!existsSync(wasm)) throw new Error(`${wasm} is missing: run \`npm run build:engine\` first`);
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });

  const main = await build({
    ...common,
    entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
    outfile: `${dist}kopilka.js`,
    plugins: [engineExternal, compactTemplates],
  });
  await build({
    ...common,
    entryPoints: [fileURLToPath(new URL("./engine/preview-engine.ts", import.meta.url))],
    outfile: `${dist}kopilka-engine.js`,
    define: { KOPILKA_ENGINE_WASM: JSON.stringify("./kopilka-engine.wasm") },
  });
  copyFileSync(wasm, `${dist}kopilka-engine.wasm`);

  // One file to include: kopilka.js may import nothing statically, and only the engine module dynamically.
  const imports = Object.values(main.metafile.outputs).flatMap((o) => o.imports);
  const unexpected = imports.filter((i) => i.kind !== "dynamic-import" || i.path !== "./kopilka-engine.js");
  if (unexpected.length > 0) throw new Error(`kopilka.js must be self-contained, but imports ${JSON.stringify(unexpected)}`);
  const engineSource = readFileSync(`${dist}kopilka-engine.js`, "utf8");
  if (/ZodError|safeParse/.test(engineSource)) throw new Error("kopilka-engine.js contains zod: it must import engine/host/engine.ts, not index.ts");

  const size = (file: string) => ({
    bytes: readFileSync(`${dist}${file}`).length,
    gzip: gzipSize(`${dist}${file}`),
  });
  const report = {
    budgetGzip: BUDGET_GZIP,
    "kopilka.js": size("kopilka.js"),
    "kopilka-engine.js": size("kopilka-engine.js"),
    "kopilka-engine.wasm": size("kopilka-engine.wasm"),
  };
  writeFileSync(`${dist}size.json`, `${JSON.stringify(report, null, 2)}\n`);
  const integrity = Object.fromEntries(WIDGET_FILES.map((file) => [file, integrityOf(`${dist}${file}`)]));
  writeFileSync(`${dist}integrity.json`, `${JSON.stringify(integrity, null, 2)}\n`);
  if (report["kopilka.js"].gzip > BUDGET_GZIP) {
    throw new Error(`kopilka.js is ${report["kopilka.js"].gzip} bytes gzipped, over the budget of ${BUDGET_GZIP}`);
  }
  writeDeclarations(dist);
  writeManifest(dist);
  return { size: report, integrity };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const { size: report, integrity } = await buildWidget();
    const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;
    for (const [file, s] of Object.entries(report)) {
      if (typeof s === "object") console.log(`widget/dist/${file.padEnd(20)} ${kb(s.bytes).padStart(9)}  ${kb(s.gzip).padStart(8)} gzipped`);
    }
    console.log(`kopilka.js is within its budget: ${report["kopilka.js"].gzip} of ${BUDGET_GZIP} bytes gzipped`);
    for (const [file, hash] of Object.entries(integrity)) console.log(`integrity of ${file.padEnd(20)} ${hash}`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
