import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../lib/clock.ts";
import type { KopilkaEvent } from "../lib/events.ts";
import { createShop, program, send } from "../test-support.ts";
import { dailyStats, purgeEvents, readEvent, RETENTION_MS } from "./analytics.ts";
import { DAILY_FIGURES } from "./analytics-sql.ts";
import { deliverBatch, event } from "./test-helpers.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Tests live in 2030: no alarm the accounts schedule is due in real time while they run. */
const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);

beforeEach(() => setClock(T0));
afterEach(() => resetClock());

/** A shop whose program counts days in Moscow (UTC+3 all year). */
async function moscowShop(): Promise<string> {
  const shop = await createShop();
  expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program() })).status).toBe(200);
  return shop.shopId;
}

/** Deterministic randomness (mulberry32), so a failing soak can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const figures = { store: null, subtotal: 0, pointsSpent: 0, pointsEarned: 0, balance: 0 };

/** One random event of a type the rollups count (or do not: coupon.expired, verification.code). */
function randomEvent(rnd: () => number, shopId: string, at: number): KopilkaEvent {
  const int = (n: number) => Math.floor(rnd() * n);
  const customerId = `c-${int(8)}`;
  const orderId = `o-${int(1000)}`;
  switch (int(15)) {
    case 0: return event(shopId, "customer.created", { referralCode: null, birthday: null }, at, customerId);
    case 1: return event(shopId, "customer.verified", { channel: "phone" }, at, customerId);
    case 2: return event(shopId, "order.placed", { ...figures, orderId, discount: int(500), amount: int(100_000), holdExpiresAt: "", programVersion: 1 }, at, customerId);
    case 3: return event(shopId, "order.confirmed", { ...figures, orderId, discount: int(500), amount: int(100_000), availableAt: null }, at, customerId);
    case 4: {
      const wasConfirmed = rnd() < 0.5;
      return event(shopId, "order.cancelled", { orderId, wasConfirmed, amount: wasConfirmed ? int(50_000) : 0, pointsGivenBack: int(100), pointsTakenBack: int(100), balance: 0 }, at, customerId);
    }
    case 5: return event(shopId, "order.returned", { orderId, returnId: `r-${int(1e6)}`, amount: int(20_000), pointsGivenBack: int(50), pointsTakenBack: int(50), full: false, lines: [], balance: 0 }, at, customerId);
    case 6: return event(shopId, "points.earned", { points: int(1000), source: "order", orderId, reason: null, availableAt: "", expiresAt: null, balance: 0 }, at, customerId);
    case 7: return event(shopId, "points.spent", { points: int(1000), orderId, rewardId: null, balance: 0 }, at, customerId);
    case 8: return event(shopId, "points.adjusted", { adjustmentId: `a-${int(1e6)}`, points: int(2000) - 1000, reason: null, balance: 0 }, at, customerId);
    case 9: return event(shopId, "points.expired", { points: int(300), orderId: null, balance: 0 }, at, customerId);
    case 10: return event(shopId, "tier.changed", { from: null, to: "gold", direction: rnd() < 0.5 ? "up" : "down" }, at, customerId);
    case 11: return event(shopId, "reward.redeemed", { rewardId: "tea", name: "Tea", cost: 300, code: "ABCD", expiresAt: "", balance: 0 }, at, customerId);
    case 12: return event(shopId, "coupon.expired", { code: "ABCD", rewardId: "tea", name: "Tea", cost: 300, balance: 0 }, at, customerId);
    case 13: return event(shopId, "order.lapsed", { orderId, pointsReleased: int(100), balance: 0 }, at, customerId);
    default: return event(shopId, "verification.code", { channel: "phone", code: "123456", to: "+79990001122", locale: null, expiresAt: "" }, at, null);
  }
}

type Figures = Record<(typeof DAILY_FIGURES)[number], number>;
const zeros = (): Figures => Object.fromEntries(DAILY_FIGURES.map((f) => [f, 0])) as Figures;

/**
 * The rollups recomputed from raw events, written apart from the store's SQL: one pass, one switch per type, the
 * definitions of docs/events.md "The analytics store".
 */
function recompute(events: { day: string; event: KopilkaEvent }[]): Map<string, Figures> {
  const days = new Map<string, Figures>();
  const active = new Set<string>();
  for (const { day, event: e } of events) {
    const f = days.get(day) ?? zeros();
    days.set(day, f);
    const d = e.data as unknown as Record<string, number | string | boolean>;
    const n = (k: string) => d[k] as number;
    switch (e.type) {
      case "customer.created": f.newCustomers++; break;
      case "customer.verified": f.verifications++; break;
      case "order.placed": f.ordersPlaced++; break;
      case "order.confirmed": f.ordersConfirmed++; f.revenue += n("amount"); f.discounts += n("discount"); break;
      case "order.cancelled": f.ordersCancelled++; if (d.wasConfirmed) f.revenue -= n("amount"); f.pointsGivenBack += n("pointsGivenBack"); f.pointsTakenBack += n("pointsTakenBack"); break;
      case "order.returned": f.ordersReturned++; f.revenue -= n("amount"); f.pointsGivenBack += n("pointsGivenBack"); f.pointsTakenBack += n("pointsTakenBack"); break;
      case "points.earned": f.pointsEarned += n("points"); break;
      case "points.spent": f.pointsSpent += n("points"); break;
      case "points.adjusted": f.pointsAdjusted += n("points"); break;
      case "points.expired": f.pointsExpired += n("points"); break;
      case "tier.changed": if (d.direction === "up") f.tierUps++; else f.tierDowns++; break;
      case "reward.redeemed": f.rewardsRedeemed++; break;
      default: break;
    }
    if (e.customerId !== null && ["order.placed", "order.confirmed", "reward.redeemed"].includes(e.type)) {
      const key = `${day}|${e.customerId}`;
      if (!active.has(key)) {
        active.add(key);
        f.activeCustomers++;
      }
    }
  }
  return days;
}

/** Every event R2 holds for a shop under `prefix`, with the day its key names, in key order. */
async function archived(shopId: string, prefix = "events"): Promise<{ day: string; event: KopilkaEvent }[]> {
  const found: { day: string; event: KopilkaEvent }[] = [];
  let cursor: string | undefined;
  do {
    const list = await env.EVENT_ARCHIVE.list({ prefix: `${prefix}/${shopId}/`, cursor });
    for (const object of list.objects) {
      const day = object.key.split("/")[2]!;
      const text = await (await env.EVENT_ARCHIVE.get(object.key))!.text();
      for (const line of text.split("\n").filter(Boolean)) found.push({ day, event: JSON.parse(line) as KopilkaEvent });
    }
    cursor = list.truncated ? list.cursor : undefined;
  } while (cursor);
  return found;
}

const dedupe = <T extends { event: KopilkaEvent }>(rows: T[]): T[] => [...new Map(rows.map((r) => [r.event.id, r])).values()];

function shuffle<T>(rnd: () => number, items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const rollupsOf = async (shopId: string, from: string, to: string) =>
  new Map((await dailyStats(env, shopId, from, to)).days.filter((d) => DAILY_FIGURES.some((f) => d[f] !== 0)).map(({ day, ...f }) => [day, f]));

const storedCount = async (shopId: string) =>
  (await env.ANALYTICS.prepare("SELECT COUNT(*) AS n FROM events WHERE shopId = ?").bind(shopId).first<{ n: number }>())!.n;

describe("recordEvents through the events consumer", () => {
  it("counts an event once however often and in whatever order it is delivered", async () => {
    const shopId = await moscowShop();
    const events = [
      event(shopId, "order.confirmed", { ...figures, orderId: "o-1", discount: 150, amount: 10_000, availableAt: null }, T0),
      event(shopId, "order.returned", { orderId: "o-1", returnId: "r-1", amount: 2_500, pointsGivenBack: 0, pointsTakenBack: 25, full: false, lines: [], balance: 0 }, T0 + HOUR),
      event(shopId, "order.cancelled", { orderId: "o-1", wasConfirmed: true, amount: 7_500, pointsGivenBack: 0, pointsTakenBack: 75, balance: 0 }, T0 + 2 * HOUR),
      event(shopId, "order.confirmed", { ...figures, orderId: "o-2", discount: 0, amount: 4_000, availableAt: null }, T0 + 3 * HOUR, "c-2"),
    ];
    expect(await deliverBatch([events[3]!, events[1]!])).toBe(true);
    expect(await deliverBatch([events[1]!, events[0]!, events[3]!, events[2]!, events[0]!], 2)).toBe(true);
    expect(await deliverBatch([events[2]!, events[2]!])).toBe(true);
    const [day] = (await dailyStats(env, shopId, "2030-01-15", "2030-01-15")).days;
    expect(day).toMatchObject({
      day: "2030-01-15", ordersConfirmed: 2, ordersReturned: 1, ordersCancelled: 1, revenue: 10_000 - 2_500 - 7_500 + 4_000,
      discounts: 150, pointsTakenBack: 100, activeCustomers: 2,
    });
    expect(await storedCount(shopId)).toBe(4);
  });

  it("counts a day in the program's timezone, and in UTC for a shop without a program", async () => {
    const moscow = await moscowShop();
    const bare = (await createShop()).shopId;
    const lateEvening = Date.UTC(2030, 0, 15, 22, 30); // 01:30 on the 16th in Moscow
    const placed = (shopId: string) => event(shopId, "order.placed", { ...figures, orderId: "o-1", discount: 0, amount: 100, holdExpiresAt: "", programVersion: 1 }, lateEvening);
    expect(await deliverBatch([placed(moscow), placed(bare)])).toBe(true);
    expect([...(await rollupsOf(moscow, "2030-01-14", "2030-01-17")).keys()]).toEqual(["2030-01-16"]);
    expect([...(await rollupsOf(bare, "2030-01-14", "2030-01-17")).keys()]).toEqual(["2030-01-15"]);
    expect((await archived(moscow)).map((a) => a.day)).toEqual(["2030-01-16"]);
  });

  it("an event keeps the day it was first counted on when the shop's timezone changes before a re-delivery", async () => {
    const shop = await createShop();
    const publish = async (timezone: string) =>
      expect((await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ timezone }) })).status).toBe(200);
    await publish("Europe/Moscow");
    const afternoon = Date.UTC(2030, 0, 15, 14, 30); // 17:30 on the 15th in Moscow, 00:30 on the 16th in Vladivostok
    const first = event(shop.shopId, "order.placed", { ...figures, orderId: "o-1", discount: 0, amount: 100, holdExpiresAt: "", programVersion: 1 }, afternoon);
    const second = event(shop.shopId, "order.placed", { ...figures, orderId: "o-2", discount: 0, amount: 100, holdExpiresAt: "", programVersion: 2 }, afternoon);
    expect(await deliverBatch([first])).toBe(true);
    await publish("Asia/Vladivostok");
    expect(await deliverBatch([first, second], 2)).toBe(true);
    const raw = await archived(shop.shopId);
    // (The re-delivered copy is alone in its day's group, as the first was: the same key, written again.)
    expect(new Set(raw.filter((r) => r.event.id === first.id).map((r) => r.day))).toEqual(new Set(["2030-01-15"]));
    expect(raw.filter((r) => r.event.id === second.id).map((r) => r.day)).toEqual(["2030-01-16"]);
    const rollups = await rollupsOf(shop.shopId, "2030-01-14", "2030-01-17");
    expect([...rollups].map(([day, f]) => [day, f.ordersPlaced])).toEqual([["2030-01-15", 1], ["2030-01-16", 1]]);
    expect(rollups).toEqual(recompute(dedupe(raw)));
  });

  it("after a soak of shuffled, concurrent batches with duplicates, the rollups equal a recomputation from the R2 archive", async () => {
    const rnd = random(14);
    const shops = [await moscowShop(), await moscowShop(), (await createShop()).shopId];
    const events = Array.from({ length: 1500 }, (_, i) => randomEvent(rnd, shops[i % shops.length]!, T0 - 10 * DAY + Math.floor(rnd() * 10 * DAY)));
    const deliveries = shuffle(rnd, events.flatMap((e) => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => e)));
    const batches: KopilkaEvent[][] = [];
    for (let i = 0; i < deliveries.length;) {
      const size = 1 + Math.floor(rnd() * 100);
      batches.push(deliveries.slice(i, i + size));
      i += size;
    }
    // Four consumer invocations at a time, as the queue runs them: copies of one event race each other.
    for (let i = 0; i < batches.length; i += 4) {
      expect(await Promise.all(batches.slice(i, i + 4).map((b) => deliverBatch(b)))).toEqual(batches.slice(i, i + 4).map(() => true));
    }
    for (const shopId of shops) {
      const raw = await archived(shopId);
      const mine = events.filter((e) => e.shopId === shopId);
      expect(raw.length).toBeGreaterThan(mine.length); // the archive holds the duplicates too
      const unique = dedupe(raw);
      expect(unique.map((r) => r.event.id).sort()).toEqual(mine.map((e) => e.id).sort());
      // The day the key names is the shop's local date: Moscow is UTC+3, the program-less shop counts in UTC.
      const offset = shopId === shops[2] ? 0 : 3 * HOUR;
      for (const { day, event: e } of unique) expect(day).toBe(new Date(Date.parse(e.createdAt) + offset).toISOString().slice(0, 10));
      const expected = recompute(unique);
      expect(await rollupsOf(shopId, "2030-01-01", "2030-01-31")).toEqual(expected);
      // Over the range, a customer active on several days is one active customer.
      const buyers = new Set(unique.filter((r) => ["order.placed", "order.confirmed", "reward.redeemed"].includes(r.event.type)).map((r) => r.event.customerId));
      const { totals } = await dailyStats(env, shopId, "2030-01-01", "2030-01-31");
      expect(totals.activeCustomers).toBe(buyers.size);
      expect(totals.revenue).toBe([...expected.values()].reduce((a, f) => a + f.revenue, 0));
      expect(await storedCount(shopId)).toBe(mine.length);
    }
  });

  it("really runs through the EVENTS queue: duplicates sent to the queue are counted once", async () => {
    const shopId = await moscowShop();
    const events = Array.from({ length: 20 }, (_, i) => event(shopId, "points.earned", { points: i + 1, source: "bonus", orderId: null, reason: null, availableAt: "", expiresAt: null, balance: 0 }, T0 + i));
    const rnd = random(7);
    await env.EVENTS.sendBatch(shuffle(rnd, [...events, ...events, ...events.slice(5)]).map((body) => ({ body })));
    await env.EVENTS.sendBatch(shuffle(rnd, events).map((body) => ({ body })));
    await expect.poll(() => storedCount(shopId), { timeout: 15_000, interval: 200 }).toBe(20);
    // Every copy was consumed (R2 holds what was delivered), and still only 1 + … + 20 was counted.
    await expect.poll(async () => (await archived(shopId)).length, { timeout: 15_000, interval: 200 }).toBe(75);
    const [day] = (await dailyStats(env, shopId, "2030-01-15", "2030-01-15")).days;
    expect(day!.pointsEarned).toBe(210);
  });

  it("never stores a verification code, in D1 or in R2", async () => {
    const shopId = await moscowShop();
    const code = event(shopId, "verification.code", { channel: "email", code: "918273", to: "anna@example.com", locale: "ru", expiresAt: "2030-01-15T09:10:00.000Z" }, T0, null);
    expect(await deliverBatch([code, code])).toBe(true);
    const stored = await readEvent(env, shopId, code.id);
    expect(stored).toEqual({ ...code, data: { channel: "email", to: "anna@example.com", locale: "ru", expiresAt: "2030-01-15T09:10:00.000Z" } });
    const rows = await env.ANALYTICS.prepare("SELECT body FROM events WHERE shopId = ?").bind(shopId).all<{ body: string }>();
    expect(rows.results.map((r) => r.body).join("")).not.toContain("918273");
    const raw = await archived(shopId);
    expect(raw).toHaveLength(2);
    expect(JSON.stringify(raw)).not.toContain("918273");
  });

  it("an event older than the 30 days is archived under late/ and not counted (its id may have been purged)", async () => {
    const shopId = await moscowShop();
    const old = event(shopId, "points.earned", { points: 5, source: "bonus", orderId: null, reason: null, availableAt: "", expiresAt: null, balance: 0 }, T0 - RETENTION_MS - 1);
    expect(await deliverBatch([old])).toBe(true);
    expect(await storedCount(shopId)).toBe(0);
    expect(await rollupsOf(shopId, "2029-12-01", "2030-01-31")).toEqual(new Map());
    expect((await archived(shopId, "late")).map((r) => r.event.id)).toEqual([old.id]);
    expect(await archived(shopId)).toEqual([]);
  });
});

describe("purgeEvents (the daily cron)", () => {
  it("deletes events older than 30 days from D1; the rollups and R2 keep them", async () => {
    const shopId = await moscowShop();
    const earned = (points: number, at: number) => event(shopId, "points.earned", { points, source: "bonus", orderId: null, reason: null, availableAt: "", expiresAt: null, balance: 0 }, at);
    const old = earned(3, T0 - 20 * DAY);
    const recent = earned(4, T0 - 5 * DAY);
    expect(await deliverBatch([old, recent])).toBe(true);
    const before = await rollupsOf(shopId, "2029-12-01", "2030-02-28");
    await purgeEvents(env, T0 + 11 * DAY); // old is now 31 days old, recent 16
    expect(await storedCount(shopId)).toBe(1);
    setClock(T0 + 11 * DAY);
    expect(await readEvent(env, shopId, old.id)).toBeNull();
    expect(await readEvent(env, shopId, recent.id)).toEqual(recent);
    expect(await rollupsOf(shopId, "2029-12-01", "2030-02-28")).toEqual(before);
    expect(dedupe(await archived(shopId)).map((r) => r.event.id).sort()).toEqual([old.id, recent.id].sort());
  });

  it("deletes in chunks until nothing old is left", async () => {
    const shopId = await moscowShop();
    const olds = Array.from({ length: 23 }, (_, i) => event(shopId, "points.expired", { points: i, orderId: null, balance: 0 }, T0 - 10 * DAY + i));
    const recent = event(shopId, "points.expired", { points: 1, orderId: null, balance: 0 }, T0);
    expect(await deliverBatch([...olds, recent])).toBe(true);
    await purgeEvents(env, T0 + 21 * DAY, 5); // 23 old ones: chunks of 5, 5, 5, 5, 3
    const left = await env.ANALYTICS.prepare("SELECT id FROM events WHERE shopId = ?").bind(shopId).all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([recent.id]);
  });
});
