/**
 * Text that is not Unicode (a lone half of a UTF-16 surrogate pair, which JSON's `\ud800` escapes can carry) is
 * refused with the field at fault, before anything is written. Found by tools/fuzz: storage turned such ids into
 * U+FFFD, so an order came back under an id the client never sent and two different ids became one.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetClock, setClock } from "../../lib/clock.ts";
import { register, widget, widgetShop } from "../public/test-helpers.ts";
import { createShop, errorOf, program, send } from "../../test-support.ts";

const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
beforeEach(() => setClock(T0));
afterEach(() => resetClock());

const line = { id: "1", price: 100_000, qty: 1 };

describe("unpaired surrogates", () => {
  it("are 400 invalid_request naming the field, and change nothing", async () => {
    const shop = await createShop();
    const token = shop.secretKey;
    expect((await send("PUT", "/v1/program", { token, body: program() })).status).toBe(200);
    expect((await send("PUT", "/v1/customers/c1", { token, body: { name: "Anna" } })).status).toBe(201);
    expect((await send("POST", "/v1/orders", { token, body: { orderId: "o1", customerId: "c1", lines: [line] } })).status).toBe(201);
    expect((await send("POST", "/v1/orders/o1/confirm", { token })).status).toBe(200);
    const before = await Promise.all(["/v1/customers/c1", "/v1/customers/c1/history", "/v1/orders/o1"].map(async (p) => (await send("GET", p, { token })).text()));

    const cases: [string, string, unknown, string][] = [
      ["POST", "/v1/orders", { orderId: "o\ud800", customerId: "c1", lines: [line] }, "orderId"],
      ["POST", "/v1/orders", { orderId: "o2", customerId: "c\udfff", lines: [line] }, "customerId"],
      ["POST", "/v1/orders", { orderId: "o2", customerId: "c1", lines: [{ ...line, sku: "\ud83d" }] }, "lines[0].sku"],
      ["POST", "/v1/orders/o1/returns", { returnId: "r\ud800", lines: [{ id: "1", qty: 1 }] }, "returnId"],
      ["POST", "/v1/orders/o1/returns", { returnId: "r1", lines: [{ id: "1\udc00", qty: 1 }] }, "lines[0].id"],
      ["PUT", "/v1/customers/c1", { name: "Anna\ud800" }, "name"],
      ["PUT", "/v1/customers/c1", { email: "\udbff@example.ru" }, "email"],
      ["PUT", "/v1/customers/c1", { referralCode: "\ud800\ud800" }, "referralCode"],
      ["POST", "/v1/customers/c1/adjustments", { id: "a1", points: 5, reason: "\udfff" }, "reason"],
      ["POST", "/v1/shops", { name: "\ud800", origins: [] }, "name"],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await send(method, path, { token: path === "/v1/shops" ? "dev-platform-token" : token, body });
      expect(response.status, `${method} ${path} ${field}`).toBe(400);
      expect(await errorOf(response), `${method} ${path} ${field}`).toMatchObject({ code: "invalid_request", path: field });
    }
    const after = await Promise.all(["/v1/customers/c1", "/v1/customers/c1/history", "/v1/orders/o1"].map(async (p) => (await send("GET", p, { token })).text()));
    expect(after).toEqual(before);
    expect((await send("GET", `/v1/orders/${encodeURIComponent("o\ufffd\ufffd\ufffd")}`, { token })).status).toBe(404);
  });

  it("whole pairs (emoji) and right-to-left text are text: stored and answered as sent", async () => {
    const shop = await createShop();
    const token = shop.secretKey;
    expect((await send("PUT", "/v1/program", { token, body: program() })).status).toBe(200);
    const orderId = "o-😀-שלום";
    const placed = await send("POST", "/v1/orders", { token, body: { orderId, customerId: "c1", lines: [{ ...line, sku: "🏳️‍🌈" }] } });
    expect(placed.status).toBe(201);
    const read = await send("GET", `/v1/orders/${encodeURIComponent(orderId)}`, { token });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { orderId: string }).orderId).toBe(orderId);
  });

  it("an email with a control or invisible character is refused: the welcome bonus cannot be claimed twice", async () => {
    const shop = await createShop();
    const token = shop.secretKey;
    expect((await send("PUT", "/v1/program", { token, body: program({ bonuses: { welcome: { points: 500 } } }) })).status).toBe(200);
    expect((await send("PUT", "/v1/customers/c1", { token, body: { email: "anna@example.ru" } })).status).toBe(201);
    for (const email of ["anna@example.ru\u0000", "anna\u200b@example.ru", "anna@example.ru\u202e", "\u0007anna@example.ru"]) {
      const response = await send("PUT", "/v1/customers/c2", { token, body: { email } });
      expect(response.status, JSON.stringify(email)).toBe(400);
      expect(await errorOf(response)).toMatchObject({ code: "invalid_request", path: "email" });
    }
    expect((await send("GET", "/v1/customers/c2", { token })).status).toBe(404);
  });

  it("text of 101 to 200 emoji is too long everywhere (zod counts code points, the engine code units): 400, not 500", async () => {
    const shop = await createShop();
    const token = shop.secretKey;
    expect((await send("PUT", "/v1/program", { token, body: program() })).status).toBe(200);
    const long = "👨‍👩‍👧‍👦".repeat(20); // 140 code points, 220 code units
    const quote = await send("POST", "/v1/checkout/quote", { token, body: { lines: [{ ...line, sku: long }] } });
    expect(quote.status).toBe(400);
    expect(await errorOf(quote)).toMatchObject({ code: "invalid_request", path: "lines[0].sku" });
    const order = await send("POST", "/v1/orders", { token, body: { orderId: "o1", customerId: long, lines: [line] } });
    expect(order.status).toBe(400);
    expect(await errorOf(order)).toMatchObject({ code: "invalid_request", path: "customerId" });
    // Nothing was indexed under the refused order: its id is free for the real customer.
    expect((await send("POST", "/v1/orders", { token, body: { orderId: "o1", customerId: "c1", lines: [line] } })).status).toBe(201);
  });

  it("every limit counts UTF-16 code units, whatever zod counts: reasons, names, codes, ids, URLs (found by tools/fuzz)", async () => {
    const shop = await widgetShop();
    const token = shop.secretKey;
    expect((await send("PUT", "/v1/customers/c1", { token, body: { name: "Anna" } })).status).toBe(201);
    const member = await register(shop);
    const family = "👨‍👩‍👧‍👦"; // 7 code points, 11 code units
    const over = (max: number) => family.repeat(Math.floor(max / 11) + 1); // over `max` units, under `max` code points
    const before = await Promise.all(["/v1/customers/c1", "/v1/customers/c1/history", "/v1/shop"].map(async (p) => (await send("GET", p, { token })).text()));
    const cases: [string, string, unknown, string][] = [
      ["POST", "/v1/customers/c1/adjustments", { id: "a1", points: 5, reason: over(500) }, "reason"],
      ["POST", "/v1/customers/c1/events", { id: "e1", type: "custom", points: 5, reason: over(500) }, "reason"],
      ["PUT", "/v1/customers/c1", { name: over(200) }, "name"],
      ["PUT", "/v1/customers/c1", { referralCode: over(64) }, "referralCode"],
      ["PUT", "/v1/customers/c1", { email: `${over(320)}@example.ru` }, "email"],
      ["GET", `/v1/orders/${encodeURIComponent(over(200))}`, undefined, "orderId"],
      ["PATCH", "/v1/shop", { webhookUrl: `https://hooks.example/${over(2048)}` }, "webhookUrl"],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await send(method, path, { token, body });
      expect(response.status, `${method} ${path.slice(0, 40)} ${field}`).toBe(400);
      expect(await errorOf(response), `${method} ${path.slice(0, 40)} ${field}`).toMatchObject({ code: "invalid_request", path: field });
    }
    const widgetCases: [string, string, unknown, string][] = [
      ["POST", "/v1/public/register", { name: over(200), phone: "+79990004455", consent: true }, "name"],
      ["POST", `/v1/public/me/rewards/${encodeURIComponent(over(200))}`, undefined, "rewardId"],
    ];
    for (const [method, path, body, field] of widgetCases) {
      const response = await widget(shop, method, path, { token: member.token!, body });
      expect(response.status, `${method} ${path.slice(0, 40)} ${field}`).toBe(400);
      expect(await errorOf(response), `${method} ${path.slice(0, 40)} ${field}`).toMatchObject({ code: "invalid_request", path: field });
    }
    const after = await Promise.all(["/v1/customers/c1", "/v1/customers/c1/history", "/v1/shop"].map(async (p) => (await send("GET", p, { token })).text()));
    expect(after).toEqual(before);
    // Exactly at the limit is fine: 200 code units of emoji pairs.
    expect((await send("PUT", "/v1/customers/c1", { token, body: { name: "😀".repeat(100) } })).status).toBe(200);
  });
});
