/**
 * Programs and compiled engines per isolate, keyed by (shopId, programVersion): a program version's text never
 * changes, so a program read once and an engine compiled once serve every request for that version until the
 * isolate goes away. The Worker's routes and the CustomerAccount objects share this cache (locally they share the
 * isolate; on Cloudflare an object's isolate fills its own).
 */
import { createHash } from "node:crypto";
import { BoundedMap } from "./cache.ts";
import { hex } from "./crypto.ts";
import { createEngine, type Engine } from "../../engine/host/index.ts";
import type { Evaluation } from "../../engine/host/types.ts";

/* Enough for the shops an isolate serves at once; the oldest-used entry is dropped beyond it. */
/** Per (shopId, version): the program's text, and its engine once something evaluated with it. */
const compiled = new BoundedMap<string, { program: unknown; engine?: Engine }>(64);

const keyOf = (shopId: string, version: number) => `${shopId}\u0000${version}`;

/** Re-inserted on every use: the map's order is the recency order. */
function touch(key: string, entry: { program: unknown; engine?: Engine }): void {
  compiled.set(key, entry);
}

/** Remembers a version's program (read from the Shop) so that later requests in this isolate need not ask again. */
export function rememberProgram(shopId: string, version: number, program: unknown): void {
  const key = keyOf(shopId, version);
  touch(key, compiled.get(key) ?? { program });
}

/** A version's program if this isolate has seen it (`rememberProgram`, `engineFor`), else undefined. */
export function knownProgram(shopId: string, version: number): unknown {
  return compiled.get(keyOf(shopId, version))?.program;
}

/**
 * The engine for a shop's program version. Compiles (and validates) `program` on first use; throws
 * ProgramInvalidError if it is invalid (stored programs were validated when saved, so that is a bug).
 */
export function engineFor(shopId: string, version: number, program: unknown): Engine {
  const key = keyOf(shopId, version);
  const entry = compiled.get(key) ?? { program };
  entry.engine ??= createEngine(entry.program);
  touch(key, entry);
  return entry.engine;
}

/**
 * The quote id of an evaluation: a hash of what the customer is offered — money, points, lines, campaigns —
 * not of the snapshot echo (`customer`), the nudges or the program version, so a quote stays valid while only
 * those change. Accepts an evaluation that already carries `quoteId`/`programVersion` (they are left out).
 *
 * Plain JSON, not `canonicalJson`: quote ids are only ever compared with the id of a fresh evaluation, which the
 * engine host builds with its keys always in the same order, and sorting every object's keys was half the cost of
 * a quote id. A release that changes the shape of evaluations changes the ids of equal offers; an order placed
 * with an id from before it answers 409 `conflict` with the fresh evaluation, as for any offer that changed.
 */
export function quoteIdOf(evaluation: QuotableEvaluation): string {
  return `q_${createHash("sha256").update(offerJson(evaluation)).digest("hex").slice(0, 32)}`;
}

/**
 * `quoteIdOf` by WebCrypto, for callers that can await (the Worker's quote): the same id, without node:crypto's
 * conversions of the text to a Buffer and of the digest to hex, which cost more than the hash itself.
 */
export async function quoteIdOfAsync(evaluation: QuotableEvaluation): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(offerJson(evaluation))));
  return `q_${hex(digest.subarray(0, 16))}`;
}

type QuotableEvaluation = Evaluation & { quoteId?: string; programVersion?: number; currency?: string };
const utf8 = new TextEncoder();

/** What a quote id hashes: the evaluation without the snapshot echo, the nudges and the quote's own fields (currency included). */
function offerJson(evaluation: QuotableEvaluation): string {
  const { customer: _customer, nudges: _nudges, quoteId: _quoteId, programVersion: _version, currency: _currency, ...offer } = evaluation;
  return JSON.stringify(offer);
}
