/**
 * Builders and checks shared by the CustomerAccount tests (not a test file itself).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { Program, ReceiptLine } from "../../engine/host/types.ts";
import type { CustomerAccount } from "./account.ts";
import { INFO_TYPES } from "./ledger.ts";
import type { Refusal as AccountError, Result as AccountResult } from "../lib/refusal.ts";
import type { OrderReceipt, PlaceOrderInput } from "./types.ts";
import type { KopilkaEvent } from "../lib/events.ts";
import type { EventMessage } from "../lib/outbox.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Tests live in 2030 so that no alarm they schedule is due in real time while they run. */
export const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);

let counter = 0;
/** A fresh account stub (a new object per call). */
export function account(label = "c"): DurableObjectStub<CustomerAccount> {
  const name = `shop1:${label}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  return env.CUSTOMER_ACCOUNT.get(env.CUSTOMER_ACCOUNT.idFromName(name));
}

/** value 100, rate 10%, maxShare 30%, expiry 365 days; `pendingDays` and anything else by override. */
export function program(overrides: Partial<Program> & { pendingDays?: number; expiryDays?: number | null } = {}): Program {
  const { pendingDays = 0, expiryDays = 365, ...rest } = overrides;
  return {
    currency: "RUB",
    timezone: "Europe/Moscow",
    points: { value: 100, expiryDays, pendingDays },
    earn: { rateBps: 1000 },
    redeem: { maxShareBps: 3000 },
    ...rest,
  };
}

export function receipt(lines: ReceiptLine[], extra: Partial<OrderReceipt> = {}): OrderReceipt {
  return { customerId: "c1", lines, ...extra };
}

let versions = 0;
/** A placeOrder input; each program object gets its own version so the engine cache never mixes programs. */
export function order(
  orderId: string,
  r: OrderReceipt,
  now: number,
  p: Program = program(),
  extra: Partial<PlaceOrderInput> = {},
): PlaceOrderInput {
  let version = programVersions.get(p);
  if (version === undefined) programVersions.set(p, (version = ++versions));
  return { shopId: "shop1", program: p, programVersion: version, orderId, receipt: r, now, ...extra };
}
const programVersions = new WeakMap<Program, number>();

/** The value of a successful result (fails the test with the error otherwise). */
export function ok<T>(result: AccountResult<T>): T {
  if (!result.ok) expect.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.value;
}

/** The error of a failed result. */
export function err<T>(result: AccountResult<T>): AccountError {
  if (result.ok) expect.fail(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

export interface Ledger {
  inLots: number;
  availableInLots: number;
  pendingInLots: number;
  debt: number;
  held: number;
  counted: number;
  issued: number;
  spent: number;
  expired: number;
  takenBack: number;
  givenBack: number;
  adjusted: number;
}

/** Σ of the lots at ?1: all, available, pending. Shared with the simulation's invariants. */
export const LOT_SUMS_SQL = `SELECT COALESCE(SUM(remaining),0) AS "all",
   COALESCE(SUM(CASE WHEN pendingUntil <= ?1 AND (expiresAt IS NULL OR expiresAt > ?1) THEN remaining END),0) AS avail,
   COALESCE(SUM(CASE WHEN pendingUntil > ?1 THEN remaining END),0) AS pend FROM lots`;

/** The ledger's totals by kind of entry (informational entries left out of `counted`). */
export const ENTRY_SUMS_SQL = `SELECT
         COALESCE(SUM(CASE WHEN type NOT IN (${INFO_TYPES.map((t) => `'${t}'`).join(",")}) THEN points END),0) AS counted,
         COALESCE(SUM(CASE WHEN type = 'order' THEN pointsEarned END),0) AS issued,
         COALESCE(SUM(CASE WHEN type = 'order' THEN pointsSpent END),0) AS spent,
         COALESCE(SUM(CASE WHEN type = 'expire' THEN -points END),0) AS expired,
         COALESCE(SUM(CASE WHEN type IN ('return','cancel') THEN -pointsEarned END),0) AS takenBack,
         COALESCE(SUM(CASE WHEN type IN ('return','cancel') THEN -pointsSpent END),0) AS givenBack,
         COALESCE(SUM(CASE WHEN type IN ('adjust', 'bonus', 'reward', 'reward_expired') THEN points END),0) AS adjusted
       FROM entries`;

/** Reads the ledger's raw numbers at `now` straight from SQL. */
export function ledger(stub: DurableObjectStub<CustomerAccount>, now: number): Promise<Ledger> {
  return runInDurableObject(stub, (_instance: CustomerAccount, state) => {
    const one = <T extends Record<string, SqlStorageValue>>(q: string, ...b: unknown[]) => state.storage.sql.exec<T>(q, ...b).one();
    const lots = one<{ all: number; avail: number; pend: number }>(
      LOT_SUMS_SQL,
      now,
    );
    const e = one<Record<string, number>>(
      ENTRY_SUMS_SQL,
    );
    const { debt } = one<{ debt: number }>("SELECT debt FROM stats");
    const { held } = one<{ held: number }>(
      "SELECT COALESCE(SUM(holdPoints),0) AS held FROM orders WHERE status = 'pending' AND holdExpiresAt > ?",
      now,
    );
    return {
      inLots: lots.all, availableInLots: lots.avail, pendingInLots: lots.pend, debt, held,
      counted: e.counted!, issued: e.issued!, spent: e.spent!, expired: e.expired!, takenBack: e.takenBack!,
      givenBack: e.givenBack!, adjusted: e.adjusted!,
    };
  });
}

/**
 * The ledger's invariants at `now`; returns the raw numbers for further checks.
 * - Σ counted entries = Σ lots.remaining − debt
 * - issued − spent − expired − taken back + given back + adjustments = that same total
 * - the account's balance = Σ available lots − debt − held, pending = Σ pending lots
 * - debt > 0 only while no available lot has points left
 * - no lot gave an order more than it spent, nothing given back beyond what was spent
 */
export async function expectInvariants(stub: DurableObjectStub<CustomerAccount>, now: number): Promise<Ledger> {
  const l = await ledger(stub, now);
  const total = l.inLots - l.debt;
  expect(l.counted, "Σ entries = Σ remaining − debt").toBe(total);
  expect(l.issued - l.spent - l.expired - l.takenBack + l.givenBack + l.adjusted, "issued − spent − expired − taken back").toBe(total);
  if (l.debt > 0) expect(l.availableInLots, "debt only while no available points").toBe(0);
  const view = ok(await stub.getAccount(now));
  expect(view.balance, "balance").toBe(l.availableInLots - l.debt - l.held);
  expect(view.pending, "pending").toBe(l.pendingInLots);
  const bad = await runInDurableObject(stub, (_i: CustomerAccount, state) =>
    state.storage.sql
      .exec(
        `SELECT s.orderId FROM order_spends s JOIN orders o USING (orderId)
         GROUP BY s.orderId HAVING SUM(s.points) > MAX(o.holdPoints) OR SUM(s.givenBack) > SUM(s.points)`,
      )
      .toArray(),
  );
  expect(bad, "order_spends within the order's points").toEqual([]);
  return l;
}

/**
 * Moves the alarm's clock and runs the alarm if one is set for the ledger's work (after the events are relayed:
 * an alarm that only backs the relay up is not the ledger's).
 */
export async function fireAlarm(stub: DurableObjectStub<CustomerAccount>, at: number): Promise<boolean> {
  await runInDurableObject(stub, async (instance: CustomerAccount) => {
    instance.clock = () => at;
    await instance.flushEvents();
  });
  return runDurableObjectAlarm(stub);
}

/** The instant the object's alarm is set for once its events are relayed, or null. */
export function alarmAt(stub: DurableObjectStub<CustomerAccount>): Promise<number | null> {
  return runInDurableObject(stub, async (instance: CustomerAccount, state) => {
    await instance.flushEvents();
    return state.storage.getAlarm();
  });
}

/** What an account's relay sent (tapEvents); `failing` makes its queue refuse, as an outage would. */
export interface EventTap {
  events: KopilkaEvent[];
  failing: boolean;
}

/** Taps the account's EVENTS queue: every envelope its relay sends is recorded (and still sent to the real queue). */
export async function tapEvents(stub: DurableObjectStub<CustomerAccount>): Promise<EventTap> {
  const tapped: EventTap = { events: [], failing: false };
  await runInDurableObject(stub, (instance: CustomerAccount) => {
    const holder = instance as unknown as { env: Env };
    const real = holder.env.EVENTS;
    const queue = {
      send: (body: EventMessage) => queue.sendBatch([{ body }]),
      sendBatch: async (messages: Iterable<MessageSendRequest<EventMessage>>) => {
        if (tapped.failing) throw new Error("queue unavailable (test)");
        const list = [...messages];
        await real.sendBatch(list);
        tapped.events.push(...list.flatMap((m) => m.body));
      },
    } as unknown as Queue<EventMessage>;
    holder.env = { ...holder.env, EVENTS: queue };
  });
  return tapped;
}
