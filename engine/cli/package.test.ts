/**
 * The published `kopilka` package as a user gets it: packed, installed from the tarball into an empty project
 * without the network, and run from node_modules/.bin — on this Node (22) and on the machine's own Node 20 when
 * there is one (CI machines have it as their system node).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
let work: string;
let bin: string;

/** Every `node` on PATH outside this repository (npm scripts put node_modules/.bin first), with its major version. */
function systemNodes(): { path: string; major: number }[] {
  const found: { path: string; major: number }[] = [];
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    if (dir === "" || candidate.startsWith(root) || !existsSync(candidate)) continue;
    const printed = spawnSync(candidate, ["--version"], { encoding: "utf8" }).stdout.trim();
    const major = Number(/^v(\d+)\./.exec(printed)?.[1]);
    if (Number.isInteger(major) && !found.some((n) => n.major === major)) found.push({ path: candidate, major });
  }
  return found;
}

const npm = (args: string[], cwd: string) =>
  execFileSync("npm", args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "kopilka-pack-"));
  execFileSync(process.execPath, [join(root, "engine/cli/build.ts")], { cwd: root });
  // The engine is built by `npm test` before this runs; prepack would build it again.
  const packed = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], root)) as { filename: string; files: { path: string }[] }[];
  expect(packed[0]!.files.map((f) => f.path).sort()).toEqual(
    ["LICENSE", "README.md", "engine/README.md", "engine/build/release.wasm", "engine/dist/kopilka.js", "package.json"],
  );
  const project = join(work, "project");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "a-shop", private: true }));
  npm(["install", "--offline", "--no-package-lock", join(work, packed[0]!.filename)], project);
  bin = join(project, "node_modules/kopilka/engine/dist/kopilka.js");
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

const nodes = [{ path: process.execPath, major: Number(process.versions.node.split(".")[0]) }, ...systemNodes()]
  .filter((node, i, all) => all.findIndex((other) => other.major === node.major) === i);

describe("the installed kopilka package", () => {
  it("has no dependencies of its own: everything is in the bundle", () => {
    const installed = JSON.parse(readFileSync(join(work, "project/node_modules/kopilka/package.json"), "utf8")) as Record<string, unknown>;
    expect(installed.dependencies).toBeUndefined();
    expect(existsSync(join(work, "project/node_modules/.bin/kopilka"))).toBe(true);
  });

  it.each(nodes)("runs on Node $major: --version, validate a valid and an invalid program", ({ path }) => {
    const run = (...args: string[]) => spawnSync(path, [bin, ...args], { encoding: "utf8", cwd: join(work, "project") });
    expect(run("--version").stdout.trim()).toBe(version);
    const valid = run("validate", join(root, "worker/demo/program.json"));
    expect(valid.status).toBe(0);
    expect(valid.stdout).toMatch(/^valid: RUB/);
    const bad = join(work, "bad.json");
    writeFileSync(bad, JSON.stringify({ currency: "rub", timezone: "Europe/Moscow", points: { value: 0 }, earn: { rateBps: 1 }, redeem: { maxShareBps: 0 } }));
    const invalid = run("validate", bad);
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toContain("currency:");
    expect(invalid.stdout).toContain("points.value:");
  });

  // CI machines have Node 20 as their system node: there the Node 20 leg must have run. Elsewhere, say so.
  it.runIf(process.env.CI)("ran on Node 20 (CI)", () => {
    expect(nodes.map((node) => node.major)).toContain(20);
  });
  if (!process.env.CI && !nodes.some((node) => node.major === 20)) console.warn("no Node 20 on PATH outside the repository: only this Node was tried");
});
