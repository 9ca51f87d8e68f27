/**
 * Node entry of the engine host (CLI, benchmarks, tests): loads engine/build/release.wasm from disk.
 * Set KOPILKA_ENGINE_WASM to load another build (e.g. the debug one).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { useEngineModule } from "./index.ts";

export * from "./index.ts";

export const releaseWasmPath = fileURLToPath(new URL("../build/release.wasm", import.meta.url));

const path = process.env.KOPILKA_ENGINE_WASM ?? releaseWasmPath;
let bytes: Buffer;
try {
  bytes = readFileSync(path);
} catch {
  throw new Error(`the engine is not built (${path} missing): run \`npm run build:engine\``);
}
useEngineModule(new WebAssembly.Module(new Uint8Array(bytes)));
