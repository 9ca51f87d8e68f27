/**
 * Runs the Worker under `wrangler dev` for the API benchmark and the crash script: a free loopback port, a
 * throwaway `--persist-to` directory (never the developer's .wrangler/state), its own process group so that
 * `stop()` ends wrangler and workerd together, even when the caller fails half-way.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningWorker {
  base: string;
  /** Wrangler's DevTools port (`--inspector-port`): the profiler (profile.ts) attaches to it. */
  inspectorPort: number;
  /** Wrangler's process id, also the id of the process group that holds workerd. */
  pid: number;
  /** The `--persist-to` directory. */
  state: string;
  /** Ends wrangler's process group and removes the persisted state (unless the caller gave it). Safe to call twice. */
  stop(): Promise<void>;
  /** SIGKILL to the whole process group at once, as a power cut would; the persisted state stays. */
  crash(): Promise<void>;
}

export interface WorkerOptions {
  /** Persist to this directory and leave it in place (a restart on the same state); default a fresh one, removed by `stop()`. */
  state?: string;
  /** More arguments for `wrangler dev` (the profiler's `--minify=false`). */
  args?: string[];
}

/** The platform token of local development (`.dev.vars`). */
export function platformToken(root: string): string {
  const match = /^PLATFORM_TOKEN=(.*)$/m.exec(readFileSync(join(root, ".dev.vars"), "utf8"));
  if (!match) throw new Error(".dev.vars has no PLATFORM_TOKEN");
  return match[1]!.trim();
}

/** A port nobody listens on now (the OS picks it; a race with another process is possible but unlikely). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  // The group, not only wrangler: workerd may outlive a wrangler that has already exited.
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

export async function startWorker(root: string, log: (line: string) => void, options: WorkerOptions = {}): Promise<RunningWorker> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const state = options.state ?? mkdtempSync(join(tmpdir(), "kopilka-bench-"));
  const base = `http://127.0.0.1:${port}`;
  // Wrangler on the Node that runs this (22, from node_modules), whatever `node` is first on PATH.
  const child = spawn(
    process.execPath,
    [join(root, "node_modules/wrangler/bin/wrangler.js"), "dev", "worker/demo/local.ts", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
      "--persist-to", state, "--log-level", "warn", "--show-interactive-dev-session=false",
      // Local development: the widget tests' webhook receiver listens on this machine.
      "--var", "ALLOW_PRIVATE_WEBHOOKS:1", ...(options.args ?? [])],
    // detached: its own process group, so one kill reaches workerd too.
    { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } },
  );
  let exited = false;
  child.once("exit", () => (exited = true));
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  // If this process dies in any way, workerd must not outlive it.
  const onExit = () => killGroup(child, "SIGKILL");
  process.on("exit", onExit);

  const gone = new Promise<void>((resolve) => {
    if (exited) resolve();
    else child.once("exit", () => resolve());
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child, "SIGTERM");
    const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
    await gone;
    clearTimeout(timer);
    killGroup(child, "SIGKILL"); // workerd, should it have outlived wrangler
    process.off("exit", onExit);
    if (options.state === undefined) rmSync(state, { recursive: true, force: true });
  };
  const crash = async () => {
    if (stopped) return;
    stopped = true;
    killGroup(child, "SIGKILL");
    await gone;
    process.off("exit", onExit);
  };

  log(`wrangler dev on ${base}, state in ${state}`);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      if ((await fetch(`${base}/v1/health`)).ok) return { base, inspectorPort, pid: child.pid!, state, stop, crash };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer ${base}/v1/health within 90 s; its last output:\n${output}`);
}
