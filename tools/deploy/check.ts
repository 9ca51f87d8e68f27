/**
 * `npm run check:deploy`: what `wrangler deploy` would upload, built as CI builds it and measured, with no
 * network and no Cloudflare login (`--dry-run`). Fails when:
 *   - the build step (wrangler.toml `[build]`) fails or leaves the widget's assets incomplete;
 *   - the Worker is over Cloudflare's size limits — the strictest of both forms they have taken: 3 MB gzipped
 *     (the Workers Free plan's compressed limit; Paid: 10 MB) and 64 MiB uncompressed;
 *   - its startup (the top-level code: module evaluation, the Wasm compile) is over LIMIT_STARTUP_MS, measured by
 *     `wrangler check startup` under the local workerd (Cloudflare's limit is 1 s on its CPUs; ours is a margin).
 * Writes the figures to build/deploy-check.json and prints them.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { ASSETS_DIR, WIDGET_PATH } from "./build.ts";
import { WIDGET_FILES } from "../../widget/build.ts";

export const LIMIT_GZIP = 3 * 1000 * 1000;
export const LIMIT_BYTES = 64 * 1024 * 1024;
export const LIMIT_STARTUP_MS = 400;

const root = fileURLToPath(new URL("../../", import.meta.url));
/** No login, no prompts, no telemetry: `--dry-run` needs no account. */
const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_API_TOKEN: "", CLOUDFLARE_ACCOUNT_ID: "" };

function wrangler(args: string[]): string {
  return execFileSync(process.execPath, [join(root, "node_modules/wrangler/bin/wrangler.js"), ...args], {
    cwd: root, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180_000,
  });
}

export interface DeployFigures {
  /** The modules uploaded (the bundled Worker and the engine's .wasm; source maps are not the Worker's size). */
  bytes: number;
  gzip: number;
  /** What wrangler reports for the upload. */
  wrangler: string;
  /** CPU time of the Worker's startup under the local workerd. */
  startupMs: number;
  assets: string[];
}

export function checkDeploy(): DeployFigures {
  const out = mkdtempSync(join(tmpdir(), "kopilka-deploy-"));
  try {
    const deploy = wrangler(["deploy", "--dry-run", "--outdir", out]);
    const modules = readdirSync(out).filter((f) => !f.endsWith(".map") && !f.endsWith(".md"));
    if (!modules.includes("index.js") || !modules.some((f) => f.endsWith(".wasm"))) throw new Error(`the dry run produced ${modules.join(", ")}`);
    const bytes = modules.reduce((n, f) => n + statSync(join(out, f)).size, 0);
    const gzip = modules.reduce((n, f) => n + gzipSync(readFileSync(join(out, f))).length, 0);

    const assets = WIDGET_FILES.map((f) => `${WIDGET_PATH}${f}`);
    for (const path of [...assets, "/_headers"]) {
      if (!existsSync(join(ASSETS_DIR, path))) throw new Error(`build/assets${path} is missing after the build step`);
    }
    if (existsSync(join(ASSETS_DIR, "v1"))) throw new Error("build/assets/v1 would shadow the API");

    const startup = wrangler(["check", "startup", "--outfile", join(out, "startup.cpuprofile")]);
    const active = /Active:\s*([\d.]+)\s*ms/.exec(startup);
    if (!active) throw new Error(`wrangler check startup printed no startup time:\n${startup}`);

    const figures: DeployFigures = {
      bytes, gzip, startupMs: Number(active[1]), assets,
      wrangler: /Total Upload:[^\n]*/.exec(deploy)?.[0] ?? "",
    };
    const problems = [
      gzip > LIMIT_GZIP && `the Worker is ${gzip} bytes gzipped, over ${LIMIT_GZIP}`,
      bytes > LIMIT_BYTES && `the Worker is ${bytes} bytes, over ${LIMIT_BYTES}`,
      figures.startupMs > LIMIT_STARTUP_MS && `startup takes ${figures.startupMs} ms, over ${LIMIT_STARTUP_MS}`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(problems.join("; "));
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const figures = checkDeploy();
    writeFileSync(`${root}build/deploy-check.json`, `${JSON.stringify(figures, null, 2)}\n`);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`Worker: ${kb(figures.bytes)}, ${kb(figures.gzip)} gzipped (limits: ${LIMIT_GZIP / 1e6} MB gzipped, 64 MiB)`);
    console.log(`wrangler: ${figures.wrangler}`);
    console.log(`startup: ${figures.startupMs} ms CPU under the local workerd (limit here ${LIMIT_STARTUP_MS} ms; Cloudflare's 1 s)`);
    console.log(`widget: ${figures.assets.join(", ")}`);
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    console.error(e.message, e.stdout ?? "", e.stderr ?? "");
    process.exit(1);
  }
}
