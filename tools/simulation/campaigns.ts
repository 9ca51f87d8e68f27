/**
 * The simulated program's limited campaigns and the shop-wide reference model of their CampaignCounters, written
 * from docs/program.md ("limits") and docs/api.md ("Confirming after the hold lapsed") — none of the counter's or
 * the account's code. Every account of a stream shares the counters, so orders of different customers compete
 * for the same uses and budget.
 *
 * Each campaign applies when the receipt carries its promo code, so the model knows which orders want it:
 *
 * - `uses`: 20 bonus points, `totalUses` 3;
 * - `budget`: 5.00 off the receipt (`discountAmount`), `budget` 12.00 — two full discounts and a third cut to
 *   what is left;
 * - `once`: 30 bonus points, `perCustomer` 1 and `totalUses` 2 (three customers compete for two uses).
 *
 * A stream is cut into epochs with campaigns of their own (new ids, new counters), so that each epoch sees its
 * limits fill up from nothing; orders of earlier epochs keep their campaigns (late confirms, cancels).
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Campaign } from "../../engine/host/types.ts";
import { campaignCounter } from "../../worker/counters/counter.ts";
import { Mismatch } from "./expect.ts";

export type LimitedKind = "uses" | "budget" | "once";

export const LIMITED: Record<LimitedKind, { code: string; bonus: number; amount: number; limits: { totalUses?: number; budget?: number; perCustomer?: number } }> = {
  uses: { code: "LIMUSES", bonus: 20, amount: 0, limits: { totalUses: 3 } },
  budget: { code: "LIMBUDGET", bonus: 0, amount: 500, limits: { budget: 1200 } },
  once: { code: "LIMONCE", bonus: 30, amount: 0, limits: { perCustomer: 1, totalUses: 2 } },
};
export const LIMITED_KINDS = Object.keys(LIMITED) as LimitedKind[];
export const LIMITED_CODES = LIMITED_KINDS.map((k) => LIMITED[k].code);

/** Steps per epoch: each epoch's campaigns start with their full limits. */
export const EPOCH_STEPS = 300;

/** How long a late confirmation's fresh reservation is held before the Worker commits it (account/confirm.ts). */
export const RECONFIRM_HOLD_MS = 10 * 60_000;

/** The campaign id of `kind` in an epoch of a run (`run`: unique per stream, so every stream has fresh counters). */
export function campaignId(run: string, epoch: number, kind: LimitedKind): string {
  return `lim-${kind}-${run}-${epoch}`;
}

/** The limited campaigns of an epoch's program. */
export function limitedCampaigns(run: string, epoch: number): Campaign[] {
  return LIMITED_KINDS.map((kind) => {
    const { code, bonus, amount, limits } = LIMITED[kind];
    return {
      id: campaignId(run, epoch, kind),
      when: { codes: [code] },
      effect: amount > 0 ? { discountAmount: amount } : { bonusPoints: bonus },
      limits,
    } as Campaign;
  });
}

/** One order's hold on a counter, as the model sees it. */
export interface ModelUse {
  budget: number;
  state: "reserved" | "committed" | "released";
  expiresAt: number;
}

/** A campaign's counter: the orders holding it (reserved until `expiresAt`, or committed) or having given it back. */
export class CounterModel {
  readonly uses = new Map<string, ModelUse>();
  /** The most committed uses (and budget) ever seen at once: the streams show they reach the limits. */
  maxCommitted = 0;
  maxCommittedBudget = 0;
  readonly id: string;
  readonly kind: LimitedKind;
  readonly limits: { totalUses?: number; budget?: number };
  constructor(id: string, kind: LimitedKind, limits: { totalUses?: number; budget?: number }) {
    this.id = id;
    this.kind = kind;
    this.limits = limits;
  }

  /** Reserved uses in force at `now` and committed ones: what the counter holds. */
  held(now: number): { uses: number; budget: number } {
    let uses = 0;
    let budget = 0;
    for (const u of this.uses.values()) {
      if (u.state === "committed" || (u.state === "reserved" && u.expiresAt > now)) {
        uses++;
        budget += u.budget;
      }
    }
    return { uses, budget };
  }

  /** What is left of the limits at `now`. */
  left(now: number): { usesLeft?: number; budgetLeft?: number } {
    const { uses, budget } = this.held(now);
    const left: { usesLeft?: number; budgetLeft?: number } = {};
    if (this.limits.totalUses !== undefined) left.usesLeft = Math.max(0, this.limits.totalUses - uses);
    if (this.limits.budget !== undefined) left.budgetLeft = Math.max(0, this.limits.budget - budget);
    return left;
  }

  /** Whether one more use with `budget` fits at `now`. */
  fits(budget: number, now: number): boolean {
    const { usesLeft, budgetLeft } = this.left(now);
    return (usesLeft === undefined || usesLeft >= 1) && (budgetLeft === undefined || budgetLeft >= budget);
  }

  reserve(orderId: string, budget: number, expiresAt: number): void {
    this.uses.set(orderId, { budget, state: "reserved", expiresAt });
  }

  commit(orderId: string, now: number): void {
    const use = this.uses.get(orderId);
    if (!use || use.state !== "reserved" || use.expiresAt <= now) throw new Mismatch(`model: ${orderId} commits ${this.id} without a reservation in force`);
    use.state = "committed";
    let n = 0;
    let b = 0;
    for (const u of this.uses.values()) if (u.state === "committed") (n++, (b += u.budget));
    this.maxCommitted = Math.max(this.maxCommitted, n);
    this.maxCommittedBudget = Math.max(this.maxCommittedBudget, b);
  }

  release(orderId: string): void {
    const use = this.uses.get(orderId);
    if (use) use.state = "released";
  }
}

/** Every counter of a stream, and what the late confirmations of orders with limited campaigns came to. */
export class ShopModel {
  readonly counters = new Map<string, CounterModel>();
  lateConfirms = { accepted: 0, refusedForCampaign: 0, refusedOtherwise: 0 };
  /** Counters a step changed or read: the invariants look at them after the step. */
  touched = new Set<string>();

  readonly run: string;
  constructor(run: string) {
    this.run = run;
  }

  counter(epoch: number, kind: LimitedKind): CounterModel {
    const id = campaignId(this.run, epoch, kind);
    let c = this.counters.get(id);
    if (!c) {
      const { totalUses, budget } = LIMITED[kind].limits;
      c = new CounterModel(id, kind, { ...(totalUses === undefined ? {} : { totalUses }), ...(budget === undefined ? {} : { budget }) });
      this.counters.set(id, c);
    }
    return c;
  }

  byId(id: string): CounterModel {
    const c = this.counters.get(id);
    if (!c) throw new Mismatch(`model: no counter ${id}`);
    return c;
  }
}

export const COUNTER_INVARIANTS = [
  "campaign counters: committed + reserved uses and budget never exceed totalUses and budget; taken = Σ of the rows; committed and reserved-in-force orders = the model's (exactly N uses when more orders compete)",
] as const;

/** The counter invariant, for the counters in `ids`, at the stream's `now`. */
export async function checkCounters(shop: ShopModel, ids: Iterable<string>, now: number): Promise<number> {
  let checked = 0;
  for (const id of ids) {
    const model = shop.byId(id);
    const stored = await runInDurableObject(campaignCounter(env, "simshop", id), (_instance, state) => {
      const sql = state.storage.sql;
      return {
        rows: sql.exec<{ order_id: string; uses: number; budget: number; state: string; expires_at: number }>(
          "SELECT order_id, uses, budget, state, expires_at FROM reservations ORDER BY order_id",
        ).toArray(),
        taken: sql.exec<{ uses: number; budget: number }>("SELECT uses, budget FROM taken WHERE id = 1").toArray()[0] ?? { uses: 0, budget: 0 },
      };
    });
    let uses = 0;
    let budget = 0;
    for (const r of stored.rows) {
      if (r.state === "reserved" || r.state === "committed") {
        uses += r.uses;
        budget += r.budget;
      }
    }
    if (stored.taken.uses !== uses || stored.taken.budget !== budget) {
      throw new Mismatch(`counter ${id}: taken ${JSON.stringify(stored.taken)}, rows hold ${JSON.stringify({ uses, budget })}`);
    }
    const { totalUses, budget: limit } = model.limits;
    if (totalUses !== undefined && uses > totalUses) throw new Mismatch(`counter ${id}: ${uses} uses held, totalUses ${totalUses}`);
    if (limit !== undefined && budget > limit) throw new Mismatch(`counter ${id}: ${budget} budget held, budget ${limit}`);
    const inForce = (state: string, expiresAt: number) => state === "committed" || (state === "reserved" && expiresAt > now);
    const seen = stored.rows.filter((r) => inForce(r.state, r.expires_at)).map((r) => `${r.order_id} ${r.state} ${r.uses} ${r.budget}`).join(", ");
    const modelled = [...model.uses].filter(([, u]) => inForce(u.state, u.expiresAt)).sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([orderId, u]) => `${orderId} ${u.state} 1 ${u.budget}`).join(", ");
    if (seen !== modelled) throw new Mismatch(`counter ${id}: holds [${seen}], model [${modelled}]`);
    checked++;
  }
  return checked;
}
