/**
 * Where the Worker's CPU goes under one scenario of the API benchmark: `npx node worker/bench/profile.ts <scenario>
 * [seconds]` (after `npm run build:engine`; `<scenario>` is the start of a name in scenarios.ts, e.g. "POST
 * /v1/checkout/quote, 10"). Starts the Worker and seeds the shop as `npm run bench:api` does, attaches V8's
 * sampling profiler through wrangler's DevTools port (the Worker and its Durable Objects share one isolate
 * locally), drives the scenario, and prints the busiest functions (self time) and the share of the isolate's time
 * spent idle — the rest of a request's latency is outside the isolate (wrangler's proxy, workerd, storage). The
 * raw profile is written to $TMPDIR/kopilka-<scenario>.cpuprofile (open it in Chrome DevTools). Also prints the CPU
 * time per request of each process (the load generator, wrangler's proxy, the Worker's workerd); PROFILE=0 measures
 * only that, without the profiler's own cost.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCENARIOS } from "./scenarios.ts";
import { seedShop } from "./seed.ts";
import { platformToken, startWorker } from "./server.ts";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] }

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
async function connect(port: number): Promise<{ send: (method: string, params?: object) => Promise<unknown>; close: () => void }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
  if (targets.length === 0) throw new Error("the inspector lists no target");
  // Wrangler's inspector proxy refuses upgrades without an allowed Origin; Node's WebSocket (undici) takes headers.
  const init = { headers: { origin: "http://127.0.0.1" } } as unknown as string[];
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl, init);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.error ? Promise.reject(new Error(JSON.stringify(message.error))) : message.result);
  };
  return {
    send: (method, params = {}) => new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    }),
    close: () => socket.close(),
  };
}

function where(frame: CallFrame): string {
  const file = frame.url.replace(/^.*\/(node_modules\/)?/, (m, nm) => (nm ? "nm/" : "")).slice(-48);
  return `${frame.functionName || "(anonymous)"} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
}

/** Self time per function, and per source (engine, zod, hono, worker…), as shares of the profile. */
function summarize(profile: Profile, requests: number): string {
  const total = profile.samples.length;
  const ms = (profile.endTime - profile.startTime) / 1000;
  const byFunction = new Map<string, number>();
  const bySource = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const key = where(node.callFrame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    const url = node.callFrame.url;
    const source = url === "" ? node.callFrame.functionName
      : /zod/.test(url) ? "zod" : /hono/.test(url) ? "hono" : /engine\//.test(url) ? "engine host" : /worker\//.test(url) ? "worker" : url.slice(-40);
    bySource.set(source, (bySource.get(source) ?? 0) + hits);
  }
  const idle = byFunction.get("(idle) ") ?? 0;
  const busyMs = (ms * (total - idle)) / total;
  const rows = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${((busyMs * v) / (total - idle) / requests * 1000).toFixed(0).padStart(6)} µs/req  ${k}`);
  return [
    `${(ms / 1000).toFixed(1)} s profiled, ${requests} requests; isolate busy ${(100 - (100 * idle) / total).toFixed(1)}% ` +
      `= ${((busyMs / requests) * 1000).toFixed(0)} µs of isolate CPU per request`,
    "", "by source (self time):", ...rows(bySource, 12), "", "by function (self time):", ...rows(byFunction, 40),
  ].join("\n");
}

/** CPU seconds (user + system) so far of this process and of every process in wrangler's group, by role. */
function cpuSeconds(group: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const pgrp = Number(fields[2]);
      if (Number(entry) !== process.pid && pgrp !== group) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const role = Number(entry) === process.pid ? "load generator (autocannon, this process)"
        : args[0]!.endsWith("workerd") ? (args.some((a) => a.includes("entry=127.0.0.1:0")) ? "workerd: the Worker and its objects" : "workerd: wrangler's proxy in front")
        : "wrangler (node)";
      // utime + stime, in clock ticks (100 per second on Linux).
      out.set(role, (out.get(role) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

async function main(): Promise<void> {
  const [prefix, secondsArg] = process.argv.slice(2);
  const scenario = SCENARIOS.find((s) => prefix && s.name.startsWith(prefix));
  if (!scenario?.run) {
    console.error(`usage: node worker/bench/profile.ts <scenario> [seconds]; scenarios:\n${SCENARIOS.map((s) => `  ${s.name}`).join("\n")}`);
    process.exit(2);
  }
  const root = fileURLToPath(new URL("../../", import.meta.url));
  // Unminified, so that the profile names functions.
  const worker = await startWorker(root, (line) => console.log(line), { args: ["--minify=false"] });
  try {
    const shop = await seedShop(worker.base, platformToken(root));
    const options = { durationSeconds: Number(secondsArg ?? 10), connections: Number(process.env.BENCH_CONNECTIONS ?? 10) };
    await scenario.run(shop, { durationSeconds: 2, connections: options.connections });
    const profiled = process.env.PROFILE !== "0";
    const inspector = profiled ? await connect(worker.inspectorPort) : undefined;
    await inspector?.send("Profiler.enable");
    await inspector?.send("Profiler.setSamplingInterval", { interval: 100 });
    await inspector?.send("Profiler.start");
    const cpuBefore = cpuSeconds(worker.pid);
    const measured = await scenario.run(shop, options);
    const cpuAfter = cpuSeconds(worker.pid);
    console.log(`${scenario.name}: ${Math.round(measured.requestsPerSecond)} requests/s, p50 ${measured.p50} ms, p99 ${measured.p99} ms, ` +
      `${measured.errors + measured.non2xx} errors${profiled ? " (the profiler slows the isolate down)" : ""}\n`);
    console.log(`CPU per request, by process${profiled ? " (the profiler's own cost included)" : ""}:`);
    for (const [role, seconds] of cpuAfter) {
      console.log(`  ${(((seconds - (cpuBefore.get(role) ?? 0)) / measured.requests) * 1e6).toFixed(0).padStart(6)} µs  ${role}`);
    }
    if (!inspector) return;
    const { profile } = (await inspector.send("Profiler.stop")) as { profile: Profile };
    inspector.close();
    const file = join(tmpdir(), `kopilka-${scenario.name.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`\n${summarize(profile, measured.requests)}\n\nprofile: ${file}`);
  } finally {
    await worker.stop();
  }
}

await main();
