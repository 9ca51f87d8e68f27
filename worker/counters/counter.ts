import { DurableObject } from "cloudflare:workers";
import { now } from "../clock.ts";
import { migrate } from "../sql.ts";
import {
  COUNTER_MIGRATIONS,
  addTaken,
  selectLapsed,
  selectNextExpiry,
  selectReservation,
  selectTaken,
  updateReservationState,
  upsertReservation,
} from "./counter-sql.ts";

/** A campaign's shop-wide limits (program.md `limits.totalUses`, `limits.budget`); absent = unlimited. */
export interface CampaignLimits {
  totalUses?: number;
  budget?: number;
}

/** What is left of each given limit (the engine's `CampaignCounters` entry); absent for an absent limit. */
export interface CampaignLeft {
  usesLeft?: number;
  budgetLeft?: number;
}

export interface ReserveRequest {
  orderId: string;
  /** Uses the order takes (1 for an applied campaign). */
  uses: number;
  /** Discount money the order takes from the budget (minor units). */
  budget: number;
  limits: CampaignLimits;
  /** Epoch ms at which the reservation lapses unless committed (the order's hold expiry). */
  expiresAt: number;
}

/** A reservation's outcome, with what is left afterwards. A denial names the limit that refused it. */
export type Reservation = CampaignLeft & ({ granted: true } | { granted: false; reason: "uses" | "budget" });

function assertCount(name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative safe integer, got ${String(value)}`);
  }
}

function assertLimits(limits: CampaignLimits): void {
  if (limits.totalUses !== undefined) assertCount("limits.totalUses", limits.totalUses);
  if (limits.budget !== undefined) assertCount("limits.budget", limits.budget);
}

function assertOrderId(orderId: unknown): asserts orderId is string {
  if (typeof orderId !== "string" || orderId.length === 0 || orderId.length > 200) {
    throw new RangeError("orderId must be a string of 1 to 200 characters");
  }
}

/**
 * The CampaignCounter Durable Object, one per campaign of a shop (`idFromName(shopId + ":" + campaignId)`):
 * the campaign's shop-wide uses and budget, per order — reserved (held by a pending order, lapsing at its
 * `expiresAt`), committed (a confirmed order) or released. Reserved + committed never exceed the limits: each
 * verb reads and writes without an await in between, so concurrent reservations are serialized.
 * Every verb is idempotent per order id. Lapsed reservations count as released from the moment they lapse;
 * an alarm at the earliest expiry marks them so.
 */
export class CampaignCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, COUNTER_MIGRATIONS));
  }

  /** What is left of the given limits now. */
  peek(limits: CampaignLimits): CampaignLeft {
    assertLimits(limits);
    const at = now();
    this.ctx.storage.transactionSync(() => this.releaseLapsed(at));
    return this.left(limits, 0, 0);
  }

  /**
   * Holds `uses` and `budget` for an order if the limits allow it. Repeating it for the same order replaces that
   * order's reservation (a replay with the same numbers changes nothing; new numbers are checked against what
   * the others hold). A committed order stays committed and is reported as granted. A denial changes nothing.
   */
  async reserve(request: ReserveRequest): Promise<Reservation> {
    const { orderId, uses, budget, limits, expiresAt } = request;
    assertOrderId(orderId);
    assertCount("uses", uses);
    assertCount("budget", budget);
    assertLimits(limits);
    assertCount("expiresAt", expiresAt);
    const at = now();
    const result = this.ctx.storage.transactionSync((): Reservation => {
      this.releaseLapsed(at);
      const existing = selectReservation(this.sql, orderId);
      if (existing?.state === "committed") return { granted: true, ...this.left(limits, 0, 0) };
      const own = existing?.state === "reserved" ? existing : { uses: 0, budget: 0 };
      const before = this.left(limits, own.uses, own.budget);
      if (before.usesLeft !== undefined && uses > before.usesLeft) return { granted: false, reason: "uses", ...this.left(limits, 0, 0) };
      if (before.budgetLeft !== undefined && budget > before.budgetLeft) return { granted: false, reason: "budget", ...this.left(limits, 0, 0) };
      upsertReservation(this.sql, orderId, uses, budget, expiresAt, at);
      addTaken(this.sql, uses - own.uses, budget - own.budget);
      if (expiresAt <= at) this.releaseLapsed(at); // already lapsed: holds nothing, but the order is known
      return { granted: true, ...this.left(limits, 0, 0) };
    });
    if (result.granted) await this.scheduleAlarm();
    return result;
  }

  /**
   * Turns an order's reservation into a use. `committed: false` when there is nothing to commit: the order is
   * unknown, was released, or its reservation lapsed — then `reserve` again (it checks the limits) and commit.
   */
  async commit(orderId: string): Promise<{ committed: boolean }> {
    assertOrderId(orderId);
    const at = now();
    const committed = this.ctx.storage.transactionSync(() => {
      this.releaseLapsed(at);
      const existing = selectReservation(this.sql, orderId);
      if (existing === undefined || existing.state === "released") return false;
      if (existing.state === "reserved") updateReservationState(this.sql, orderId, "committed", at);
      return true;
    });
    await this.scheduleAlarm();
    return { committed };
  }

  /**
   * Gives back what an order holds, reserved or committed (a cancelled confirmed order returns its use).
   * `released: true` when this call released something; unknown or already released orders change nothing.
   */
  async release(orderId: string): Promise<{ released: boolean }> {
    assertOrderId(orderId);
    const at = now();
    const released = this.ctx.storage.transactionSync(() => {
      this.releaseLapsed(at);
      const existing = selectReservation(this.sql, orderId);
      if (existing === undefined || existing.state === "released") return false;
      updateReservationState(this.sql, orderId, "released", at);
      addTaken(this.sql, -existing.uses, -existing.budget);
      return true;
    });
    await this.scheduleAlarm();
    return { released };
  }

  /** Releases the reservations that lapsed, then waits for the next expiry. */
  override async alarm(): Promise<void> {
    const at = now();
    this.ctx.storage.transactionSync(() => this.releaseLapsed(at));
    await this.scheduleAlarm();
  }

  private left(limits: CampaignLimits, ownUses: number, ownBudget: number): CampaignLeft {
    const taken = selectTaken(this.sql);
    const left: CampaignLeft = {};
    if (limits.totalUses !== undefined) left.usesLeft = Math.max(0, limits.totalUses - (taken.uses - ownUses));
    if (limits.budget !== undefined) left.budgetLeft = Math.max(0, limits.budget - (taken.budget - ownBudget));
    return left;
  }

  /** Marks every reservation that lapsed by `at` as released. Callers run it inside a transaction. */
  private releaseLapsed(at: number): void {
    for (;;) {
      const lapsed = selectLapsed(this.sql, at);
      for (const row of lapsed) {
        updateReservationState(this.sql, row.order_id, "released", at);
        addTaken(this.sql, -row.uses, -row.budget);
      }
      if (lapsed.length < 1000) return;
    }
  }

  private async scheduleAlarm(): Promise<void> {
    const next = selectNextExpiry(this.sql);
    if (next === undefined) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
  }
}

/** The counter of a shop's campaign (the shop id must come from a verified key). */
export function campaignCounter(env: Env, shopId: string, campaignId: string): DurableObjectStub<CampaignCounter> {
  return env.CAMPAIGN_COUNTER.getByName(`${shopId}:${campaignId}`);
}
