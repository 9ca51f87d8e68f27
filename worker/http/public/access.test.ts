/**
 * Who gets into the widget API: publishable keys, customer tokens (expired, forged, other shop, format tricks),
 * CORS for allowed, unknown and `null` origins and preflights.
 */
import { describe, expect, it } from "vitest";
import { call, createShop, errorOf, send } from "../../test-support.ts";
import { signCustomerToken } from "../../lib/tokens.ts";
import { base64url } from "../../lib/crypto.ts";
import { ORIGIN, register, widget, widgetShop } from "./test-helpers.ts";

describe("publishable key", () => {
  it("is required, must be valid, and must not be a secret key", async () => {
    const shop = await widgetShop();
    const missing = await send("GET", "/v1/public/program", { headers: { origin: ORIGIN } });
    expect(missing.status).toBe(401);
    expect((await errorOf(missing)).code).toBe("unauthorized");

    const wrong = await send("GET", "/v1/public/program", { headers: { "x-publishable-key": shop.publishableKey.slice(0, -4) + "AAAA" } });
    expect(wrong.status).toBe(401);

    const secret = await send("GET", "/v1/public/program", { headers: { "x-publishable-key": shop.secretKey } });
    expect(secret.status).toBe(401);
    expect((await errorOf(secret)).message).toMatch(/never put the secret key/);

    const ok = await widget(shop, "GET", "/v1/public/program");
    expect(ok.status).toBe(200);
  });

  it("of one shop does not open another shop's program", async () => {
    const a = await widgetShop();
    const b = await createShop({ name: "B", origins: [ORIGIN] });
    const response = await widget(b, "GET", "/v1/public/program");
    expect(response.status).toBe(404); // b has no program; a's is never served under b's key
    const mine = await widget(a, "GET", "/v1/public/program");
    expect(((await mine.json()) as { shop: { name: string } }).shop.name).toBe("Widget shop");
  });
});

describe("public program", () => {
  it("leaves out promo-code campaigns and limits", async () => {
    const shop = await widgetShop();
    const body = (await (await widget(shop, "GET", "/v1/public/program")).json()) as {
      programVersion: number;
      program: { campaigns: { id: string; limits?: unknown }[]; currency: string; rewards: unknown[] };
    };
    expect(body.programVersion).toBe(1);
    expect(body.program.currency).toBe("RUB");
    expect(body.program.campaigns.map((c) => c.id)).toEqual(["everyone"]);
    expect(body.program.campaigns[0]!.limits).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain("SECRET10");
    expect(body.program.rewards).toHaveLength(1);
  });
});

describe("CORS", () => {
  it("answers the shop's own origin by name, with Vary: Origin, on success and on errors", async () => {
    const shop = await widgetShop();
    const ok = await widget(shop, "GET", "/v1/public/program");
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("vary")).toMatch(/Origin/);
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
    expect(ok.headers.get("access-control-expose-headers")).toMatch(/Retry-After/);

    const error = await widget(shop, "GET", "/v1/public/me", { token: "not.a-token" });
    expect(error.status).toBe(401);
    expect(error.headers.get("access-control-allow-origin")).toBe(ORIGIN);
  });

  it("refuses an origin that is not the shop's, and `null`, before doing anything; the page can read the refusal", async () => {
    const shop = await widgetShop();
    // A well-formed origin may read the 403 (the widget tells the shop owner to register it): it names no shop data.
    for (const origin of ["https://evil.example", "https://shop.example.evil.example", "http://shop.example"]) {
      const response = await widget(shop, "POST", "/v1/public/register", { origin, body: { name: "X", phone: "+79990000001", consent: true } });
      expect(response.status, origin).toBe(403);
      expect(response.headers.get("access-control-allow-origin"), origin).toBe(origin);
      expect(response.headers.get("vary"), origin).toMatch(/Origin/);
      expect(response.headers.get("access-control-allow-credentials"), origin).toBeNull();
      expect(await errorOf(response), origin).toEqual({ code: "forbidden", message: "This origin is not one of the shop's storefront origins" });
    }
    // `null` and what is not an origin are refused and never named.
    for (const origin of ["null", ORIGIN + "/"]) {
      const response = await widget(shop, "POST", "/v1/public/register", { origin, body: { name: "X", phone: "+79990000001", consent: true } });
      expect(response.status, origin).toBe(403);
      expect(response.headers.get("access-control-allow-origin"), origin).toBeNull();
      expect((await errorOf(response)).code).toBe("forbidden");
    }
    // Nothing was registered: the phone is still free.
    const lookup = await send("GET", "/v1/customers?phone=%2B79990000001", { token: shop.secretKey });
    expect(lookup.status).toBe(404);
  });

  it("refuses another shop's storefront even though a preflight from it passes", async () => {
    const shop = await widgetShop();
    await createShop({ name: "Other", origins: ["https://other.example"] });
    const pre = await call("/v1/public/register", {
      method: "OPTIONS",
      headers: { origin: "https://other.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type, x-publishable-key" },
    });
    expect(pre.status).toBe(204);
    const real = await widget(shop, "POST", "/v1/public/register", { origin: "https://other.example", body: { name: "X", phone: "+79990000002", consent: true } });
    expect(real.status).toBe(403);
  });

  it("lets the page read the 401 of a missing or unknown publishable key, naming only its own origin", async () => {
    const shop = await widgetShop();
    const unknown = await send("GET", "/v1/public/program", { headers: { origin: "https://elsewhere.example", "x-publishable-key": shop.publishableKey.slice(0, -4) + "AAAA" } });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get("access-control-allow-origin")).toBe("https://elsewhere.example");
    expect(unknown.headers.get("vary")).toMatch(/Origin/);
    expect(unknown.headers.get("access-control-allow-credentials")).toBeNull();
    const missing = await send("GET", "/v1/public/program", { headers: { origin: "null" } });
    expect(missing.status).toBe(401);
    expect(missing.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a no-Origin (server) request without CORS headers", async () => {
    const shop = await widgetShop();
    const response = await widget(shop, "GET", "/v1/public/program", { origin: null });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("handles preflights: any well-formed origin (they grant nothing), known methods and headers only, never *", async () => {
    await widgetShop();
    const ask = (origin: string, method = "POST", headers = "authorization, content-type, idempotency-key, x-publishable-key") =>
      call("/v1/public/me/rewards/coupon-20", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
      });
    const ok = await ask(ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(ok.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
    expect(ok.headers.get("access-control-allow-headers")).toMatch(/X-Publishable-Key/);
    expect(ok.headers.get("access-control-max-age")).toBe("600");
    expect(ok.headers.get("vary")).toBe("Origin");
    // An origin no shop registered gets its preflight too, so that it can read the real request's 403.
    const unknown = await ask("https://unknown.example");
    expect(unknown.status).toBe(204);
    expect(unknown.headers.get("access-control-allow-origin")).toBe("https://unknown.example");
    expect(unknown.headers.get("access-control-allow-credentials")).toBeNull();

    for (const [origin, method, headers] of [
      ["null", "POST", "content-type"],
      ["*", "POST", "content-type"],
      ["null", "POST", "content-type"],
      [ORIGIN, "DELETE", "content-type"],
      [ORIGIN, "POST", "content-type, x-evil"],
    ] as const) {
      const refused = await ask(origin, method, headers);
      expect(refused.status, `${origin} ${method} ${headers}`).toBe(403);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    }
  });

  it("follows origin changes made with PATCH /v1/shop", async () => {
    const shop = await widgetShop();
    const patch = await send("PATCH", "/v1/shop", { token: shop.secretKey, body: { origins: ["https://new.example"] } });
    expect(patch.status).toBe(200);
    expect(((await patch.json()) as { origins: string[] }).origins).toEqual(["https://new.example"]);
    expect((await widget(shop, "GET", "/v1/public/program")).status).toBe(403);
    expect((await widget(shop, "GET", "/v1/public/program", { origin: "https://new.example" })).status).toBe(200);
    const pre = await call("/v1/public/program", { method: "OPTIONS", headers: { origin: "https://new.example", "access-control-request-method": "GET" } });
    expect(pre.status).toBe(204);
  });
});

describe("customer tokens", () => {
  const future = () => Math.floor(Date.now() / 1000) + 3600;

  it("signed by the shop's secret key name the customer", async () => {
    const shop = await widgetShop();
    const token = await signCustomerToken(shop.secretKey, "shop-customer-1", future());
    const registered = await register(shop, {}, { token });
    expect(registered.customer.id).toBe("shop-customer-1");
    expect(registered.token).toBeNull();
    const me = await widget(shop, "GET", "/v1/public/me", { token });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe("shop-customer-1");
  });

  it("refuses expired, forged, other-shop and malformed tokens with 401", async () => {
    const shop = await widgetShop();
    const other = await widgetShop();
    const registered = await register(shop);
    const good = registered.token!;
    const [payload, mac] = good.split(".") as [string, string];
    const forgedPayload = base64url(new TextEncoder().encode(JSON.stringify({ sub: "someone-else", exp: future() })));
    const candidates: Record<string, string> = {
      expired: await signCustomerToken(shop.secretKey, registered.customer.id, Math.floor(Date.now() / 1000) - 1),
      "other shop's key": await signCustomerToken(other.secretKey, registered.customer.id, future()),
      "publishable key as HMAC key": await signCustomerToken(shop.publishableKey, registered.customer.id, future()),
      "payload swapped": `${forgedPayload}.${mac}`,
      "mac flipped": `${payload}.${mac.slice(0, -2)}${mac.endsWith("A") ? "BA" : "AA"}`,
      "JWT with alg none": `${base64url(new TextEncoder().encode('{"alg":"none"}'))}.${payload}.`,
      "three parts": `${payload}.${mac}.${mac}`,
      "padding": `${payload}=.${mac}`,
      "standard base64": `${payload.replace(/-/g, "+").replace(/_/g, "/")}.${mac}`,
      "empty mac": `${payload}.`,
      "huge": "a".repeat(5000) + "." + mac,
    };
    for (const [name, token] of Object.entries(candidates)) {
      if (token === good) continue; // e.g. "standard base64" of a token without - or _
      const response = await widget(shop, "GET", "/v1/public/me", { token });
      expect(response.status, name).toBe(401);
      expect((await errorOf(response)).code, name).toBe("unauthorized");
    }
    const badScheme = await widget(shop, "GET", "/v1/public/me", { headers: { authorization: `Basic ${good}` } });
    expect(badScheme.status).toBe(401);
    expect((await widget(shop, "GET", "/v1/public/me", { token: good })).status).toBe(200);
    // A valid token of this shop says nothing in another shop.
    expect((await widget(other, "GET", "/v1/public/me", { token: good })).status).toBe(401);
  });

  it("with a non-string sub, or exp not a number, is refused even when correctly signed", async () => {
    const shop = await widgetShop();
    const sign = async (payload: unknown) => {
      const part = base64url(new TextEncoder().encode(JSON.stringify(payload)));
      const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(shop.secretKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      return `${part}.${base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(part))))}`;
    };
    for (const payload of [{ sub: 42, exp: future() }, { sub: "a b", exp: future() }, { sub: "x", exp: "9999999999" }, { sub: "x" }, ["x"], "x"]) {
      expect((await widget(shop, "GET", "/v1/public/me", { token: await sign(payload) })).status, JSON.stringify(payload)).toBe(401);
    }
  });

  it("are required for the customer's own endpoints", async () => {
    const shop = await widgetShop();
    for (const [method, path] of [["GET", "/v1/public/me"], ["GET", "/v1/public/me/history"], ["POST", "/v1/public/me/rewards/coupon-20"], ["POST", "/v1/public/verify"]] as const) {
      const response = await widget(shop, method, path, { body: method === "POST" ? { channel: "phone", code: "123456" } : undefined });
      expect(response.status, path).toBe(401);
    }
  });

  it("for a customer the shop does not know yet: /me is 404 until they register", async () => {
    const shop = await widgetShop();
    const token = await signCustomerToken(shop.secretKey, "not-yet", future());
    const response = await widget(shop, "GET", "/v1/public/me", { token });
    expect(response.status).toBe(404);
  });
});
