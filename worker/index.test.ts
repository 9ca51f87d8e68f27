import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createEngine } from "../engine/host/index.ts";
// The Worker registers the compiled engine module at start-up; importing it here does the same for this isolate.
import "./index.ts";

/** Sends a request through the Worker's own fetch handler, as a client would. */
function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`http://kopilka.test${path}`, init));
}

describe("GET /v1/health", () => {
  it("answers 200 {ok: true}", async () => {
    const response = await call("/v1/health");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe('{"ok":true}');
  });
});

describe("unknown routes", () => {
  it("answer 404 with the docs/api.md error shape", async () => {
    const response = await call("/v1/nowhere");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "not_found", message: "No route for GET /v1/nowhere" },
    });
  });

  it("match on the method too: a path with other methods is 405 with Allow", async () => {
    const response = await call("/v1/health", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(await response.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });
});

describe("the Wasm engine inside workerd", () => {
  it("quotes with the module the Worker registered: rate 10%, value 100, 1 000.00 RUB → 100 points", () => {
    const engine = createEngine({
      currency: "RUB",
      timezone: "Europe/Moscow",
      points: { value: 100 },
      earn: { rateBps: 1000 },
      redeem: { maxShareBps: 3000 },
    });
    const evaluation = engine.quote({
      at: "2026-11-23T10:15:00+03:00",
      lines: [{ id: "1", sku: "A-1", price: 100000, qty: 1 }],
    });
    expect(evaluation).toMatchObject({
      subtotal: 100000,
      discount: 0,
      total: 100000,
      pointsEarned: 100,
      lines: [{ id: "1", amount: 100000, pointsEarned: 100 }],
      earned: [{ source: "purchase", points: 100 }],
    });
  });
});
