import { DurableObject } from "cloudflare:workers";
import { now } from "../lib/clock.ts";
import { migrate } from "../lib/sql.ts";
import { objectByName } from "../lib/objects.ts";
import {
  COUNTER_MIGRATIONS,
  addTaken,
  selectLapsed,
  selectNextExpiry,
  selectReservation,
  selectTaken,
  updateReservationGivenBack,
  updateReservationState,
  upsertReservation,
} from "./counter-sql.ts";

/** A campaign's shop-wide limits (docs/program.md `limits.totalUses`, `limits.budget`); absent = unlimited. */
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
  /** The caller's clock (epoch ms). */
  now: number;
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
  /*
   * What this instance knows without asking SQLite: it is the only writer of its storage, so these stay right as
   * long as every write below keeps them up to date; a transaction that fails (rolled back) forgets them.
   * `undefined` = not known: read it. They spare a counter that is asked on every order the statements that would
   * only find nothing lapsed, the unchanged totals and the unchanged alarm.
   */
  /** Σ uses and budget of reserved + committed rows (the `taken` row). */
  private taken: Taken | undefined;
  /** The earliest `expires_at` of a reserved row, null when none is held: nothing lapses before it. */
  private nextExpiry: number | null | undefined;
  /** The alarm as this instance last set it. */
  private alarmAt: number | null | undefined;
  private scheduling = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, COUNTER_MIGRATIONS));
  }

  /** What is left of the given limits at `now` (the caller's clock). */
  peek(limits: CampaignLimits, now: number): CampaignLeft {
    assertLimits(limits);
    assertCount("now", now);
    const taken = this.write(() => {
      this.releaseLapsed(now);
      return this.totals();
    });
    return leftOf(limits, taken, 0, 0);
  }

  /**
   * Holds `uses` and `budget` for an order if the limits allow it. Repeating it for the same order replaces that
   * order's reservation (a replay with the same numbers changes nothing; new numbers are checked against what
   * the others hold). A committed order stays committed and is reported as granted. A denial changes nothing.
   */
  async reserve(request: ReserveRequest): Promise<Reservation> {
    const { orderId, uses, budget, limits, expiresAt, now: at } = request;
    assertOrderId(orderId);
    assertCount("uses", uses);
    assertCount("budget", budget);
    assertLimits(limits);
    assertCount("expiresAt", expiresAt);
    assertCount("now", at);
    const result = this.write((): Reservation => {
      this.releaseLapsed(at);
      const taken = this.totals();
      const existing = selectReservation(this.sql, orderId);
      if (existing?.state === "committed") return { granted: true, ...leftOf(limits, taken, 0, 0) };
      const own = existing?.state === "reserved" ? existing : { uses: 0, budget: 0 };
      const before = leftOf(limits, taken, own.uses, own.budget);
      if (before.usesLeft !== undefined && uses > before.usesLeft) return { granted: false, reason: "uses", ...leftOf(limits, taken, 0, 0) };
      if (before.budgetLeft !== undefined && budget > before.budgetLeft) return { granted: false, reason: "budget", ...leftOf(limits, taken, 0, 0) };
      upsertReservation(this.sql, orderId, uses, budget, expiresAt, at);
      this.addTaken(uses - own.uses, budget - own.budget);
      if (expiresAt <= at) this.releaseLapsed(at, true); // already lapsed: holds nothing, but the order is known
      return { granted: true, ...leftOf(limits, this.totals(), 0, 0) };
    });
    if (result.granted) await this.scheduleAlarm();
    return result;
  }

  /**
   * Turns an order's reservation into a use. `committed: false` when there is nothing to commit: the order is
   * unknown, was released, or its reservation lapsed. With `record`, the use of an order that is unknown or whose
   * reservation lapsed is recorded as committed anyway, limits or not: the caller states that the order was
   * confirmed with this campaign's discount (a retry after a crash between the account's confirmation and this
   * call), and a use given must be counted. An order that gave its use back (`release`: it was cancelled) records
   * nothing: a retried confirmation of a cancelled order answers its first answer, but the use stays free.
   */
  async commit(orderId: string, at: number, record?: { uses: number; budget: number }): Promise<{ committed: boolean }> {
    assertOrderId(orderId);
    assertCount("now", at);
    if (record) {
      assertCount("uses", record.uses);
      assertCount("budget", record.budget);
    }
    const committed = this.write(() => {
      this.releaseLapsed(at);
      const existing = selectReservation(this.sql, orderId);
      if (existing === undefined || existing.state === "released") {
        if (!record || existing?.given_back === 1) return false;
        upsertReservation(this.sql, orderId, record.uses, record.budget, at, at);
        updateReservationState(this.sql, orderId, "committed", at);
        this.addTaken(record.uses, record.budget);
        return true;
      }
      if (existing.state === "reserved") updateReservationState(this.sql, orderId, "committed", at);
      return true;
    });
    await this.scheduleAlarm();
    return { committed };
  }

  /**
   * Gives back what an order holds, reserved or committed (a cancelled confirmed order returns its use), for good:
   * a later `commit` of the order records nothing unless it reserves again first.
   * `released: true` when this call released something; unknown or already released orders change nothing.
   */
  async release(orderId: string, at: number): Promise<{ released: boolean }> {
    assertOrderId(orderId);
    assertCount("now", at);
    const released = this.write(() => {
      this.releaseLapsed(at);
      const existing = selectReservation(this.sql, orderId);
      if (existing === undefined) return false;
      // A lapsed row is marked too: the order is given up either way, and a retried commit must not record it.
      if (existing.state === "released") {
        if (existing.given_back !== 1) updateReservationGivenBack(this.sql, orderId, at);
        return false;
      }
      updateReservationGivenBack(this.sql, orderId, at);
      this.addTaken(-existing.uses, -existing.budget);
      return true;
    });
    await this.scheduleAlarm();
    return { released };
  }

  /** Releases the reservations that lapsed, then waits for the next expiry. Alarms read the clock themselves. */
  override async alarm(): Promise<void> {
    this.write(() => this.releaseLapsed(now(), true));
    await this.scheduleAlarm(true);
  }

  /**
   * Runs `op` as one transaction. If it throws (everything rolled back), the totals and next expiry remembered on
   * the way are forgotten and read again next time.
   */
  private write<T>(op: () => T): T {
    try {
      return this.ctx.storage.transactionSync(op);
    } catch (error) {
      this.taken = undefined;
      this.nextExpiry = undefined;
      throw error;
    }
  }

  private totals(): Taken {
    return (this.taken ??= selectTaken(this.sql));
  }

  private addTaken(uses: number, budget: number): void {
    const taken = this.totals();
    addTaken(this.sql, uses, budget);
    this.taken = { uses: taken.uses + uses, budget: taken.budget + budget };
  }

  /**
   * Marks every reservation that lapsed by `at` as released. Callers run it inside a transaction. Nothing can
   * have lapsed before the earliest expiry this instance knows of, so then it reads nothing (`always` looks anyway).
   */
  private releaseLapsed(at: number, always = false): void {
    this.nextExpiry ??= selectNextExpiry(this.sql) ?? null;
    if (!always && (this.nextExpiry === null || this.nextExpiry > at)) return;
    for (;;) {
      const lapsed = selectLapsed(this.sql, at);
      for (const row of lapsed) {
        updateReservationState(this.sql, row.order_id, "released", at);
        this.addTaken(-row.uses, -row.budget);
      }
      if (lapsed.length < 1000) break;
    }
    this.nextExpiry = selectNextExpiry(this.sql) ?? null;
  }

  /**
   * Points the alarm at the earliest held reservation's expiry (or clears it). Storage is touched only on a change,
   * except from `alarm()` (`always`): the runtime clears the alarm that fired, so the next one is set explicitly.
   * Verbs of concurrent requests interleave at these awaits: only the latest call's view is remembered.
   */
  private async scheduleAlarm(always = false): Promise<void> {
    const ticket = ++this.scheduling;
    const next = (this.nextExpiry = selectNextExpiry(this.sql) ?? null);
    if (!always) {
      const set = this.alarmAt ?? (await this.ctx.storage.getAlarm());
      if (ticket !== this.scheduling) return; // a later call decides, with a fresher `next`
      this.alarmAt = set;
      if (next === set) return;
    }
    this.alarmAt = undefined; // unknown until storage has it
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(next);
    if (ticket === this.scheduling) this.alarmAt = next;
  }
}

type Taken = { uses: number; budget: number };

/** What is left of each given limit, not counting `ownUses`/`ownBudget` (the asking order's own reservation). */
function leftOf(limits: CampaignLimits, taken: Taken, ownUses: number, ownBudget: number): CampaignLeft {
  const left: CampaignLeft = {};
  if (limits.totalUses !== undefined) left.usesLeft = Math.max(0, limits.totalUses - (taken.uses - ownUses));
  if (limits.budget !== undefined) left.budgetLeft = Math.max(0, limits.budget - (taken.budget - ownBudget));
  return left;
}

/** The counter of a shop's campaign (the shop id must come from a verified key). */
export function campaignCounter(env: Env, shopId: string, campaignId: string): DurableObjectStub<CampaignCounter> {
  return objectByName(env.CAMPAIGN_COUNTER, `${shopId}:${campaignId}`);
}
