/**
 * The npm package `@kopilka/widget` (widget/package.json), as `npm pack ./widget` makes it after the build: the
 * files it ships, the Custom Elements Manifest, and types a shop's TypeScript resolves through the package's
 * `exports`. Runs in Node (vitest's `engine` project), not in Chromium: it builds the widget itself, so the engine
 * must be built first (`npm run build:engine`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWidget } from "./build.ts";

const widget = fileURLToPath(new URL("./", import.meta.url));
const root = fileURLToPath(new URL("../", import.meta.url));
const consumer = mkdtempSync(join(tmpdir(), "kopilka-widget-consumer-"));

interface Manifest {
  modules: { declarations: { tagName?: string; attributes?: { name: string }[]; members?: { name: string }[]; events?: { name: string }[] }[] }[];
}

beforeAll(async () => {
  await buildWidget();
}, 120_000);

afterAll(() => rmSync(consumer, { recursive: true, force: true }));

describe("@kopilka/widget", () => {
  it("is versioned with the repo and packs the bundle, its types and manifest", () => {
    const pkg = JSON.parse(readFileSync(`${widget}package.json`, "utf8"));
    expect(pkg.version).toBe(JSON.parse(readFileSync(`${root}package.json`, "utf8")).version);
    const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "./widget"], { cwd: root, encoding: "utf8" }));
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    expect(files.filter((f) => !f.startsWith("dist/types/")).sort()).toEqual([
      "LICENSE",
      "README.md",
      "dist/custom-elements.json",
      "dist/kopilka-engine.js",
      "dist/kopilka-engine.wasm",
      "dist/kopilka.d.ts",
      "dist/kopilka.js",
      "dist/kopilka.js.LEGAL.txt",
      "package.json",
    ]);
    expect(files).toContain("dist/types/widget/index.d.ts");
    expect(files).toContain("dist/types/widget/shared/events.d.ts");
    // Tests and the build's own reports stay out.
    expect(files.filter((f) => /\.test\.|size\.json|integrity\.json|\.ts$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("declares both elements in custom-elements.json with their attributes, properties and events", () => {
    const manifest = JSON.parse(readFileSync(`${widget}dist/custom-elements.json`, "utf8")) as Manifest;
    const elements = new Map(manifest.modules.flatMap((m) => m.declarations).filter((d) => d.tagName).map((d) => [d.tagName, d]));
    const names = (list: { name: string }[] | undefined) => (list ?? []).map((x) => x.name);
    const widgetElement = elements.get("kopilka-widget");
    expect(names(widgetElement?.attributes)).toEqual(expect.arrayContaining(["publishable-key", "customer-token", "api", "open"]));
    expect(names(widgetElement?.members)).toEqual(expect.arrayContaining(["publishableKey", "show", "refresh"]));
    expect(names(widgetElement?.events).sort()).toEqual(["kopilka-balance-changed", "kopilka-error", "kopilka-registered", "kopilka-reward-redeemed"]);
    // Reactive state is not an attribute.
    expect(names(widgetElement?.attributes)).not.toContain("view");
    const preview = elements.get("kopilka-earn-preview");
    expect(names(preview?.attributes)).toEqual(expect.arrayContaining(["price", "qty", "sku", "publishable-key"]));
    expect(names(preview?.members)).toContain("lines");
    expect(names(preview?.events)).toEqual(["kopilka-error"]);
  });

  it("types document.createElement() for a shop's TypeScript, through the package's exports", () => {
    mkdirSync(join(consumer, "node_modules", "@kopilka"), { recursive: true });
    symlinkSync(widget, join(consumer, "node_modules", "@kopilka", "widget"), "dir");
    writeFileSync(join(consumer, "package.json"), '{ "type": "module" }\n');
    writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({
      compilerOptions: { strict: true, target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022", "DOM"], types: [], noEmit: true },
      files: ["good.ts", "bad.ts"],
    }));
    writeFileSync(join(consumer, "good.ts"), [
      'import "@kopilka/widget";',
      'import type { KopilkaRegisteredEvent } from "@kopilka/widget";',
      'const widget = document.createElement("kopilka-widget");',
      "const key: string | null = widget.publishableKey;",
      "widget.publishableKey = \"pk_test\";",
      'widget.addEventListener("kopilka-registered", (e: KopilkaRegisteredEvent) => console.log(e.detail.welcomePoints + 1));',
      'const points: number | null = document.createElement("kopilka-earn-preview").points;',
      "console.log(key, points);",
      "",
    ].join("\n"));
    writeFileSync(join(consumer, "bad.ts"), [
      'import "@kopilka/widget";',
      'const widget = document.createElement("kopilka-widget");',
      "widget.publishableKey = 42;",
      "console.log(widget.publishKey);",
      "",
    ].join("\n"));
    const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], { cwd: consumer, encoding: "utf8" });
    const errors = tsc.stdout.split("\n").filter((line) => line.includes("error TS"));
    expect(errors).toEqual([
      expect.stringMatching(/^bad\.ts\(3,1\): error TS2322: Type 'number' is not assignable to type 'string'/),
      expect.stringMatching(/^bad\.ts\(4,20\): error TS2339: Property 'publishKey' does not exist on type 'KopilkaWidget'/),
    ]);
  }, 60_000);
});
