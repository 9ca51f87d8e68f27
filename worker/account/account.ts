import { DurableObject } from "cloudflare:workers";
import { LIMITS } from "../../engine/host/limits.ts";
import type { CustomerSnapshot } from "../../engine/host/types.ts";
import { now as clockNow } from "../lib/clock.ts";
import { migrate } from "../lib/sql.ts";
import { clockReached, insertEntry, MIGRATIONS, recordClock, selectDueTimes } from "./account-sql.ts";
import { selectIdempotency, selectOrder, selectProfile, upsertProfileRow } from "./order-sql.ts";
import { advance, balances, expiryAfter, issueLot, takeBack, takeFromAvailable } from "./ledger.ts";
import { confirmReserving } from "./confirm.ts";
import { cancelOrder, orderStands, returnLines, type ResolvedOrderInput, type ReturnResult } from "./orders.ts";
import { placeReserving, programOf } from "./place.ts";
import { recall, remember } from "./idempotency.ts";
import { listCoupons, presentedCoupons, redeemReward } from "./coupons.ts";
import { recordEvent } from "./events.ts";
import { emit, oldestUnrelayed, OutboxRelay, outboxSize } from "../lib/outbox.ts";
import { Refused, refuse, type Result } from "../lib/refusal.ts";
import type {
  AccountView,
  AdjustInput,
  AdjustView,
  CheckoutSnapshot,
  CouponIssued,
  CouponView,
  EventInput,
  EventView,
  HistoryPage,
  OrderView,
  PlaceOrderInput,
  ProfileInput,
  ProfileView,
  RedeemRewardInput,
  ReturnLinesInput,
  TierProgram,
} from "./types.ts";
import { accountView, historyPage, iso, orderView, profileView, snapshotOf } from "./views.ts";
import { PreviewMemo } from "./preview-memo.ts";
import { objectByName } from "../lib/objects.ts";
import { knownProgram, rememberProgram } from "../lib/engine-cache.ts";
import type { Program } from "../../engine/host/types.ts";
import { nextScheduled, runScheduled, scheduleProgramOf } from "./schedule.ts";
import { retier } from "./tier.ts";
import { selectSchedule, storeScheduleProgram } from "./schedule-sql.ts";

const MAX_POINTS = LIMITS.points;
/** How soon the alarm comes back for events a relay did not send. */
const RELAY_BACKSTOP_MS = 30_000;
/**
 * How long (by the calls' clocks) the account trusts the program version it last read from the Shop for its
 * scheduled work; the alarm always reads it again.
 */
export const PROGRAM_RECHECK_MS = 60 * 60_000;

/**
 * What a call does to the account. `write` may change it. `read` changes nothing itself but counts as served: its
 * instant is recorded (a later caller whose clock reads behind it is served at it). `preview` (a quote's snapshot)
 * is not served to anyone who acts on it, so it records nothing and commits nothing unless something was due.
 */
type Access = "read" | "write" | "preview";

/**
 * The CustomerAccount Durable Object: one per customer of a shop (`idFromName(shopId + ":" + customerId)`),
 * holding the points ledger (ledger.ts), orders, returns and idempotency records (worker/README.md).
 *
 * Every method takes the caller's clock (`now`, epoch ms) and answers a Result (lib/refusal.ts) — business
 * refusals are values, not exceptions. Each call runs under `blockConcurrencyWhile`, so one customer's
 * requests never interleave; inside, `advance(now)` (due holds, pending → available, expiry) commits first when
 * anything is due, then the operation commits as one transaction (or not at all), then the alarm is set to the
 * next due time.
 */
export class CustomerAccount extends DurableObject<Env> {
  /** The alarm's clock (worker/lib/clock.ts; everything else gets `now` from its caller). Tests may replace it. */
  clock: () => number = clockNow;
  private readonly sql: SqlStorage;
  /*
   * What this instance knows without asking SQLite. It is the only writer of its storage, and every change goes
   * through `serialized` or `alarm`, which keep these up to date; an unexpected failure forgets them. `undefined`
   * = not known: read it. They spare every call the statements that would only find nothing due, the clock
   * unchanged and the alarm where it already is.
   */
  /** The clock table: the latest instant the account has served. */
  private reached: number | undefined;
  /** The earliest instant `advance()` has anything to do at (null: nothing is pending at all). */
  private workAt: number | null | undefined;
  /** The alarm as this instance last set it. */
  private alarmAt: number | null | undefined;
  /** When this instance last asked the Shop for its current program version (scheduled work, `refreshProgram`). */
  private programCheckedAt: number | undefined;
  /** The program check running after a write (refreshInBackground). */
  private refreshing: Promise<void> | null = null;
  /** What quotes read, between writes (preview-memo.ts); cleared wherever storage may change. */
  private readonly memo: PreviewMemo;
  /** Relays the event outbox to the EVENTS queue after each commit (lib/outbox.ts). */
  private readonly outbox: OutboxRelay;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.memo = new PreviewMemo(this.sql);
    this.outbox = new OutboxRelay(this.sql, () => {
      const name = this.ctx.id.name ?? "";
      const colon = name.indexOf(":");
      return { queue: this.env.EVENTS, shopId: name.slice(0, colon), customerId: name.slice(colon + 1) };
    }, "CustomerAccount");
    void ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
      // Events a previous instance committed but did not relay (it restarted first) go now.
      if (oldestUnrelayed(this.sql) !== null) void this.relayEvents();
    });
  }

  /** `op` as one transaction after catching up to `now`, serialized with every other call (see `serialized`). */
  private run<T>(requested: number, op: (now: number) => T, access: Access = "write"): Promise<Result<T>> {
    return this.serialized(requested, access, (now) => this.ctx.storage.transactionSync(() => {
      const value = op(now);
      // A cancellation or a return moves spend: the tier is evaluated again in the same transaction.
      if (access === "write") retier(this.sql, now);
      return value;
    }));
  }

  /**
   * Runs `body` after catching up to `now`; serialized with every other call. Time never runs backwards inside the
   * account: a caller whose clock reads behind an instant the account has already processed (its alarm, or another
   * request, got here first) is served at that instant, so nothing due is ever undone or missed. `body` gets the
   * instant it runs at; it commits its own transactions (a body that awaits, placing an order, commits after).
   * Catching up — `advance(now)`, when anything is due by then, and recording `now` as reached (see Access) — commits
   * first. The alarm is then pointed at the next due instant, unless nothing changed (a read or preview, nothing due).
   */
  private serialized<T>(requested: number, access: Access, body: (now: number) => T | Promise<T>): Promise<Result<T>> {
    return this.ctx.blockConcurrencyWhile(async (): Promise<Result<T>> => {
      let changed = false;
      try {
        if (!Number.isSafeInteger(requested) || requested < 0) refuse("invalid_request", "now must be epoch milliseconds", { path: "now" });
        const now = Math.max(requested, this.clockReached());
        // An account that has never stored a program (a new customer) reads it before its first write, so that
        // write is already under it; any other waits for nothing (refreshInBackground, after the write).
        if (access === "write" && selectSchedule(this.sql).programVersion === null) await this.refreshProgram(now, false);
        changed = this.catchUp(now, access !== "preview");
        try {
          const value = await body(now);
          if (access === "write") changed = true;
          return { ok: true, value };
        } finally {
          if (access === "write") this.memo.clear();
          if (changed) await this.schedule();
          // After the commit: the answer does not wait for the queue (the backstop alarm retries a failed relay)…
          if (changed) void this.relayEvents();
          // …nor for the Shop: the program check of the scheduled work runs beside it.
          if (access === "write") this.refreshInBackground(now);
        }
      } catch (e) {
        if (e instanceof Refused) return { ok: false, error: e.refusal };
        this.forget();
        // Never rethrow here: a throw inside blockConcurrencyWhile resets the object.
        console.error("CustomerAccount: unexpected error", e);
        return { ok: false, error: { code: "internal", message: "Internal error" } };
      }
    });
  }

  /**
   * A preview (`op` reads only, synchronously) with nothing due by its instant: served at once, without
   * `blockConcurrencyWhile` or a transaction — synchronous code never interleaves with another call, and a call
   * that awaits inside `serialized` holds every other one back anyway. Anything due, or a bad `now`, takes the
   * serialized path, which catches up first.
   */
  private preview<T>(requested: number, op: (now: number) => T): Promise<Result<T>> {
    if (Number.isSafeInteger(requested) && requested >= 0) {
      try {
        const now = Math.max(requested, this.clockReached());
        this.workAt ??= this.dueWork();
        if (this.workAt === null || this.workAt > now) return Promise.resolve({ ok: true, value: op(now) });
      } catch (e) {
        if (e instanceof Refused) return Promise.resolve({ ok: false, error: e.refusal });
        this.forget();
        console.error("CustomerAccount: unexpected error", e);
        return Promise.resolve({ ok: false, error: { code: "internal", message: "Internal error" } });
      }
    }
    return this.run(requested, op, "preview");
  }

  private clockReached(): number {
    return (this.reached ??= clockReached(this.sql));
  }

  /**
   * Processes what is due by `now` (true when there was anything) and records `now` as the instant reached — always
   * after processing something, otherwise only when `served`.
   */
  private catchUp(now: number, served: boolean): boolean {
    this.workAt ??= this.dueWork();
    const due = this.workAt !== null && this.workAt <= now;
    if (due) {
      this.memo.clear();
      this.ctx.storage.transactionSync(() => {
        advance(this.sql, now);
        runScheduled(this.sql, now);
        recordClock(this.sql, now);
      });
      this.workAt = undefined; // read again after the change
    } else if (!served) {
      return false;
    } else if (now > this.clockReached()) {
      recordClock(this.sql, now);
    }
    this.reached = now;
    return due;
  }

  /** The earliest instant anything is due: the ledger's work (`advance`) or the scheduled work (schedule.ts). */
  private dueWork(): number | null {
    return earliest(selectDueTimes(this.sql).work, nextScheduled(this.sql, this.clockReached()));
  }

  /**
   * Reads the shop's current program for the scheduled work when this instance has not asked within
   * PROGRAM_RECHECK_MS (`force`: the alarm, always): one RPC for the version; the program itself from this isolate's
   * cache, else from the Shop. A new version is stored with the account (`schedule`), so the scheduled work is a
   * function of storage and `now`. A Shop that cannot answer is logged and the stored program kept.
   */
  private async refreshProgram(now: number, force: boolean): Promise<void> {
    if (!force && this.programCheckedAt !== undefined && now < this.programCheckedAt + PROGRAM_RECHECK_MS) return;
    try {
      const shopId = this.shopId();
      const shop = this.env.SHOP.getByName(shopId);
      const version = await shop.getProgramVersion();
      this.programCheckedAt = now;
      if (version === null || version === selectSchedule(this.sql).programVersion) return;
      let program = knownProgram(shopId, version) as Program | undefined;
      if (!program) {
        const stored = await shop.getProgram(version);
        if (stored === null) return;
        program = stored.program as Program;
        rememberProgram(shopId, version, program);
      }
      storeScheduleProgram(this.sql, version, scheduleProgramOf(program));
      this.workAt = undefined;
      this.memo.clear();
    } catch (e) {
      console.error("CustomerAccount: could not read the shop's program for scheduled work", e instanceof Error ? e.message : e);
    }
  }

  /**
   * After a write, when due (refreshProgram): reads the shop's program without holding the call's answer or the
   * account — the Shop is shop-wide, and the order path does not wait for it. A new program points the alarm at
   * the scheduled work it brings.
   */
  private refreshInBackground(now: number): void {
    if (this.refreshing || (this.programCheckedAt !== undefined && now < this.programCheckedAt + PROGRAM_RECHECK_MS)) return;
    this.refreshing = (async () => {
      const before = selectSchedule(this.sql).programVersion;
      await this.refreshProgram(now, false);
      if (selectSchedule(this.sql).programVersion !== before) await this.ctx.blockConcurrencyWhile(() => this.schedule());
    })().finally(() => {
      this.refreshing = null;
    });
  }

  private forget(): void {
    this.memo.clear();
    this.reached = undefined;
    this.workAt = undefined;
    this.alarmAt = undefined;
  }

  /**
   * Points the alarm at the next due instant (or clears it); storage is touched only on a change, except from
   * alarm() (`fromAlarm`: the running alarm is about to be cleared, so the next one is set explicitly). A failure
   * here is logged, not reported: the operation has committed, and the next call or alarm catches up anyway
   * (advance runs before each).
   */
  private async schedule(fromAlarm = false): Promise<void> {
    try {
      const ledger = selectDueTimes(this.sql);
      const scheduled = nextScheduled(this.sql, this.clockReached());
      const times = { work: earliest(ledger.work, scheduled), alarm: earliest(ledger.alarm, scheduled) };
      this.workAt = times.work;
      // Events not yet relayed: the alarm comes back within RELAY_BACKSTOP_MS to relay them, should the relay
      // running after this commit fail or the object restart first. An alarm already set before then will do.
      const unrelayed = oldestUnrelayed(this.sql);
      const backstop = unrelayed === null ? null : this.clockReached() + RELAY_BACKSTOP_MS;
      const set = fromAlarm ? null : (this.alarmAt ??= await this.ctx.storage.getAlarm());
      if (backstop !== null && set !== null && set <= backstop) return;
      const due = backstop === null || (times.alarm !== null && times.alarm < backstop) ? times.alarm : backstop;
      if (!fromAlarm && due === set) return;
      this.alarmAt = undefined; // unknown until storage has it
      if (due === null) await this.ctx.storage.deleteAlarm();
      else await this.ctx.storage.setAlarm(due);
      this.alarmAt = due;
    } catch (e) {
      this.forget();
      console.error("CustomerAccount: could not set the alarm", e);
    }
  }

  /**
   * Hold lapse, pending → available, expiry: whatever is due now; then the next alarm; then the outbox is relayed
   * (what this alarm emitted, and anything a failed relay left). Idempotent.
   */
  override async alarm(): Promise<void> {
    try {
      // Read the program first: a call may run while this awaits, and the work below must start from what it left.
      await this.refreshProgram(Math.max(this.clock(), this.clockReached()), true);
      const now = Math.max(this.clock(), this.clockReached());
      this.memo.clear();
      this.ctx.storage.transactionSync(() => {
        advance(this.sql, now);
        runScheduled(this.sql, now);
        recordClock(this.sql, now);
      });
      this.reached = now;
    } catch (e) {
      this.forget();
      throw e;
    }
    await this.schedule(true);
    await this.relayEvents();
  }

  /** Sends the event outbox to the EVENTS queue; a failure is logged and left to the backstop alarm (`schedule`). */
  private relayEvents(): Promise<void> {
    return this.outbox.run();
  }

  /**
   * Waits for a program check running after a write, relays the outbox now and points the alarm at what is due
   * next, as an idle account has it once both are done. Answers how many events are still waiting (0 unless the
   * queue refused). For tests and diagnostics.
   */
  async flushEvents(): Promise<number> {
    if (this.refreshing) await this.refreshing;
    await this.relayEvents();
    if (oldestUnrelayed(this.sql) !== null) await this.relayEvents();
    await this.ctx.blockConcurrencyWhile(() => this.schedule());
    return outboxSize(this.sql);
  }

  /** The engine's customer snapshot (available balance, tier spend in the program's window, orders, …). */
  getSnapshot(now: number, program?: TierProgram): Promise<Result<CustomerSnapshot>> {
    return this.run(now, (at) => snapshotOf(this.sql, at, program), "read");
  }

  /**
   * The snapshot for a checkout evaluation, and the rewards whose coupons `codes` present: this customer's active
   * coupons (or, with `orderId`, those that order already holds or used — a replay), one per reward. The caller
   * keeps the rewards its program still has and passes them to `Engine.quote` as `{rewards}`. Changes nothing, and
   * a quote is a preview: its instant is not recorded as served (`preview`), so it costs no storage write.
   */
  getCheckoutSnapshot(
    now: number, program: TierProgram | undefined, coupons: { codes?: readonly string[]; orderId?: string },
  ): Promise<Result<CheckoutSnapshot>> {
    return this.preview(now, (at) => ({
      snapshot: this.memo.snapshot(at, program),
      rewards: presentedCoupons(this.sql, coupons.codes, coupons.orderId ?? null, this.memo.coupon).map((c) => c.rewardId),
    }));
  }

  /**
   * POST /v1/orders: evaluates, reserves the limited campaigns the evaluation applies at their counters (place.ts)
   * and holds. 201 with the order; replays answer the first answer.
   */
  placeOrder(input: PlaceOrderInput): Promise<Result<OrderView>> {
    return this.serialized(input.now, "write", async (at) => {
      const resolved: ResolvedOrderInput = { ...input, program: await programOf(this.env, input), now: at };
      // The memo holds what storage says until this call writes (it is cleared after): the order reads the
      // snapshot and coupons a quote just read, if any, instead of reading them again.
      return placeReserving(this.ctx.storage, this.env, resolved, this.memo.forOrder);
    });
  }

  /**
   * Paid. A lapsed order's limited campaigns are taken again first (confirm.ts): one that no longer has the use
   * refuses with 422 `hold_expired`. The Worker then commits the uses at the counters.
   */
  confirmOrder(orderId: string, now: number): Promise<Result<OrderView>> {
    return this.serialized(now, "write", (at) => confirmReserving(this.ctx.storage, this.env, this.shopId(), orderId, at, retier));
  }

  /** The shop this account belongs to: its object name is `shopId:customerId` (shop ids have no colon). */
  private shopId(): string {
    const name = this.ctx.id.name;
    if (!name) throw new Error("CustomerAccount: the object has no name; reach it by idFromName(shopId:customerId)");
    return name.slice(0, name.indexOf(":"));
  }

  cancelOrder(orderId: string, now: number): Promise<Result<OrderView>> {
    return this.run(now, (at) => cancelOrder(this.sql, orderId, at));
  }

  returnLines(input: ReturnLinesInput, now: number): Promise<Result<ReturnResult>> {
    return this.run(now, (at) => returnLines(this.sql, input, at));
  }

  /** Whether a confirmed order stands: neither cancelled nor returned in full. `not_found` for no such order. */
  orderStands(orderId: string, now: number): Promise<Result<boolean>> {
    return this.run(now, () => orderStands(this.sql, orderId), "read");
  }

  /** The order as it is now (status, evaluation, returns). */
  getOrder(orderId: string, now: number): Promise<Result<OrderView>> {
    return this.run(now, () => {
      const order = selectOrder(this.sql, orderId);
      if (!order) refuse("not_found", `No order ${orderId}`);
      return orderView(this.sql, order);
    }, "read");
  }

  /** PUT /v1/customers/{id}: creates or updates the profile (validation and contact uniqueness are the Shop's). */
  upsertProfile(input: ProfileInput, now: number): Promise<Result<{ created: boolean; profile: ProfileView }>> {
    return this.run(now, (at) => {
      const created = selectProfile(this.sql)?.registeredAt == null;
      upsertProfileRow(this.sql, {
        customerId: input.customerId,
        name: input.name ?? null,
        phone: input.phone ?? null,
        email: input.email ?? null,
        birthday: input.birthday ?? null,
        referralCode: input.referralCode ?? null,
      }, at);
      const profile = selectProfile(this.sql)!;
      if (created) emit(this.sql, "customer.created", { referralCode: profile.referralCode, birthday: profile.birthday }, at);
      return { created, profile: profileView(profile) };
    });
  }

  /** GET /v1/customers/{id}. Pass the program for tier and nextTier. */
  getAccount(now: number, program?: TierProgram): Promise<Result<AccountView>> {
    const name = this.ctx.id.name;
    return this.run(now, (at) => accountView(this.sql, at, program, name ? name.slice(name.indexOf(":") + 1) : null), "read");
  }

  /** GET /v1/customers/{id}/history: newest first, `limit` 1…100 (default 50). */
  history(page: { cursor?: string | null; limit?: number }, now: number): Promise<Result<HistoryPage>> {
    return this.run(now, () => {
      const limit = page.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) refuse("invalid_request", "limit must be 1 to 100", { path: "limit" });
      const result = historyPage(this.sql, page.cursor, limit);
      if (result === "invalid") refuse("invalid_request", "cursor is not one this API gave", { path: "cursor" });
      return result;
    }, "read");
  }

  /**
   * POST /v1/customers/{id}/adjustments. Positive: a new lot, available now, expiring `expiryDays` from now.
   * Negative: taken from the available lots (soonest-expiring first); more than the available balance is 422
   * `insufficient_points`.
   */
  adjust(input: AdjustInput, now: number): Promise<Result<AdjustView>> {
    return this.run(now, (at) => this.applyAdjustment(input, at).view);
  }

  /**
   * A bonus the program grants (welcome, events): an adjustment of kind "bonus". `granted` is false when this id
   * was granted before (the answer is the first one), so a caller can tell a new bonus from a repeated call.
   */
  grantBonus(input: Omit<AdjustInput, "kind">, now: number): Promise<Result<AdjustView & { granted: boolean }>> {
    return this.run(now, (at) => {
      const { view, replayed } = this.applyAdjustment({ ...input, kind: "bonus" }, at);
      return { ...view, granted: !replayed };
    });
  }

  /**
   * Takes back the bonus granted with `bonusId` (grantBonus), as many points as it gave: from the available
   * points, soonest-expiring first; what they cannot cover becomes debt (docs/api.md "Returns"), paid from the
   * next points. A `bonus` entry of −points with `reason`. Once per bonus (the key `revoke:<bonusId>`): a retry
   * takes nothing twice. A bonus never granted takes nothing and is not remembered, so a take-back that ran
   * before its grant landed can run again after it. `taken`: the points this call took.
   */
  revokeBonus(input: { bonusId: string; reason: string }, now: number): Promise<Result<{ bonusId: string; points: number; taken: number; balance: number }>> {
    return this.run(now, (at) => {
      const { bonusId, reason } = input;
      const remembered = recall<{ bonusId: string; points: number; at: string }>(this.sql, `revoke:${bonusId}`, { bonusId, reason });
      if (remembered.replay) return { bonusId, points: remembered.replay.points, taken: 0, balance: balances(this.sql, at).available };
      const granted = selectIdempotency(this.sql, `bonus:${bonusId}`);
      if (!granted) return { bonusId, points: 0, taken: 0, balance: balances(this.sql, at).available };
      const { points } = JSON.parse(granted.body) as AdjustView;
      takeBack(this.sql, null, points, at);
      insertEntry(this.sql, { at, type: "bonus", points: -points, reason });
      remember(this.sql, remembered, { bonusId, points, at: iso(at) }, at);
      const balance = balances(this.sql, at).available;
      emit(this.sql, "points.adjusted", { adjustmentId: `revoke:${bonusId}`, points: -points, reason, balance }, at);
      return { bonusId, points, taken: points, balance };
    });
  }

  /**
   * POST /v1/customers/{id}/rewards/{rewardId}: spends the reward's cost and issues a coupon (coupons.ts). 422
   * `insufficient_points` beyond the available balance; with `requestId`, a retry answers the first answer.
   */
  redeemReward(input: RedeemRewardInput, now: number): Promise<Result<CouponIssued>> {
    return this.run(now, (at) => redeemReward(this.sql, input, at));
  }

  /** GET /v1/customers/{id}/coupons: every coupon, newest first. */
  listCoupons(now: number): Promise<Result<CouponView[]>> {
    return this.run(now, () => listCoupons(this.sql), "read");
  }

  /** POST /v1/customers/{id}/events: the program's bonus for a review, rating, survey, birthday, or a custom grant (events.ts). */
  recordEvent(input: EventInput, now: number): Promise<Result<EventView>> {
    return this.run(now, (at) => recordEvent(this.sql, input, at));
  }

  private applyAdjustment(input: AdjustInput, at: number): { view: AdjustView; replayed: boolean } {
    const { id, points } = input;
    const kind = input.kind ?? "adjust";
    const reason = input.reason ?? null;
    const remembered = recall<AdjustView>(this.sql, `${kind}:${id}`, { id, points, reason });
    if (remembered.replay) return { view: remembered.replay, replayed: true };
    if (!Number.isSafeInteger(points) || points === 0 || Math.abs(points) > MAX_POINTS || (kind === "bonus" && points < 0)) {
      refuse("invalid_request", "points must be a non-zero integer within ±10^15", { path: "points" });
    }
    let lotId: number | null = null;
    let expiresAt: number | null = null;
    if (points > 0) {
      expiresAt = expiryAfter(at, input.expiryDays);
      lotId = issueLot(this.sql, { source: kind, orderId: null, points, pendingUntil: at, expiresAt }, at);
    } else {
      const { available } = balances(this.sql, at);
      if (available < -points) refuse("insufficient_points", `Only ${Math.max(0, available)} points are available`, { path: "points" });
      takeFromAvailable(this.sql, -points, at);
    }
    insertEntry(this.sql, { at, type: kind, points, lotId, expiresAt, reason });
    const balance = balances(this.sql, at).available;
    if (kind === "adjust") {
      emit(this.sql, "points.adjusted", { adjustmentId: id, points, reason, balance }, at);
    } else {
      emit(this.sql, "points.earned", {
        points, source: "bonus", orderId: null, reason, availableAt: iso(at), expiresAt: expiresAt === null ? null : iso(expiresAt), balance,
      }, at);
      if (input.referral) emit(this.sql, "referral.rewarded", { ...input.referral, points, balance }, at);
    }
    const view = remember(this.sql, remembered, { id, points, reason, at: iso(at), balance }, at);
    return { view, replayed: false };
  }

}

function earliest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/** The account of a shop's customer (the shop id must come from a verified key). */
export function accountOf(env: Env, shopId: string, customerId: string): DurableObjectStub<CustomerAccount> {
  return objectByName(env.CUSTOMER_ACCOUNT, `${shopId}:${customerId}`);
}
