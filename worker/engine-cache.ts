/**
 * Compiled engines per isolate, keyed by (shopId, programVersion): a program version's text never changes, so
 * an engine compiled once serves every request for that version until the isolate goes away. The Worker's
 * routes and the CustomerAccount objects (same isolate, same module graph) share this cache.
 */
import { createHash } from "node:crypto";
import { createEngine, type Engine } from "../engine/host/index.ts";
import type { Evaluation } from "../engine/host/types.ts";

/** Enough for the shops an isolate serves at once; the oldest-used engine is dropped beyond it. */
const MAX_ENGINES = 64;
const engines = new Map<string, Engine>();

/**
 * The engine for a shop's program version. Compiles (and validates) `program` on first use; throws
 * ProgramInvalidError if it is invalid (stored programs were validated when saved, so that is a bug).
 */
export function engineFor(shopId: string, version: number, program: unknown): Engine {
  const key = `${shopId}\u0000${version}`;
  let engine = engines.get(key);
  if (engine) {
    engines.delete(key); // re-insert: Map order is the recency order
  } else {
    engine = createEngine(program);
    if (engines.size >= MAX_ENGINES) engines.delete(engines.keys().next().value!);
  }
  engines.set(key, engine);
  return engine;
}

/** JSON with object keys sorted, so equal values hash equally whatever the order of their keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** SHA-256 (hex) of the canonical JSON of `value`; synchronous (node:crypto) so it can run inside transactions. */
export function hashOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/**
 * The quote id of an evaluation: a hash of what the customer is offered — money, points, lines, campaigns —
 * not of the snapshot echo (`customer`), the nudges or the program version, so a quote stays valid while only
 * those change. Accepts an evaluation that already carries `quoteId`/`programVersion` (they are left out).
 */
export function quoteIdOf(evaluation: Evaluation & { quoteId?: string; programVersion?: number }): string {
  const { customer: _customer, nudges: _nudges, quoteId: _quoteId, programVersion: _version, ...offer } = evaluation;
  return `q_${hashOf(offer).slice(0, 32)}`;
}
