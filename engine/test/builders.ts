/**
 * Builders for engine tests: each test spells out only the numbers that matter and inherits the rest.
 *
 * Defaults (chosen so that hand computation stays trivial):
 * - program: RUB, Europe/Moscow, active, 1 point = 100 kopecks, earn 10% (1000 bps) with no step, no earning on
 *   the part paid with points, redeem up to 30% (3000 bps) with no minimum order and minPoints 1, no tiers, no
 *   campaigns;
 * - receipt: Monday 23 November 2026, 10:15 Moscow time, lines numbered "1", "2", … in the given order;
 * - line: qty 1, no sku/categories/tags;
 * - campaign: id "c1", priority 0, stacking "stack", basis "discounted", every line, 10% off.
 */
import { expect } from "vitest";
import { createEngine, ReceiptInvalidError } from "../host/node.ts";
import type {
  Campaign,
  CampaignCounters,
  CustomerSnapshot,
  Evaluation,
  Problem,
  Program,
  Receipt,
  ReceiptLine,
  TierLevel,
} from "../host/types.ts";

export interface ProgramOptions {
  currency?: string;
  timezone?: string;
  status?: Program["status"];
  points?: Partial<Program["points"]>;
  earn?: Partial<Program["earn"]>;
  redeem?: Partial<Program["redeem"]>;
  /** Tier levels in ascending `from`; wrapped into `{ basis: "spend", windowDays: null, levels }`. */
  tiers?: TierLevel[];
  campaigns?: Campaign[];
}

export function program(options: ProgramOptions = {}): Program {
  const result: Program = {
    currency: options.currency ?? "RUB",
    timezone: options.timezone ?? "Europe/Moscow",
    status: options.status ?? "active",
    points: { value: 100, expiryDays: 365, pendingDays: 0, ...options.points },
    earn: { rateBps: 1000, step: null, onPointsPaid: false, excludeTags: [], ...options.earn },
    redeem: { maxShareBps: 3000, minOrder: 0, excludeTags: [], minPoints: 1, ...options.redeem },
    campaigns: options.campaigns ?? [],
  };
  if (options.tiers) result.tiers = { basis: "spend", windowDays: null, levels: options.tiers };
  return result;
}

/** A tier level; `name` defaults to the id. */
export function tier(level: Omit<TierLevel, "name"> & { name?: string }): TierLevel {
  return { name: level.id, ...level };
}

export type LineInput = Omit<ReceiptLine, "id" | "price" | "qty"> & { id?: string; price: number; qty?: number };

/** A receipt line; `receipt()` numbers the lines "1", "2", … unless an id is given. */
export function line(input: LineInput): LineInput {
  return { qty: 1, ...input };
}

export interface ReceiptOptions extends Partial<Omit<Receipt, "lines">> {
  lines?: LineInput[];
}

export const DEFAULT_AT = "2026-11-23T10:15:00+03:00";

export function receipt(options: ReceiptOptions = {}): Receipt {
  const { lines = [line({ price: 100000 })], ...rest } = options;
  return {
    at: DEFAULT_AT,
    ...rest,
    lines: lines.map((l, i) => ({ ...l, id: l.id ?? String(i + 1), qty: l.qty ?? 1 })),
  };
}

export type CampaignInput = Partial<Campaign>;

export function campaign(input: CampaignInput = {}): Campaign {
  return {
    id: "c1",
    priority: 0,
    stacking: "stack",
    basis: "discounted",
    effect: { discountBps: 1000 },
    ...input,
  };
}

/** One-shot evaluation: compiles the program and quotes the receipt. */
export function quote(
  p: Program,
  r: Receipt = receipt(),
  customer?: CustomerSnapshot,
  counters?: CampaignCounters,
): Evaluation {
  return createEngine(p).quote(r, customer, counters);
}

/** Per-line discounts in line order. */
export function lineDiscounts(ev: Evaluation): number[] {
  return ev.lines.map((l) => l.discount);
}

/** Per-line points payments (money) in line order. */
export function linePointsPaid(ev: Evaluation): number[] {
  return ev.lines.map((l) => l.pointsPaid);
}

/** Per-line earned points in line order. */
export function linePoints(ev: Evaluation): number[] {
  return ev.lines.map((l) => l.pointsEarned);
}

/** Ids of the campaigns that applied (tier discounts included, as `tier:<id>`). */
export function appliedIds(ev: Evaluation): string[] {
  return ev.campaigns.map((c) => c.id);
}

/** What one campaign took off one line (0 when it did not touch it). */
export function discountBy(ev: Evaluation, lineId: string, campaignId: string): number {
  const l = ev.lines.find((x) => x.id === lineId);
  if (!l) throw new Error(`no line ${lineId}`);
  return l.discounts.filter((d) => d.campaign === campaignId).reduce((s, d) => s + d.amount, 0);
}

/** The problems of the ReceiptInvalidError that `run` throws (fails the test when it throws nothing or another error). */
export function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ReceiptInvalidError);
    return (error as ReceiptInvalidError).problems;
  }
  throw new Error("expected the receipt to be refused with a ReceiptInvalidError");
}
