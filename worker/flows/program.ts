/**
 * The program a request runs under: resolved once per request by the flow that serves it and passed on (to the
 * account as its version only: objects read a version's program from their isolate's cache, or once from the
 * Shop). Publishing goes through here too, so this isolate never serves a version older than the one it wrote.
 */
import { refusal } from "../lib/refusal.ts";
import { BoundedMap } from "../lib/cache.ts";
import { now as clockNow } from "../lib/clock.ts";
import { knownProgram, rememberProgram } from "../lib/engine-cache.ts";
import type { Program } from "../../engine/host/types.ts";
import { shopObject } from "../shop/shop.ts";
import { type ValidProgram } from "../shop/types.ts";

export interface CurrentProgram {
  version: number;
  program: ValidProgram;
}

/**
 * How long an isolate trusts the current program version it read from the Shop. Every quote and order needs
 * the program; reading it from the Shop object costs a round-trip and a 50-campaign program's JSON parse and
 * copy each time. A version's text never changes, so programs are kept per (shop, version); only "which
 * version is current" can go stale, by at most this long in an isolate other than the one that published
 * (that one forgets at once, `forgetCurrentProgram`).
 */
export const PROGRAM_VERSION_TTL_MS = 5_000;
/** Enough for the shops an isolate serves at once; the oldest entry is dropped beyond it. */
const currentVersions = new BoundedMap<string, { version: number; until: number }>(64);

/** After `PUT /v1/program` in this isolate: the next request reads the current version from the Shop. */
export function forgetCurrentProgram(shopId: string): void {
  currentVersions.delete(shopId);
}

/** The shop's current program; `not_found` when none is published (nothing can be evaluated yet). */
export async function currentProgram(env: Env, shopId: string): Promise<CurrentProgram> {
  const current = await currentProgramOrNull(env, shopId);
  if (current === null) throw refusal("not_found", "No program has been published yet");
  return current;
}

/** The shop's current program, or null before the first version. */
export async function currentProgramOrNull(env: Env, shopId: string): Promise<CurrentProgram | null> {
  const at = clockNow();
  const known = currentVersions.get(shopId);
  const cached = known && known.until > at ? knownProgram(shopId, known.version) : undefined;
  if (cached) return { version: known!.version, program: cached as ValidProgram };
  const shop = shopObject(env, shopId);
  const version = await shop.getProgramVersion();
  if (version === null) return null;
  let program = knownProgram(shopId, version) as ValidProgram | undefined;
  if (!program) {
    const stored = await shop.getProgram(version);
    if (stored === null) throw new Error(`program version ${version} of shop ${shopId} vanished`);
    program = stored.program;
    rememberProgram(shopId, version, program);
  }
  currentVersions.set(shopId, { version, until: at + PROGRAM_VERSION_TTL_MS });
  return { version, program };
}

/** PUT /v1/program: stores the validated program as the next version; this isolate serves it at once. */
export async function publishProgram(env: Env, shopId: string, program: ValidProgram, now: number): Promise<CurrentProgram> {
  const { version } = await shopObject(env, shopId).putProgram(program, now);
  forgetCurrentProgram(shopId);
  rememberProgram(shopId, version, program);
  return { version, program };
}

/** The program without what only the shop should know: promo-code campaigns and campaign limits. */
export function publicProgram(program: ValidProgram): Program {
  const campaigns = (program.campaigns ?? [])
    .filter((c) => !(c.when?.codes && c.when.codes.length > 0))
    .map(({ limits: _limits, ...campaign }) => campaign);
  return { ...(program as Program), campaigns };
}
