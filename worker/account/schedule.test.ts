import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Program } from "../../engine/host/types.ts";
import { programSchema } from "../../engine/host/validate.ts";
import type { EventType, KopilkaEvent } from "../lib/events.ts";
import type { CustomerAccount } from "./account.ts";
import { alarmAt, DAY, err, expectInvariants, fireAlarm, HOUR, ok, order, program, receipt, T0, tapEvents } from "./test-helpers.ts";

let shops = 0;

/** The events each account relayed, by account (its EVENTS queue tapped, as in outbox.test.ts). */
const tapped = new Map<string, KopilkaEvent[]>();

/** A shop of its own with `p` published in its Shop object, and a customer's account there whose events are tapped. */
async function accountUnder(
  p: Program | null, shopId = `sched${++shops}${Math.random().toString(36).slice(2, 8)}`, customerId = "c1",
): Promise<DurableObjectStub<CustomerAccount>> {
  if (p) await publish(shopId, p);
  const stub = env.CUSTOMER_ACCOUNT.get(env.CUSTOMER_ACCOUNT.idFromName(`${shopId}:${customerId}`));
  tapped.set(stub.id.toString(), (await tapEvents(stub)).events);
  return stub;
}

function publish(shopId: string, p: Program): Promise<{ version: number }> {
  return env.SHOP.getByName(shopId).putProgram(programSchema.parse(p), T0);
}

/** Every event of `type` the account relayed so far. */
async function relayed<T extends EventType>(stub: DurableObjectStub<CustomerAccount>, type: T): Promise<KopilkaEvent<T>[]> {
  expect(await runInDurableObject(stub, (instance: CustomerAccount) => instance.flushEvents())).toBe(0);
  return tapped.get(stub.id.toString())!.filter((e): e is KopilkaEvent<T> => e.type === type);
}

const at = (iso: string) => Date.parse(iso);

describe("points.expiring", () => {
  it("reminds N days before, at 10:00 Moscow time, once each, and not once the points are spent", async () => {
    const stub = await accountUnder(program({ points: { value: 100, expiryDays: 30, remindDays: [7, 1] } }));
    // T0 is 12:00 in Moscow on 15 January 2030: the points expire at 12:00 on 14 February.
    ok(await stub.adjust({ id: "a1", points: 100, expiryDays: 30 }, T0));
    expect(await alarmAt(stub)).toBe(at("2030-02-07T10:00:00+03:00"));

    expect(await fireAlarm(stub, at("2030-02-07T10:00:00+03:00"))).toBe(true);
    const first = await relayed(stub, "points.expiring");
    expect(first.map((e) => [e.createdAt, e.data])).toEqual([[
      "2030-02-07T07:00:00.000Z", { points: 100, expiresAt: "2030-02-14T09:00:00.000Z", daysBefore: 7, balance: 100 },
    ]]);
    expect(await alarmAt(stub)).toBe(at("2030-02-13T10:00:00+03:00"));

    // The alarm again the same day, and a call, send nothing twice.
    await runInDurableObject(stub, (_i: CustomerAccount, state) => state.storage.setAlarm(at("2030-02-07T11:00:00+03:00")));
    await fireAlarm(stub, at("2030-02-07T11:00:00+03:00"));
    ok(await stub.getAccount(at("2030-02-07T12:00:00+03:00")));
    expect(await relayed(stub, "points.expiring")).toHaveLength(1);

    // Spent before the last reminder: none comes, and nothing is left to wake up for.
    ok(await stub.adjust({ id: "a2", points: -100 }, at("2030-02-10T12:00:00+03:00")));
    expect(await alarmAt(stub)).toBeNull();
    expect(await relayed(stub, "points.expiring")).toHaveLength(1);
    await expectInvariants(stub, at("2030-02-15T00:00:00Z"));
  });

  it("groups the lots expiring on one local day in Vladivostok into one reminder with their total", async () => {
    const stub = await accountUnder(program({ timezone: "Asia/Vladivostok", points: { value: 100, expiryDays: 30, remindDays: [1] } }));
    // 19:00 and 21:00 in Vladivostok: both expire on 14 February, local time (their UTC dates differ from it).
    ok(await stub.adjust({ id: "a1", points: 100, expiryDays: 30 }, T0));
    ok(await stub.adjust({ id: "a2", points: 50, expiryDays: 30 }, T0 + 2 * HOUR));
    ok(await stub.adjust({ id: "a3", points: 7, expiryDays: 31 }, T0 + 2 * HOUR));
    expect(await alarmAt(stub)).toBe(at("2030-02-13T10:00:00+10:00"));
    await fireAlarm(stub, at("2030-02-13T10:00:00+10:00"));
    const reminders = await relayed(stub, "points.expiring");
    expect(reminders.map((e) => e.data)).toEqual([{ points: 150, expiresAt: "2030-02-14T09:00:00.000Z", daysBefore: 1, balance: 157 }]);
    expect(reminders[0]!.createdAt).toBe("2030-02-13T00:00:00.000Z");
    // The 7 points of 15 February have their own day.
    expect(await alarmAt(stub)).toBe(at("2030-02-14T10:00:00+10:00"));
    await fireAlarm(stub, at("2030-02-14T10:00:00+10:00"));
    expect((await relayed(stub, "points.expiring")).map((e) => e.data.points)).toEqual([150, 7]);
  });

  it("keeps 10:00 local across a daylight-saving change (Europe/Berlin)", async () => {
    const stub = await accountUnder(program({ timezone: "Europe/Berlin", points: { value: 100, expiryDays: 365, remindDays: [1] } }));
    // Expiring on 31 March 2030, the day clocks go forward, and on 1 April.
    ok(await stub.adjust({ id: "a1", points: 10, expiryDays: 75 }, T0));
    ok(await stub.adjust({ id: "a2", points: 20, expiryDays: 76 }, T0));
    expect(await alarmAt(stub)).toBe(at("2030-03-30T10:00:00+01:00"));
    await fireAlarm(stub, at("2030-03-30T10:00:00+01:00"));
    expect(await alarmAt(stub)).toBe(at("2030-03-31T10:00:00+02:00"));
    await fireAlarm(stub, at("2030-03-31T10:00:00+02:00"));
    expect((await relayed(stub, "points.expiring")).map((e) => [e.createdAt, e.data.points])).toEqual([
      ["2030-03-30T09:00:00.000Z", 10], ["2030-03-31T08:00:00.000Z", 20],
    ]);
  });

  it("follows the program the shop publishes later, and skips a reminder whose local day passed", async () => {
    const shopId = `sched-late${++shops}`;
    const stub = await accountUnder(null, shopId);
    ok(await stub.adjust({ id: "a1", points: 100, expiryDays: 30 }, T0));
    expect(await alarmAt(stub)).toBe(T0 + 30 * DAY); // the expiry only: no program, no reminders
    await publish(shopId, program({ points: { value: 100, expiryDays: 30, remindDays: [7, 1] } }));
    // Within the hour the account keeps what it read; after it, a write reads the new version.
    ok(await stub.adjust({ id: "a2", points: 1 }, T0 + 30 * 60_000));
    expect(await alarmAt(stub)).toBe(T0 + 30 * DAY);
    ok(await stub.adjust({ id: "a3", points: 1 }, T0 + 2 * HOUR));
    expect(await alarmAt(stub)).toBe(at("2030-02-07T10:00:00+03:00"));
    // The alarm runs only the next day (say the object could not run): the 7-day reminder is not sent late.
    await fireAlarm(stub, at("2030-02-08T00:00:00+03:00"));
    expect(await relayed(stub, "points.expiring")).toEqual([]);
    expect(await alarmAt(stub)).toBe(at("2030-02-13T10:00:00+03:00"));
    await fireAlarm(stub, at("2030-02-13T10:00:00+03:00"));
    expect((await relayed(stub, "points.expiring")).map((e) => [e.data.points, e.data.daysBefore])).toEqual([[100, 1]]);
    // Expired: nothing more to remind of, nothing more scheduled but what never expires.
    await fireAlarm(stub, T0 + 30 * DAY);
    expect(await alarmAt(stub)).toBeNull();
    expect(await relayed(stub, "points.expiring")).toHaveLength(1);
  });

  it("a refused call emits nothing", async () => {
    const stub = await accountUnder(program({ points: { value: 100, expiryDays: 30, remindDays: [7] } }));
    ok(await stub.adjust({ id: "a1", points: 100, expiryDays: 30 }, T0));
    expect(err(await stub.adjust({ id: "a2", points: -500 }, at("2030-02-07T10:00:00+03:00")))).toMatchObject({ code: "insufficient_points" });
    // The refused call caught up first: the reminder due at its instant went out, once; the refusal added nothing.
    expect((await relayed(stub, "points.expiring")).map((e) => e.data.balance)).toEqual([100]);
    expect(err(await stub.adjust({ id: "a2", points: -500 }, at("2030-02-07T11:00:00+03:00")))).toMatchObject({ code: "insufficient_points" });
    await fireAlarm(stub, at("2030-02-07T12:00:00+03:00"));
    expect(await relayed(stub, "points.expiring")).toHaveLength(1);
    expect(await relayed(stub, "points.adjusted")).toHaveLength(1);
  });

  it("the alarm and calls racing at the reminder's instant send it once", async () => {
    const p = program({ points: { value: 100, expiryDays: 30, remindDays: [7] }, bonuses: { birthday: BIRTHDAY } });
    const stub = await accountUnder(p);
    ok(await stub.upsertProfile({ customerId: "c1", birthday: "1990-02-09" }, T0));
    ok(await stub.adjust({ id: "a1", points: 100, expiryDays: 30 }, T0));
    // 7 February, 10:00 Moscow: the 7-day reminder, the birthday window (9 February − 3 days) is open already.
    const instant = at("2030-02-07T10:00:00+03:00");
    await fireAlarm(stub, at("2030-02-02T10:00:00+03:00")); // the birthday notice
    await runInDurableObject(stub, async (instance: CustomerAccount) => {
      instance.clock = () => instant;
      await instance.flushEvents();
    });
    await Promise.all([
      runDurableObjectAlarm(stub), stub.getAccount(instant), stub.adjust({ id: "a2", points: 5 }, instant),
      stub.adjust({ id: "a2", points: 5 }, instant), runDurableObjectAlarm(stub), stub.getAccount(instant + 1),
    ]);
    expect((await relayed(stub, "points.expiring")).map((e) => e.data.points)).toEqual([100]);
    expect((await relayed(stub, "birthday.upcoming")).map((e) => e.data.birthday)).toEqual(["2030-02-09"]);
    expect((await relayed(stub, "points.earned")).filter((e) => e.data.reason === "birthday")).toHaveLength(1);
    await expectInvariants(stub, instant + 1);
  });

  it("coupon.expiring: a reward coupon N days before it expires", async () => {
    const stub = await accountUnder(program({ points: { value: 100, expiryDays: null, remindDays: [7, 30] } }));
    ok(await stub.adjust({ id: "a1", points: 1000 }, T0));
    const coupon = ok(await stub.redeemReward({ rewardId: "r1", name: "−20%", cost: 500, validDays: 30, expiryDays: null, requestId: "q1" }, T0));
    // A 30-day coupon gets no 30-day reminder (it would come with the purchase); the 7-day one on 7 February.
    expect(await alarmAt(stub)).toBe(at("2030-02-07T10:00:00+03:00"));
    await fireAlarm(stub, at("2030-02-07T10:00:00+03:00"));
    expect((await relayed(stub, "coupon.expiring")).map((e) => e.data)).toEqual([
      { code: coupon.code, rewardId: "r1", name: "−20%", expiresAt: coupon.expiresAt, daysBefore: 7 },
    ]);
    expect(await relayed(stub, "points.expiring")).toEqual([]);
  });
});

const BIRTHDAY = { points: 500, daysBefore: 3, daysAfter: 7 };
const eventProgram = (p: Program) => ({ timezone: p.timezone, status: p.status, bonuses: p.bonuses, points: p.points });

describe("the birthday bonus, granted by the account", () => {
  it("notices the birthday 7 days ahead and grants the bonus when its window opens, once a year, with no call", async () => {
    const p = program({ expiryDays: null, bonuses: { birthday: BIRTHDAY } });
    const stub = await accountUnder(p);
    ok(await stub.upsertProfile({ customerId: "c1", birthday: "1990-03-10" }, T0));
    expect(await alarmAt(stub)).toBe(at("2030-03-03T10:00:00+03:00"));
    await fireAlarm(stub, at("2030-03-03T10:00:00+03:00"));
    expect((await relayed(stub, "birthday.upcoming")).map((e) => e.data)).toEqual([{ birthday: "2030-03-10", daysBefore: 7 }]);

    expect(await alarmAt(stub)).toBe(at("2030-03-07T10:00:00+03:00"));
    await fireAlarm(stub, at("2030-03-07T10:00:00+03:00"));
    const earned = await relayed(stub, "points.earned");
    expect(earned.map((e) => [e.createdAt, e.data.points, e.data.source, e.data.reason])).toEqual([
      ["2030-03-07T07:00:00.000Z", 500, "event", "birthday"],
    ]);
    // The shop's own birthday event in the same year pays nothing more.
    expect(err(await stub.recordEvent({ id: "e1", type: "birthday", program: eventProgram(p) }, at("2030-03-09T12:00:00+03:00")))).toMatchObject({ code: "conflict" });

    // Next year again, by the alarm alone.
    expect(await alarmAt(stub)).toBe(at("2031-03-03T10:00:00+03:00"));
    await fireAlarm(stub, at("2031-03-03T10:00:00+03:00"));
    await fireAlarm(stub, at("2031-03-07T10:00:00+03:00"));
    expect((await relayed(stub, "points.earned")).map((e) => e.createdAt)).toEqual(["2030-03-07T07:00:00.000Z", "2031-03-07T07:00:00.000Z"]);
    expect(ok(await stub.getAccount(at("2031-03-08T00:00:00Z"))).balance).toBe(1000);
    await expectInvariants(stub, at("2031-03-08T00:00:00Z"));
  });

  it("across New Year, after the shop's own event in the window: never both", async () => {
    const p = program({ expiryDays: null, bonuses: { birthday: BIRTHDAY } });
    const stub = await accountUnder(p);
    ok(await stub.upsertProfile({ customerId: "c1", birthday: "1990-01-02" }, T0));
    // The 2031 birthday's window opens on 30 December 2030; the shop sends its event at 08:00, before 10:00.
    ok(await stub.recordEvent({ id: "e1", type: "birthday", program: eventProgram(p) }, at("2030-12-30T08:00:00+03:00")));
    await fireAlarm(stub, at("2030-12-30T10:00:00+03:00"));
    expect((await relayed(stub, "points.earned")).map((e) => e.createdAt)).toEqual(["2030-12-30T05:00:00.000Z"]);
    // A year later the account grants 2032's by itself, on 30 December 2031.
    await fireAlarm(stub, at("2031-12-26T10:00:00+03:00"));
    expect(await alarmAt(stub)).toBe(at("2031-12-30T10:00:00+03:00"));
    await fireAlarm(stub, at("2031-12-30T10:00:00+03:00"));
    expect((await relayed(stub, "points.earned")).map((e) => e.createdAt)).toEqual(["2030-12-30T05:00:00.000Z", "2031-12-30T07:00:00.000Z"]);
    // …and the shop's event then is refused.
    expect(err(await stub.recordEvent({ id: "e2", type: "birthday", program: eventProgram(p) }, at("2031-12-31T12:00:00+03:00")))).toMatchObject({ code: "conflict" });
    const years = await runInDurableObject(stub, (_i: CustomerAccount, state) =>
      state.storage.sql.exec<{ year: number; eventId: string }>("SELECT year, eventId FROM birthday_bonuses ORDER BY year").toArray());
    expect(years).toEqual([{ year: 2031, eventId: "e1" }, { year: 2032, eventId: "automatic" }]);
  });

  it("celebrates 29 February on 28 February in a common year", async () => {
    const stub = await accountUnder(program({ expiryDays: null, bonuses: { birthday: { points: 300, daysBefore: 0, daysAfter: 0 } } }));
    ok(await stub.upsertProfile({ customerId: "c1", birthday: "1992-02-29" }, T0));
    expect(await alarmAt(stub)).toBe(at("2030-02-21T10:00:00+03:00"));
    await fireAlarm(stub, at("2030-02-21T10:00:00+03:00"));
    expect(await alarmAt(stub)).toBe(at("2030-02-28T10:00:00+03:00"));
    await fireAlarm(stub, at("2030-02-28T10:00:00+03:00"));
    expect((await relayed(stub, "birthday.upcoming")).map((e) => e.data.birthday)).toEqual(["2030-02-28"]);
    expect((await relayed(stub, "points.earned")).map((e) => [e.createdAt, e.data.points])).toEqual([["2030-02-28T07:00:00.000Z", 300]]);
  });

  it("grants nothing under a paused program or with auto: false", async () => {
    for (const p of [program({ status: "paused", bonuses: { birthday: BIRTHDAY } }), program({ bonuses: { birthday: { ...BIRTHDAY, auto: false } } })]) {
      const stub = await accountUnder(p);
      ok(await stub.upsertProfile({ customerId: "c1", birthday: "1990-03-10" }, T0));
      await fireAlarm(stub, at("2030-03-03T10:00:00+03:00"));
      expect(await alarmAt(stub)).toBe(at("2031-03-03T10:00:00+03:00"));
      expect(await relayed(stub, "points.earned")).toEqual([]);
    }
  });
});

describe("tier.changed", () => {
  const tiered = program({
    tiers: { windowDays: 30, levels: [{ id: "bronze", name: "Bronze", from: 0 }, { id: "silver", name: "Silver", from: 100_000 }] },
  });

  it("up on a confirmation, down on a return, up again, down when the window moves on; once each", async () => {
    const stub = await accountUnder(tiered);
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 150_000, qty: 1 }]), T0, tiered)));
    expect(await relayed(stub, "tier.changed")).toEqual([]);
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.confirmOrder("o1", T0 + 1000)); // a retry
    expect(err(await stub.confirmOrder("nope", T0 + 2000))).toMatchObject({ code: "not_found" });
    expect((await relayed(stub, "tier.changed")).map((e) => e.data)).toEqual([{ from: "bronze", to: "silver", direction: "up" }]);

    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + HOUR));
    ok(await stub.returnLines({ orderId: "o1", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + HOUR + 1000));
    ok(await stub.placeOrder(order("o2", receipt([{ id: "1", price: 120_000, qty: 1 }]), T0 + DAY, tiered)));
    ok(await stub.confirmOrder("o2", T0 + DAY));
    expect(await alarmAt(stub)).toBe(T0 + DAY + 30 * DAY);
    await fireAlarm(stub, T0 + 31 * DAY);
    expect((await relayed(stub, "tier.changed")).map((e) => [e.createdAt, e.data.to, e.data.direction])).toEqual([
      [new Date(T0).toISOString(), "silver", "up"],
      [new Date(T0 + HOUR).toISOString(), "bronze", "down"],
      [new Date(T0 + DAY).toISOString(), "silver", "up"],
      [new Date(T0 + 31 * DAY).toISOString(), "bronze", "down"],
    ]);
    expect(await alarmAt(stub)).toBe(T0 + DAY + 365 * DAY); // the points' expiry, nothing for the tier
  });

  it("a customer above the base tier when the account first reads the program gets one up; a new one none", async () => {
    const shopId = `sched-tier${++shops}`;
    const stub = await accountUnder(null, shopId);
    const fresh = await accountUnder(null, shopId, "c2");
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 150_000, qty: 1 }]), T0, tiered)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await fresh.upsertProfile({ customerId: "c2" }, T0));
    expect(await relayed(stub, "tier.changed")).toEqual([]);
    await publish(shopId, tiered);
    ok(await stub.adjust({ id: "a1", points: 1 }, T0 + 2 * HOUR));
    ok(await fresh.adjust({ id: "a1", points: 1 }, T0 + 2 * HOUR));
    expect((await relayed(stub, "tier.changed")).map((e) => e.data)).toEqual([{ from: "bronze", to: "silver", direction: "up" }]);
    const tiers = await runInDurableObject(fresh, (_i: CustomerAccount, state) =>
      state.storage.sql.exec<{ tier: string | null; tierKnown: number }>("SELECT tier, tierKnown FROM schedule").toArray());
    expect(tiers).toEqual([{ tier: "bronze", tierKnown: 1 }]);
    expect(await relayed(fresh, "tier.changed")).toEqual([]);
  });

  it("down on a cancellation of a confirmed order", async () => {
    const stub = await accountUnder(tiered);
    ok(await stub.placeOrder(order("o1", receipt([{ id: "1", price: 150_000, qty: 1 }]), T0, tiered)));
    ok(await stub.confirmOrder("o1", T0));
    ok(await stub.cancelOrder("o1", T0 + HOUR));
    ok(await stub.cancelOrder("o1", T0 + 2 * HOUR));
    expect((await relayed(stub, "tier.changed")).map((e) => e.data)).toEqual([
      { from: "bronze", to: "silver", direction: "up" }, { from: "silver", to: "bronze", direction: "down" },
    ]);
  });
});
