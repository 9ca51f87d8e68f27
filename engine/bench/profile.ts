/**
 * Where the engine's instructions go: `node engine/bench/profile.ts [lines]` quotes one benchmark cart on a
 * metered copy of the release build and prints the functions by instructions executed (own body only).
 */
import { existsSync, readFileSync } from "node:fs";
import { createEngine, releaseWasmPath } from "../host/node.ts";
import { meter, readMeter, readProfile } from "./meter.ts";
import { cart, COUNTERS, CUSTOMER, PROGRAM } from "./workload.ts";

const lines = Number(process.argv[2] ?? 200);
const bytes = new Uint8Array(readFileSync(releaseWasmPath));
const module = new WebAssembly.Module(meter(bytes, { perFunction: true }));
const Instance = WebAssembly.Instance;
let instance: WebAssembly.Instance | undefined;
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, args, newTarget) {
    instance = Reflect.construct(target, args, newTarget) as WebAssembly.Instance;
    return instance;
  },
});
const engine = createEngine(PROGRAM, { module });
WebAssembly.Instance = Instance;
const receipt = cart(lines);
const before = readProfile(instance!);
const start = readMeter(instance!);
engine.quote(receipt, CUSTOMER, COUNTERS);
const total = Number(readMeter(instance!) - start);
const after = readProfile(instance!);

const wat = releaseWasmPath.replace(/\.wasm$/, ".wat");
const names = existsSync(wat) ? [...readFileSync(wat, "utf8").matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1]!) : [];
const rows = [...after].map(([name, a]) => {
  const b = before.get(name) ?? { instructions: 0n, calls: 0n };
  const index = /^(\d+)$/.exec(name)?.[1];
  return { name: index !== undefined ? names[Number(index)] ?? name : name, instructions: Number(a.instructions - b.instructions), calls: Number(a.calls - b.calls) };
}).filter((r) => r.instructions > 0).sort((x, y) => y.instructions - x.instructions);
console.log(`${lines} lines: ${total.toLocaleString("en-US")} instructions`);
for (const r of rows.slice(0, 25)) {
  console.log(`${r.instructions.toString().padStart(10)} ${r.calls.toString().padStart(8)}  ${r.name}`);
}
