/**
 * The invariants checked after every step, on the object's own storage (read with runInDurableObject, which
 * changes nothing) and its views, and against the reference model. Each failed check throws a Mismatch naming it.
 */
import { runInDurableObject } from "cloudflare:test";
import type { CustomerSnapshot } from "../../engine/host/types.ts";
import type { CustomerAccount } from "../../worker/account/account.ts";
import { ENTRY_SUMS_SQL, LOT_SUMS_SQL } from "../../worker/account/test-helpers.ts";
import type { Result as AccountResult } from "../../worker/lib/refusal.ts";
import type { AccountView } from "../../worker/account/types.ts";
import { same, Mismatch, type Keys } from "./expect.ts";
import { DAY, type LedgerModel, type Status } from "./model.ts";

/** The tier window the simulation reads spend through (getSnapshot with a program). */
export const WINDOW_DAYS = 30;

/** The names of the checks, for the report: every one runs after every step on every account the step touched. */
export const INVARIANTS = [
  "Σ counted entries = Σ lots.remaining − debt",
  "issued − spent − expired − taken back + given back + adjustments + event bonuses − rewards bought + coupons refunded = Σ lots.remaining − debt (object and model)",
  "balance = Σ available lots − debt − held; pending = Σ pending lots (view vs SQL)",
  "debt > 0 only while no available lot has points",
  "every point in a lot is pending or available: none stranded in a lot already expired (object and model)",
  "no lot gave an order more than it held; nothing given back beyond what was spent",
  "live lots (id, remaining, pendingUntil, expiresAt), debt = the model's",
  "balance, pending, held = the model's; snapshot balance and orders = the model's",
  "issued, spent, expired, taken back, given back, adjusted (adjustments, bonuses, rewards, refunds) = the model's",
  "qualifying spend = Σ spend_log = confirmed − returned − cancelled (lifetime and 30-day window)",
  "each idempotency key has one record and at most one effect (entries per kind = keys per kind, events and rewards included)",
  "every order's status = the model's; each hold ended once (pending → confirmed | cancelled | lapsed)",
  "the alarm is set to the next due instant (hold end, availability, expiry, coupon expiry), or none",
  "coupons (reward, cost, state, order, expiry) and the coupons each order was placed with = the model's",
  "a coupon is held only by a pending order and used only by a confirmed one; a confirmed order uses every coupon it was placed with, so no coupon is used by two confirmed orders",
  "points spent on rewards − refunds of expired coupons = the reward entries: one −cost entry per coupon, one +cost entry and one refund lot per expired coupon",
  "events: bonus entries = bonus + event keys; at most one birthday bonus per year, the model's; adjust, bonus, reward and refund sums = the model's",
] as const;

interface Stored {
  lots: { id: number; remaining: number; pendingUntil: number; expiresAt: number | null }[];
  inLots: number;
  availableInLots: number;
  pendingInLots: number;
  debt: number;
  spend: number;
  orderCount: number;
  spendLog: number;
  held: number;
  sums: Record<"counted" | "issued" | "spent" | "expired" | "takenBack" | "givenBack" | "adjusted", number>;
  entries: Record<string, number>;
  keys: Record<string, number>;
  statuses: Record<string, Status>;
  badSpends: number;
  coupons: { code: string; rewardId: string; cost: number; state: string; orderId: string | null; expiresAt: number }[];
  orderCoupons: { orderId: string; code: string }[];
  /** Coupons in a state their order contradicts; confirmed/pending orders not using/holding their coupons; doubly used. */
  badCoupons: string[];
  /** Σ points and count per entry type among adjust, bonus, reward, reward_expired. */
  byType: Record<string, { s: number; n: number }>;
  refundLots: number;
  birthdays: { year: number; eventId: string }[];
  alarm: number | null;
  view: AccountResult<AccountView>;
  snapshot: AccountResult<CustomerSnapshot> | null;
}

/** Storage, then the views, in one visit to the object (each visit is a round trip; this runs after every step). */
function read(stub: DurableObjectStub<CustomerAccount>, at: number, withSnapshot: boolean): Promise<Stored> {
  return runInDurableObject(stub, async (instance: CustomerAccount, state): Promise<Stored> => {
    const sql = state.storage.sql;
    const one = <T extends Record<string, SqlStorageValue>>(q: string, ...b: unknown[]) => sql.exec<T>(q, ...b).one();
    const lots = sql
      .exec<{ id: number; remaining: number; pendingUntil: number; expiresAt: number | null }>(
        "SELECT id, remaining, pendingUntil, expiresAt FROM lots WHERE remaining != 0 ORDER BY id",
      )
      .toArray();
    const sums = one<{ all: number; avail: number; pend: number }>(
      LOT_SUMS_SQL,
      at,
    );
    const e = one<Stored["sums"]>(
      ENTRY_SUMS_SQL,
    );
    const stats = one<{ spend: number; orders: number; debt: number }>("SELECT spend, orders, debt FROM stats");
    const entries = Object.fromEntries(
      sql.exec<{ type: string; n: number }>("SELECT type, COUNT(*) AS n FROM entries GROUP BY type").toArray().map((r) => [r.type, r.n]),
    );
    const keys = Object.fromEntries(
      sql
        .exec<{ kind: string; n: number }>("SELECT substr(key, 1, instr(key, ':') - 1) AS kind, COUNT(*) AS n FROM idempotency GROUP BY kind")
        .toArray()
        .map((r) => [r.kind, r.n]),
    );
    const statuses = Object.fromEntries(
      sql.exec<{ orderId: string; status: Status }>("SELECT orderId, status FROM orders").toArray().map((r) => [r.orderId, r.status]),
    );
    const badSpends = sql
      .exec(
        `SELECT s.orderId FROM order_spends s JOIN orders o USING (orderId)
         GROUP BY s.orderId HAVING SUM(s.points) > MAX(o.holdPoints) OR SUM(s.givenBack) > SUM(s.points) OR MIN(s.givenBack) < 0`,
      )
      .toArray().length;
    const coupons = sql
      .exec<Stored["coupons"][number]>("SELECT code, rewardId, cost, state, orderId, expiresAt FROM coupons ORDER BY code")
      .toArray();
    const orderCoupons = sql.exec<{ orderId: string; code: string }>("SELECT orderId, code FROM order_coupons ORDER BY orderId, code").toArray();
    const badCoupons = [
      ...sql.exec<{ code: string }>(
        `SELECT 'state of ' || c.code AS code FROM coupons c LEFT JOIN orders o ON o.orderId = c.orderId
         WHERE (c.state IN ('held', 'used')) != (c.orderId IS NOT NULL)
            OR (c.state = 'held' AND (o.status IS NOT 'pending' OR o.holdExpiresAt <= ?1))
            OR (c.state = 'used' AND o.status IS NOT 'confirmed')`,
        at,
      ).toArray(),
      ...sql.exec<{ code: string }>(
        `SELECT 'order ' || oc.orderId || ' without ' || oc.code AS code FROM order_coupons oc JOIN orders o USING (orderId)
         JOIN coupons c ON c.code = oc.code
         WHERE (o.status = 'confirmed' AND NOT (c.state = 'used' AND c.orderId = oc.orderId))
            OR (o.status = 'pending' AND NOT (c.state = 'held' AND c.orderId = oc.orderId))`,
      ).toArray(),
      ...sql.exec<{ code: string }>(
        `SELECT 'used twice ' || oc.code AS code FROM order_coupons oc JOIN orders o USING (orderId)
         WHERE o.status = 'confirmed' GROUP BY oc.code HAVING COUNT(*) > 1`,
      ).toArray(),
    ].map((r) => r.code);
    const byType = Object.fromEntries(
      sql
        .exec<{ type: string; s: number; n: number }>(
          "SELECT type, SUM(points) AS s, COUNT(*) AS n FROM entries WHERE type IN ('adjust', 'bonus', 'reward', 'reward_expired') GROUP BY type",
        )
        .toArray()
        .map((r) => [r.type, { s: r.s, n: r.n }]),
    );
    return {
      coupons, orderCoupons, badCoupons, byType,
      refundLots: one<{ n: number }>("SELECT COUNT(*) AS n FROM lots WHERE source = 'reward_refund'").n,
      birthdays: sql.exec<{ year: number; eventId: string }>("SELECT year, eventId FROM birthday_bonuses ORDER BY year").toArray(),
      lots, inLots: sums.all, availableInLots: sums.avail, pendingInLots: sums.pend, debt: stats.debt, spend: stats.spend,
      orderCount: stats.orders,
      spendLog: one<{ s: number }>("SELECT COALESCE(SUM(amount),0) AS s FROM spend_log").s,
      held: one<{ h: number }>("SELECT COALESCE(SUM(holdPoints),0) AS h FROM orders WHERE status = 'pending' AND holdExpiresAt > ?", at).h,
      sums: e, entries, keys, statuses, badSpends, alarm: (await instance.flushEvents(), await state.storage.getAlarm()),
      // The views run advance(at): a no-op, since `at` is the time of the object's last call (read after the SQL).
      view: await instance.getAccount(at),
      snapshot: withSnapshot ? await instance.getSnapshot(at, { tiers: { windowDays: WINDOW_DAYS, levels: [] } }) : null,
    };
  });
}

function value<T>(result: AccountResult<T>, what: string): T {
  if (!result.ok) throw new Mismatch(`${what} failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

const ALLOWED: Record<Status, Status[]> = {
  pending: ["lapsed", "confirmed", "cancelled"],
  lapsed: ["confirmed", "cancelled"],
  confirmed: ["cancelled"],
  cancelled: [],
};

/** Every invariant, for the account behind `stub` whose last call (or alarm) ran at `at`. */
export async function checkInvariants(
  stub: DurableObjectStub<CustomerAccount>, model: LedgerModel, keys: Keys, at: number, withSnapshot = true,
): Promise<void> {
  const s = await read(stub, at, withSnapshot);
  const view = value(s.view, "getAccount");
  const snapshot = s.snapshot && value(s.snapshot, "getSnapshot");

  // The object against itself.
  const total = s.inLots - s.debt;
  same(s.sums.counted, total, "Σ counted entries = Σ remaining − debt");
  const { issued, spent, expired, takenBack, givenBack, adjusted } = s.sums;
  same(issued - spent - expired - takenBack + givenBack + adjusted, total, "issued − spent − expired − taken back + given back + adjusted = total");
  if (s.debt > 0) same(s.availableInLots, 0, "available points while in debt");
  same(s.inLots, s.availableInLots + s.pendingInLots, "Σ lots = available + pending (points stranded in expired lots)");
  same(view.balance, s.availableInLots - s.debt - s.held, "view balance = Σ available lots − debt − held");
  same(view.pending, s.pendingInLots, "view pending = Σ pending lots");
  same(view.held, s.held, "view held");
  same(s.badSpends, 0, "orders whose order_spends exceed their points");
  same(s.spend, s.spendLog, "stats.spend = Σ spend_log");
  same(view.spend, s.spend, "view spend");

  // The model against itself.
  const c = model.counters;
  same(
    c.issued - c.spent - c.expired - c.takenBack + c.givenBack + c.adjusted + c.events - c.rewardsSpent + c.rewardsRefunded,
    model.total(), "model: issued − spent − … − rewards + refunds = total",
  );
  same(model.total() + model.debt, model.availableInLots(at) + model.pending(at), "model: Σ lots = available + pending");

  // The object against the model.
  const lots = model.lots.filter((l) => l.remaining !== 0).map(({ id, remaining, pendingUntil, expiresAt }) => ({ id, remaining, pendingUntil, expiresAt }));
  same(JSON.stringify(s.lots), JSON.stringify(lots), "live lots");
  same(s.debt, model.debt, "debt");
  same(view.balance, model.available(at), "balance");
  same(view.pending, model.pending(at), "pending");
  same(view.held, model.held(at), "held");
  if (snapshot) {
    same(snapshot.balance, model.available(at), "snapshot balance");
    same(snapshot.orders, model.orderCount, "orders counted");
    same(snapshot.spend, Math.max(0, model.spend(at - WINDOW_DAYS * DAY)), `qualifying spend in the last ${WINDOW_DAYS} days`);
  }
  same(s.orderCount, model.orderCount, "stats.orders");
  same(JSON.stringify(s.sums), JSON.stringify(model.entrySums()), "issued/spent/expired/taken back/given back/adjusted");
  same(s.spend, model.spend(), "qualifying spend (confirmed − returned − cancelled)");

  // Idempotency: one record per key, and one effect per record.
  const byKind: Record<string, number> = {};
  for (const key of keys.keys()) byKind[key.slice(0, key.indexOf(":"))] = (byKind[key.slice(0, key.indexOf(":"))] ?? 0) + 1;
  same(JSON.stringify(Object.entries(s.keys).sort()), JSON.stringify(Object.entries(byKind).sort()), "idempotency records per kind");
  same(s.entries.order ?? 0, byKind.confirm ?? 0, "order entries = confirm keys");
  same(s.entries.return ?? 0, byKind.return ?? 0, "return entries = return keys");
  same(s.entries.adjust ?? 0, byKind.adjust ?? 0, "adjust entries = adjust keys");
  same(s.entries.bonus ?? 0, (byKind.bonus ?? 0) + (byKind.event ?? 0), "bonus entries = bonus keys + event keys");
  same(s.entries.reward ?? 0, model.coupons.size, "reward entries = coupons bought");
  if ((byKind.reward ?? 0) > model.coupons.size) throw new Mismatch("more reward keys than coupons");
  const cancelledAfterConfirm = [...model.orders.values()].filter((o) => o.status === "cancelled" && o.confirmedAt !== null).length;
  same(s.entries.cancel ?? 0, cancelledAfterConfirm, "cancel entries = confirmed orders cancelled");
  same(Object.keys(s.statuses).length, byKind.order ?? 0, "orders = order keys");

  // Holds: each order's status is the model's, and its history never repeats or goes back.
  for (const [orderId, order] of model.orders) {
    same(s.statuses[orderId], order.status, `status of ${orderId}`);
    for (let i = 1; i < order.history.length; i++) {
      if (!ALLOWED[order.history[i - 1]!].includes(order.history[i]!)) {
        throw new Mismatch(`order ${orderId} went ${order.history.join(" → ")}`);
      }
    }
  }

  same(s.alarm, model.nextDue(), "alarm");

  // Coupons: the same as the model's, and consistent with their orders.
  const coupons = [...model.coupons.values()]
    .sort((a, b) => (a.code < b.code ? -1 : 1))
    .map(({ code, rewardId, cost, state, orderId, expiresAt }) => ({ code, rewardId, cost, state, orderId, expiresAt }));
  same(JSON.stringify(s.coupons), JSON.stringify(coupons), "coupons");
  const orderCoupons = [...model.orders.values()]
    .sort((a, b) => (a.orderId < b.orderId ? -1 : 1))
    .flatMap((o) => o.coupons.map((code) => ({ orderId: o.orderId, code })));
  same(JSON.stringify(s.orderCoupons), JSON.stringify(orderCoupons), "coupons each order was placed with");
  same(s.badCoupons.join("; "), "", "coupon states against their orders");

  // Rewards: spent − refunded = the reward entries, one per coupon bought and per coupon expired.
  const expiredCoupons = [...model.coupons.values()].filter((x) => x.state === "expired");
  const sum = (type: string) => s.byType[type] ?? { s: 0, n: 0 };
  same(sum("reward").s, -c.rewardsSpent, "Σ reward entries = −points spent on rewards");
  same(sum("reward_expired").s, c.rewardsRefunded, "Σ reward_expired entries = points refunded");
  same(c.rewardsSpent, [...model.coupons.values()].reduce((a, x) => a + x.cost, 0), "model: points spent on rewards = Σ coupon costs");
  same(c.rewardsRefunded, expiredCoupons.reduce((a, x) => a + x.cost, 0), "model: refunds = Σ costs of expired coupons");
  same(sum("reward_expired").n, expiredCoupons.length, "one reward_expired entry per expired coupon");
  same(s.refundLots, expiredCoupons.length, "one refund lot per expired coupon");

  // Events: bonus sums and the once-a-year birthday.
  same(sum("adjust").s + sum("bonus").s, c.adjusted + c.events, "Σ adjust + bonus entries = adjustments + event bonuses");
  same(JSON.stringify(s.birthdays), JSON.stringify([...model.birthdayYears].sort((a, b) => a[0] - b[0]).map(([year, eventId]) => ({ year, eventId }))), "birthday bonuses per year");
}
