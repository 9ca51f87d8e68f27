/**
 * What the npm package `@kopilka/widget` (widget/package.json) ships besides the bundle, written into widget/dist/
 * by widget/build.ts:
 *
 *   kopilka.d.ts          the package's types: re-exports types/widget/index.d.ts (KopilkaWidget, KopilkaEarnPreview,
 *                         the events, HTMLElementTagNameMap), emitted by tsc with widget/tsconfig.types.json
 *   types/                those declarations, laid out as the sources are (widget/, engine/host/, contract/)
 *   custom-elements.json  the Custom Elements Manifest of both elements, from @custom-elements-manifest/analyzer
 */
import * as analyzer from "@custom-elements-manifest/analyzer";
// The Lit plugin (the CLI's `--litelement`) is not exported by the analyzer's entry; its module is reachable (the
// package has no "exports" map).
// @ts-expect-error -- a plain JS module without declarations: litPlugin() returns the analyzer's plugin objects.
import { litPlugin } from "@custom-elements-manifest/analyzer/src/features/framework-plugins/lit/lit.js";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

// The analyzer's declarations cover its config only; its index.js also exports `create()` and the TypeScript it
// parses with (the programmatic API the CLI runs on), typed here as far as this file uses them.
const { create, ts } = analyzer as unknown as {
  create(options: { modules: unknown[]; plugins?: unknown[] }): { modules: { declarations?: unknown[] }[] };
  ts: typeof import("typescript");
};

/** The component modules the manifest describes, relative to the repo root. */
export const COMPONENT_SOURCES = ["widget/kopilka-widget/kopilka-widget.ts", "widget/earn-preview/earn-preview.ts"];

/** The one module a consumer imports; both elements are defined by importing it. */
const BUNDLE = "dist/kopilka.js";

export function writeDeclarations(dist: string): void {
  const tsc = fileURLToPath(import.meta.resolve("typescript/bin/tsc"));
  execFileSync(process.execPath, [tsc, "-p", `${root}widget/tsconfig.types.json`], { stdio: "inherit" });
  writeFileSync(`${dist}kopilka.d.ts`, 'export * from "./types/widget/index.ts";\n');
}

interface Field { name: string; attribute?: string; privacy?: string }
interface Declaration { name: string; tagName?: string; members?: Field[]; attributes?: { name: string; fieldName?: string }[] }

/**
 * The manifest, tidied where the analyzer reads Lit loosely: reactive state (`{ state: true }`) has no attribute,
 * `@internal` and private members are not the elements' API, and every declaration lives in the bundle, not in
 * the sources the package does not ship.
 */
export function writeManifest(dist: string): void {
  const declarations: Declaration[] = [];
  for (const path of COMPONENT_SOURCES) {
    const source = readFileSync(`${root}${path}`, "utf8");
    const module = ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true);
    const manifest = create({ modules: [module], plugins: litPlugin() });
    const state = new Set([...source.matchAll(/^\s+(\w+): \{ state: true \}/gm)].map((m) => m[1]));
    const internal = new Set([...source.matchAll(/@internal \*\/ (?:declare |get )?(\w+)/g)].map((m) => m[1]));
    for (const mod of manifest.modules) {
      for (const declaration of (mod.declarations ?? []) as Declaration[]) {
        declaration.attributes = declaration.attributes?.filter((a) => !state.has(a.fieldName ?? a.name));
        declaration.members = declaration.members
          ?.filter((m) => m.privacy !== "private" && !internal.has(m.name))
          .map((m) => {
            if (state.has(m.name)) delete m.attribute;
            return m;
          });
        declarations.push(declaration);
      }
    }
  }
  const elements = declarations.filter((d) => d.tagName);
  const manifest = {
    schemaVersion: "1.0.0",
    readme: "README.md",
    modules: [{
      kind: "javascript-module",
      path: BUNDLE,
      declarations,
      exports: [
        ...declarations.map((d) => ({ kind: "js", name: d.name, declaration: { name: d.name, module: BUNDLE } })),
        ...elements.map((d) => ({ kind: "custom-element-definition", name: d.tagName, declaration: { name: d.name, module: BUNDLE } })),
      ],
    }],
  };
  writeFileSync(`${dist}custom-elements.json`, `${JSON.stringify(manifest, null, 2)}\n`);
}
