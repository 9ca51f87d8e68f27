import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import type { KopilkaEvent } from "../../lib/events.ts";
import { createShop, program, send, type TestShop } from "../../test-support.ts";
import { purgeEvents } from "../../stream/analytics.ts";
import { deliverBatch, earned, event } from "../../stream/test-helpers.ts";
import { register, widgetShop, WIDGET_PROGRAM } from "../public/test-helpers.ts";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test bodies

const DAY = 24 * 60 * 60 * 1000;
/** Tests live in 2030: no alarm the accounts schedule is due in real time while they run. */
const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const AT = new Date(T0).toISOString();

beforeEach(() => setClock(T0));
afterEach(() => resetClock());

async function shopWith(overrides: Record<string, unknown> = {}): Promise<TestShop> {
  const shop = await createShop();
  const put = await send("PUT", "/v1/program", { token: shop.secretKey, body: program({ points: { value: 100, pendingDays: 0 }, ...overrides }) });
  expect(put.status).toBe(200);
  return shop;
}

const get = async (shop: TestShop, path: string) => {
  const response = await send("GET", path, { token: shop.secretKey });
  return { status: response.status, body: (await response.json()) as Json, response };
};
const post = async (shop: TestShop, path: string, body?: unknown) => {
  const response = await send("POST", path, { token: shop.secretKey, body });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Json;
};

/** Every page of `GET /v1/events?query`, in order. */
async function allPages(shop: TestShop, query: string): Promise<{ pages: number; items: KopilkaEvent[] }> {
  const items: KopilkaEvent[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await get(shop, `/v1/events?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(page.status).toBe(200);
    items.push(...(page.body.items as KopilkaEvent[]));
    cursor = page.body.nextCursor as string | null;
    pages++;
  } while (cursor !== null);
  return { pages, items };
}

describe("GET /v1/events: what real API calls emitted", () => {
  it("a registration and an order's life show up with their types and payloads", async () => {
    const shop = await shopWith({ bonuses: { welcome: { points: 500 } } });
    expect((await send("PUT", "/v1/customers/c-1", { token: shop.secretKey, body: { name: "Anna" } })).status).toBe(201);
    const lines = [{ id: "a", sku: "tea", price: 60000, qty: 1 }, { id: "b", sku: "cup", price: 40000, qty: 1 }];
    await post(shop, "/v1/orders", { orderId: "o1", customerId: "c-1", at: AT, lines });
    await post(shop, "/v1/orders/o1/confirm");
    await post(shop, "/v1/orders/o1/returns", { returnId: "r1", lines: [{ id: "b", qty: 1 }] });

    const expected = ["order.returned", "points.earned", "order.confirmed", "order.placed", "points.earned", "customer.created"];
    let items: Json[] = [];
    await expect.poll(async () => {
      items = (await get(shop, "/v1/events")).body.items as Json[];
      return items.map((e) => e.type).sort();
    }, { timeout: 15_000, interval: 250 }).toEqual([...expected].sort());
    // One instant: the order of types within it is by id; check the payloads by type.
    const byType = (type: string) => items.filter((e) => e.type === type);
    for (const e of items) expect(e).toMatchObject({ id: expect.stringMatching(/^evt_/), version: 1, shopId: shop.shopId, customerId: "c-1", createdAt: AT });
    expect(byType("customer.created")[0]!.data).toEqual({ referralCode: null, birthday: null }); // no referrals in this program
    expect(byType("points.earned").map((e) => [e.data.source, e.data.points]).sort()).toEqual([["bonus", 500], ["order", 100]]);
    expect(byType("order.placed")[0]!.data).toMatchObject({ orderId: "o1", subtotal: 100000, discount: 0, amount: 100000, programVersion: 1 });
    expect(byType("order.confirmed")[0]!.data).toMatchObject({ orderId: "o1", amount: 100000, pointsEarned: 100 });
    expect(byType("order.returned")[0]!.data).toMatchObject({ orderId: "o1", returnId: "r1", amount: 40000, pointsTakenBack: 40, full: false, lines: [{ id: "b", qty: 1 }] });

    // The one event by id, and the day's figures (T0 is 12:00 in Moscow, the program's timezone).
    const one = await get(shop, `/v1/events/${byType("order.confirmed")[0]!.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(byType("order.confirmed")[0]);
    const stats = await get(shop, "/v1/stats/daily?from=2030-01-14&to=2030-01-15");
    expect(stats.status).toBe(200);
    expect(stats.body.days).toHaveLength(2);
    expect(stats.body.days[0]).toMatchObject({ day: "2030-01-14", ordersPlaced: 0, revenue: 0 });
    expect(stats.body.days[1]).toMatchObject({
      day: "2030-01-15", newCustomers: 1, ordersPlaced: 1, ordersConfirmed: 1, ordersReturned: 1, revenue: 60000,
      pointsEarned: 600, pointsTakenBack: 40, activeCustomers: 1,
    });
  });
});

describe("GET /v1/stats/daily: what real orders add up to", () => {
  it("revenue nets to what the shop kept: returns and cancellations of confirmed orders reverse exactly", async () => {
    const shop = await shopWith();
    const lines = [{ id: "a", sku: "tea", price: 33333, qty: 3 }, { id: "b", sku: "cup", price: 10001, qty: 1 }];
    await post(shop, "/v1/orders", { orderId: "o1", customerId: "c-1", at: AT, lines });
    await post(shop, "/v1/orders/o1/confirm");
    await post(shop, "/v1/orders/o1/returns", { returnId: "r1", lines: [{ id: "a", qty: 1 }] });
    await post(shop, "/v1/orders/o1/returns", { returnId: "r2", lines: [{ id: "a", qty: 2 }, { id: "b", qty: 1 }] });
    await post(shop, "/v1/orders", { orderId: "o2", customerId: "c-2", at: AT, lines });
    await post(shop, "/v1/orders/o2/confirm");
    await post(shop, "/v1/orders/o2/returns", { returnId: "r3", lines: [{ id: "b", qty: 1 }] });
    await post(shop, "/v1/orders/o2/cancel");
    await post(shop, "/v1/orders", { orderId: "o3", customerId: "c-2", at: AT, lines: [{ id: "x", price: 5000, qty: 1 }] });
    await post(shop, "/v1/orders/o3/cancel"); // pending: no money moved
    await post(shop, "/v1/orders", { orderId: "o4", customerId: "c-3", at: AT, lines: [{ id: "y", price: 7000, qty: 2 }] });
    const kept = (await post(shop, "/v1/orders/o4/confirm")).evaluation.total as number;

    await expect.poll(async () => ((await get(shop, "/v1/events?type=order.cancelled,order.confirmed")).body.items as Json[]).length, { timeout: 15_000, interval: 250 }).toBe(5);
    await expect.poll(async () => ((await get(shop, "/v1/events?type=points.earned")).body.items as Json[]).length, { timeout: 15_000, interval: 250 }).toBe(3);
    const { body } = await get(shop, "/v1/stats/daily?from=2030-01-15&to=2030-01-15");
    expect(kept).toBe(14000);
    expect(body.days[0]).toMatchObject({
      ordersPlaced: 4, ordersConfirmed: 3, ordersCancelled: 2, ordersReturned: 3, revenue: kept, activeCustomers: 3,
      // 1 point per 1.00 RUB: o1 and o2 earned 110 each, o4 14; all of o1's and o2's came back.
      pointsEarned: 110 + 110 + 14, pointsTakenBack: 110 + 110,
    });
  });
});

describe("GET /v1/events: a verification code", () => {
  it("lists the verification.code event without its code", async () => {
    const shop = await widgetShop({ ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "phone" } } });
    const registered = await register(shop, { phone: "+79991234567" });
    let items: Json[] = [];
    await expect.poll(async () => {
      items = (await get(shop, "/v1/events?type=verification.code")).body.items as Json[];
      return items.length;
    }, { timeout: 15_000, interval: 250 }).toBe(1);
    expect(items[0]).toMatchObject({ type: "verification.code", customerId: registered.customer.id });
    expect(items[0]!.data).toMatchObject({ channel: "phone", to: "+79991234567" });
    expect(Object.keys(items[0]!.data).sort()).toEqual(["channel", "expiresAt", "locale", "to"]);
    // The code itself is on the queue's message only (and in the webhook it became): never in the store.
    const stored = await env.ANALYTICS.prepare("SELECT body FROM events WHERE id = ?").bind(items[0]!.id).first<{ body: string }>();
    expect(JSON.parse(stored!.body).data).not.toHaveProperty("code");
  });
});

describe("GET /v1/events: pages, filters, the 30 days", () => {
  it("pages newest first with an opaque cursor, every event exactly once", async () => {
    const shop = await shopWith();
    // Several events share an instant: the cursor must tell them apart.
    const events = Array.from({ length: 120 }, (_, i) => earned(shop.shopId, i + 1, T0 - DAY + Math.floor(i / 3) * 1000));
    expect(await deliverBatch(events.slice(0, 70))).toBe(true);
    expect(await deliverBatch(events.slice(70))).toBe(true);
    const newestFirst = [...events].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)).map((e) => e.id);
    const paged = await allPages(shop, "limit=50");
    expect(paged.pages).toBe(3);
    expect(paged.items.map((e) => e.id)).toEqual(newestFirst);
    const byDefault = await get(shop, "/v1/events");
    expect(byDefault.body.items).toHaveLength(50);
    expect((await allPages(shop, "limit=7")).items.map((e) => e.id)).toEqual(newestFirst);
  });

  it("filters by one or several types and by customer", async () => {
    const shop = await shopWith();
    const events = [
      earned(shop.shopId, 10, T0 - 3000, "c-1"),
      event(shop.shopId, "points.spent", { points: 5, orderId: null, rewardId: "tea", balance: 5 }, T0 - 2000, "c-2"),
      event(shop.shopId, "points.expired", { points: 5, orderId: null, balance: 0 }, T0 - 1000, "c-1"),
    ];
    expect(await deliverBatch(events)).toBe(true);
    const ids = async (query: string) => ((await get(shop, `/v1/events?${query}`)).body.items as Json[]).map((e) => e.id);
    expect(await ids("type=points.spent")).toEqual([events[1]!.id]);
    expect(await ids("type=points.expired,points.earned")).toEqual([events[2]!.id, events[0]!.id]);
    expect(await ids("customerId=c-1")).toEqual([events[2]!.id, events[0]!.id]);
    expect(await ids("customerId=c-2&type=points.earned")).toEqual([]);
    expect(await ids("type=order.placed")).toEqual([]);
  });

  it("answers 400 naming the field for a bad type, cursor or limit", async () => {
    const shop = await shopWith();
    for (const [query, path] of [["type=points.earned,nope", "type"], ["cursor=bm9wZQ", "cursor"], ["limit=0", "limit"], ["limit=101", "limit"], ["customerId=a%20b", "customerId"]]) {
      const r = await get(shop, `/v1/events?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error).toMatchObject({ code: "invalid_request", path });
    }
  });

  it("lists only the last 30 days; the purge then removes what is older", async () => {
    const shop = await shopWith();
    const old = earned(shop.shopId, 1, T0);
    const recent = earned(shop.shopId, 2, T0 + 5 * DAY);
    expect(await deliverBatch([old])).toBe(true);
    setClock(T0 + 5 * DAY);
    expect(await deliverBatch([recent])).toBe(true);
    setClock(T0 + 30 * DAY - 1);
    expect(((await get(shop, "/v1/events")).body.items as Json[]).map((e) => e.id)).toEqual([recent.id, old.id]);
    setClock(T0 + 30 * DAY + 1);
    expect(((await get(shop, "/v1/events")).body.items as Json[]).map((e) => e.id)).toEqual([recent.id]);
    expect((await get(shop, `/v1/events/${old.id}`)).status).toBe(404);
    await purgeEvents(env, T0 + 30 * DAY + 1);
    const left = await env.ANALYTICS.prepare("SELECT id FROM events WHERE shopId = ?").bind(shop.shopId).all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([recent.id]);
    // The figures of the purged day stay.
    expect((await get(shop, "/v1/stats/daily?from=2030-01-15&to=2030-01-15")).body.days[0]).toMatchObject({ pointsEarned: 1 });
  });
});

describe("a shop sees only its own events and figures", () => {
  it("another shop's event is 404, never listed, never counted", async () => {
    const mine = await shopWith();
    const theirs = await shopWith();
    const theirEvent = earned(theirs.shopId, 7, T0);
    expect(await deliverBatch([theirEvent, earned(mine.shopId, 3, T0)])).toBe(true);
    const r = await get(mine, `/v1/events/${theirEvent.id}`);
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: "not_found", message: "No such event" } });
    expect((await get(theirs, `/v1/events/${theirEvent.id}`)).status).toBe(200);
    expect(((await get(mine, "/v1/events")).body.items as Json[]).map((e) => e.shopId)).toEqual([mine.shopId]);
    expect((await get(mine, "/v1/events/evt_unknown")).status).toBe(404);
    expect((await get(mine, "/v1/stats/daily?from=2030-01-15&to=2030-01-15")).body.days[0]).toMatchObject({ pointsEarned: 3 });
    expect((await get(theirs, "/v1/stats/daily?from=2030-01-15&to=2030-01-15")).body.days[0]).toMatchObject({ pointsEarned: 7 });
  });

  it("every route takes the secret key only", async () => {
    const shop = await shopWith();
    for (const path of ["/v1/events", "/v1/events/evt_x", "/v1/stats/daily?from=2030-01-01&to=2030-01-02"]) {
      expect((await send("GET", path)).status, path).toBe(401);
      expect((await send("GET", path, { token: shop.publishableKey })).status, path).toBe(401);
    }
  });
});

describe("GET /v1/stats/daily: the range", () => {
  it("answers 400 naming the field for a bad date, from after to, or more than 366 days", async () => {
    const shop = await shopWith();
    const cases: [string, string][] = [
      ["from=2030-02-30&to=2030-03-01", "from"], ["from=2030-01-01&to=20300102", "to"], ["from=2030-01-01", "to"],
      ["from=2030-01-02&to=2030-01-01", "from"], ["from=2030-01-01&to=2031-01-02", "to"],
    ];
    for (const [query, path] of cases) {
      const r = await get(shop, `/v1/stats/daily?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.error, query).toMatchObject({ code: "invalid_request", path });
    }
    const year = await get(shop, "/v1/stats/daily?from=2030-01-01&to=2031-01-01");
    expect(year.status).toBe(200);
    expect(year.body.days).toHaveLength(366);
    expect(year.body.days[365].day).toBe("2031-01-01");
  });
});
