/**
 * Reserving an order's limited campaigns at their CampaignCounters (worker/README.md "Placing and settling an
 * order"), and what this isolate last read of each counter. The CustomerAccount calls `reserveLimited` between
 * evaluating an order and holding it, under its own lock, so the evaluation it holds uses no more than the
 * counters granted.
 */
import type { CampaignCounters, Evaluation, Program } from "../../engine/host/types.ts";
import { BoundedMap } from "../lib/cache.ts";
import { campaignCounter, type CampaignLeft, type CampaignLimits } from "./counter.ts";

/** The program's campaigns with shop-wide limits (`limits.totalUses` or `limits.budget`), by id. */
export function limitedCampaigns(program: Pick<Program, "campaigns">): Map<string, CampaignLimits> {
  const limited = new Map<string, CampaignLimits>();
  for (const c of program.campaigns ?? []) {
    if (c.limits?.totalUses !== undefined || c.limits?.budget !== undefined) limited.set(c.id, c.limits);
  }
  return limited;
}

/** Enough for the limited campaigns of the shops an isolate serves at once; the oldest reading is dropped beyond. */
const readings = new BoundedMap<string, { left: CampaignLeft; at: number }>(256);

/** Remembers what a counter said is left (a peek, or the answer to a reservation) at `at`. */
export function noteReading(shopId: string, campaignId: string, left: CampaignLeft, at: number): void {
  readings.set(`${shopId}\u0000${campaignId}`, { left: { ...left }, at });
}

/** What this isolate read of the counter at most `maxAgeMs` before `now`, if anything. */
export function recentReading(shopId: string, campaignId: string, now: number, maxAgeMs: number): CampaignLeft | undefined {
  const reading = readings.get(`${shopId}\u0000${campaignId}`);
  return reading && now - reading.at < maxAgeMs && reading.at <= now ? reading.left : undefined;
}

/** Forgets every reading (tests). */
export function forgetReadings(): void {
  readings.clear();
}

/** Whether the last reading of this counter (however old) said a limit was used up. */
function lastSeenExhausted(shopId: string, campaignId: string): boolean {
  const left = readings.get(`${shopId}\u0000${campaignId}`)?.left;
  return left !== undefined && (left.usesLeft === 0 || left.budgetLeft === 0);
}

/** Asks the counter what is left now, and remembers the answer. */
export async function peekCounter(env: Env, shopId: string, campaignId: string, limits: CampaignLimits, now: number): Promise<CampaignLeft> {
  const left = await campaignCounter(env, shopId, campaignId).peek(limits, now);
  noteReading(shopId, campaignId, left, now);
  return left;
}

export async function releaseReservations(env: Env, shopId: string, orderId: string, campaignIds: Iterable<string>, now: number): Promise<void> {
  await Promise.all([...campaignIds].map((id) => campaignCounter(env, shopId, id).release(orderId, now)));
}

/** Rounds of evaluate → reserve before an order gives up with 409 (each round follows a refusal). */
export const MAX_ROUNDS = 5;

export interface ReserveLimitedRequest {
  shopId: string;
  orderId: string;
  program: Pick<Program, "campaigns">;
  /** When the reservations lapse unless committed: the order's hold expiry. */
  expiresAt: number;
  now: number;
  /** The order's evaluation given what is left of limited campaigns (absent: their full limits). */
  evaluate: (counters: CampaignCounters) => Evaluation;
}

export type ReserveLimitedResult =
  | { ok: true; evaluation: Evaluation; counters: CampaignCounters; reserved: Map<string, number> }
  | { ok: false };

/**
 * Evaluates the order and reserves, at each limited campaign's counter, one use and the campaign's discount for
 * every limited campaign the evaluation applies (keyed by order id: a repeat replaces the order's own
 * reservation). The answer's evaluation uses exactly what was reserved — never more than the counters granted.
 *
 * No counter is read beforehand: a campaign starts from its full limits, since a reservation is the authority and
 * a refusal says what is left; the campaign is then evaluated again with that. Only campaigns this isolate last saw
 * used up are peeked first (else every order would try them and be refused), so a use given back since is never
 * missed. Campaigns reserved in an earlier round and no longer applied are released. After MAX_ROUNDS refusals in
 * a row everything is released and the answer is `{ok: false}` (limits kept changing: 409, retry).
 * `evaluate` throwing releases whatever was reserved and rethrows.
 */
export async function reserveLimited(env: Env, request: ReserveLimitedRequest): Promise<ReserveLimitedResult> {
  const { shopId, orderId, expiresAt, now, evaluate } = request;
  const limited = limitedCampaigns(request.program);
  const counters: CampaignCounters = {};
  if (limited.size === 0) return { ok: true, evaluation: evaluate(counters), counters, reserved: new Map() };
  await Promise.all([...limited].filter(([id]) => lastSeenExhausted(shopId, id)).map(async ([id, limits]) => {
    counters[id] = await peekCounter(env, shopId, id, limits, now);
  }));
  const reserved = new Map<string, number>();
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const evaluation = evaluate(counters);
      const wanted = evaluation.campaigns.filter((c) => limited.has(c.id));
      const outcomes = await Promise.all(wanted.map((c) => campaignCounter(env, shopId, c.id).reserve({
        orderId, uses: 1, budget: c.discount, limits: limited.get(c.id)!, expiresAt, now,
      })));
      let refused = false;
      wanted.forEach((c, i) => {
        const { granted, usesLeft, budgetLeft } = outcomes[i]!;
        noteReading(shopId, c.id, { usesLeft, budgetLeft }, now);
        if (granted) {
          reserved.set(c.id, c.discount);
          return;
        }
        refused = true;
        // What is left for this order: a reservation it already holds (an earlier round) counts as its own.
        const own = reserved.get(c.id);
        const left: CampaignLeft = {};
        if (usesLeft !== undefined) left.usesLeft = usesLeft + (own === undefined ? 0 : 1);
        if (budgetLeft !== undefined) left.budgetLeft = budgetLeft + (own ?? 0);
        counters[c.id] = left;
      });
      const stale = [...reserved.keys()].filter((id) => !wanted.some((c) => c.id === id));
      await releaseReservations(env, shopId, orderId, stale, now);
      for (const id of stale) reserved.delete(id);
      if (!refused) return { ok: true, evaluation, counters, reserved };
    }
  } catch (error) {
    await releaseReservations(env, shopId, orderId, reserved.keys(), now);
    throw error;
  }
  await releaseReservations(env, shopId, orderId, reserved.keys(), now);
  return { ok: false };
}
