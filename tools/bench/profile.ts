/**
 * Where the Worker's CPU goes under one scenario of the API benchmark: `npx node tools/bench/profile.ts <scenario>
 * [seconds]` (after `npm run build:engine`; `<scenario>` is the start of a name in scenarios.ts, e.g. "POST
 * /v1/checkout/quote, 10"). Starts the Worker and seeds the shop as `npm run bench:api` does, attaches V8's
 * sampling profiler through wrangler's DevTools port (the Worker and its Durable Objects share one isolate
 * locally), drives the scenario, and prints the isolate's time by task — the Worker's HTTP requests or calls
 * inside each kind of Durable Object, with the functions inside the objects by inclusive time — then the busiest
 * functions (self time) and the share of the isolate's time spent idle — the rest of a request's latency is
 * outside the isolate (wrangler's proxy, workerd, storage). The
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

interface CallFrame { functionName: string; url: string; lineNumber: number; scriptId: string }
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

/**
 * The source module of each line of the Worker's bundle: the unminified bundle opens each module's code with a
 * `// path/of/module.ts` comment. Returns a lookup from a 0-based line to that path ("" before the first).
 */
function modulesOf(source: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  source.split("\n").forEach((text, line) => {
    const match = /^\/\/ ((?:worker|engine|node_modules)\/\S+)$/.exec(text);
    if (match) starts.push({ line, module: match[1]! });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** The Durable Object classes' own code: a task that starts in one of these is work done inside an object. */
const OBJECT_MODULES = /^worker\/(account|counters|shop|ratelimit)\//;

/**
 * Where the isolate's time goes by the task it belongs to: the outermost frame of each sample's stack is where
 * the task began — an HTTP request in the Worker, or a call (or its continuation) inside a Durable Object. So the
 * objects' share is the CPU the objects themselves spend (their SQLite statements, the engine when the account
 * evaluates an order), which bounds what one object can serve whatever runs in front of it. Native time outside
 * any frame (GC, idle, the runtime's own work) is left out of both.
 */
function byTask(profile: Profile, moduleOf: (line: number) => string, requests: number): string {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ms = (profile.endTime - profile.startTime) / 1000;
  const perSample = ms / profile.samples.length;
  const tasks = new Map<string, number>();
  // Inside the objects' tasks: the time under each function (inclusive), to see which operation costs what.
  const inside = new Map<string, number>();
  for (const sample of profile.samples) {
    const stack: CallFrame[] = [];
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!.callFrame);
    let outermost: CallFrame | undefined;
    for (const frame of stack) if (frame.url === "index.js") outermost = frame;
    if (!outermost) continue;
    const module = moduleOf(outermost.lineNumber);
    const inObject = OBJECT_MODULES.test(module);
    const key = inObject ? `objects: ${module.split("/")[1]}` : "Worker (HTTP requests)";
    tasks.set(key, (tasks.get(key) ?? 0) + 1);
    if (!inObject) continue;
    const names = new Set(stack.map((f) => (f.url === "index.js" ? `${f.functionName || "(anonymous)"} ${moduleOf(f.lineNumber)}` : f.functionName || f.url)));
    for (const name of names) inside.set(name, (inside.get(name) ?? 0) + 1);
  }
  const line = ([k, v]: [string, number]) => `  ${((v * perSample * 1000) / requests).toFixed(0).padStart(6)} µs/req  ${k}`;
  return ["isolate time by task (where each sample's outermost frame is):", ...[...tasks].sort((a, b) => b[1] - a[1]).map(line),
    "", "inside the objects' tasks, time under each function (inclusive):",
    ...[...inside].sort((a, b) => b[1] - a[1]).slice(0, 30).map(line)].join("\n");
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
    console.error(`usage: node tools/bench/profile.ts <scenario> [seconds]; scenarios:\n${SCENARIOS.map((s) => `  ${s.name}`).join("\n")}`);
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
    // The bundle's source, to name the module of each frame (after profiling: the debugger has its own cost).
    const scriptId = profile.nodes.find((n) => n.callFrame.url === "index.js")?.callFrame.scriptId;
    let tasks = "";
    if (scriptId !== undefined) {
      await inspector.send("Debugger.enable");
      const { scriptSource } = (await inspector.send("Debugger.getScriptSource", { scriptId })) as { scriptSource: string };
      tasks = `\n${byTask(profile, modulesOf(scriptSource), measured.requests)}\n`;
    }
    inspector.close();
    const file = join(tmpdir(), `kopilka-${scenario.name.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`${tasks}\n${summarize(profile, measured.requests)}\n\nprofile: ${file}`);
  } finally {
    await worker.stop();
  }
}

await main();
