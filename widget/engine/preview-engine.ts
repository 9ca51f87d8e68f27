/**
 * The receipt engine for `<kopilka-earn-preview>`, loaded only when a preview needs it: the engine host's
 * Engine class (the same code the Worker quotes with) and the `.wasm`, fetched once.
 *
 * The bundle (widget/build.ts) builds this file as its own module, `kopilka-engine.js`, next to
 * `kopilka-engine.wasm`. It takes the Engine without validation (engine/host/engine.ts, no zod): the public
 * program was validated by the server with defaults applied, and a preview's receipt is made by the component
 * itself, so a refused one reports the encoder's own problem.
 */
import { Engine } from "../../engine/host/engine.ts";
import type { CustomerSnapshot, Evaluation, Program, Receipt } from "../../engine/host/types.ts";

/** Set by the bundle; from the sources (tests) the engine's own build is used. */
declare const KOPILKA_ENGINE_WASM: string | undefined;

function wasmUrl(): URL {
  const path = typeof KOPILKA_ENGINE_WASM === "string" ? KOPILKA_ENGINE_WASM : "../../engine/build/release.wasm";
  return new URL(path, import.meta.url);
}

let module: Promise<WebAssembly.Module> | undefined;

function engineModule(): Promise<WebAssembly.Module> {
  module ??= (async () => {
    const response = await fetch(wasmUrl());
    if (!response.ok) throw new Error(`the engine could not be loaded: ${response.status} ${response.url}`);
    return WebAssembly.compile(await response.arrayBuffer());
  })();
  module.catch(() => (module = undefined));
  return module;
}

const engines = new WeakMap<Program, Engine>();

/** An engine for `program` (compiled once per program object). */
export async function engineFor(program: Program): Promise<Engine> {
  const compiled = await engineModule();
  let engine = engines.get(program);
  if (!engine) {
    engine = new Engine(program, compiled);
    engines.set(program, engine);
  }
  return engine;
}

export type { CustomerSnapshot, Evaluation, Receipt };
