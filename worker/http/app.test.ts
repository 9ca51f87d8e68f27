import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "./http.ts";
import { EVENT_TYPES } from "../lib/events.ts";
import { Validator } from "@cfworker/json-schema";
import { call, createShop, errorOf, program, send } from "../test-support.ts";
import committed from "../../docs/openapi.json";
import committedProgramSchema from "../../docs/program.schema.json";
import demoProgram from "../demo/program.json";

describe("errors", () => {
  it("an unknown route is 404 not_found with the method and path", async () => {
    const response = await call("/v1/nowhere", { method: "DELETE" });
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({ code: "not_found", message: "No route for DELETE /v1/nowhere" });
  });

  it("a known path with another method is 405 method_not_allowed, with Allow", async () => {
    const cases = [
      ["PUT", "/v1/shops", "POST"],
      ["DELETE", "/v1/program", "GET, HEAD, PUT"],
      ["GET", "/v1/program/validate", "POST"],
      ["POST", "/v1/openapi.json", "GET, HEAD"],
      ["DELETE", "/v1/orders/o-1/confirm", "POST"],
    ] as const;
    for (const [method, path, allow] of cases) {
      const response = await call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect(await errorOf(response)).toEqual({ code: "method_not_allowed", message: `${method} is not allowed on ${path}; use ${allow}` });
    }
  });

  it("malformed JSON is 400 invalid_request", async () => {
    const shop = await createShop();
    const response = await send("POST", "/v1/program/validate", { token: shop.secretKey, body: '{"currency": "RUB",' });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: "invalid_request", message: "Malformed JSON in request body" });
  });

  it("a body that is not declared as JSON is 400 invalid_request", async () => {
    const shop = await createShop();
    const response = await send("POST", "/v1/program/validate", {
      token: shop.secretKey,
      body: JSON.stringify(program()),
      headers: { "content-type": "text/plain" },
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: "invalid_request", message: "Content-Type must be application/json" });
  });

  it("a body over 1 MiB is 413 payload_too_large (declared length)", async () => {
    const shop = await createShop();
    const body = JSON.stringify(program()).padEnd(MAX_BODY_BYTES + 1, " ");
    const response = await send("PUT", "/v1/program", { token: shop.secretKey, body });
    expect(response.status).toBe(413);
    expect(await errorOf(response)).toEqual({ code: "payload_too_large", message: `The request body exceeds ${MAX_BODY_BYTES} bytes` });
    expect((await send("GET", "/v1/program", { token: shop.secretKey })).status).toBe(404); // nothing stored
  });

  it("a body over 1 MiB is 413 even without a Content-Length (read at most the cap)", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > MAX_BODY_BYTES * 4) return controller.close(); // far beyond the cap: the Worker must stop early
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await call("/v1/shops", {
      method: "POST",
      headers: { authorization: "Bearer dev-platform-token", "content-type": "application/json" },
      body: stream,
    });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe("payload_too_large");
  });

  it("a body of exactly 1 MiB is accepted", async () => {
    const shop = await createShop();
    const body = JSON.stringify(program()).padEnd(MAX_BODY_BYTES, " ");
    const response = await send("POST", "/v1/program/validate", { token: shop.secretKey, body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ valid: true });
  });

  it("every answer carries a request id: the client's own when it is a tame one, else a fresh one", async () => {
    const fresh = (await call("/v1/health")).headers.get("x-request-id");
    expect(fresh).toMatch(/^req_[0-9a-z]{20}$/);
    expect((await call("/v1/health")).headers.get("x-request-id")).not.toBe(fresh);
    expect((await call("/v1/nowhere", { headers: { "x-request-id": "shop-trace-0001" } })).headers.get("x-request-id")).toBe("shop-trace-0001");
    // Not a tame id (spaces, too short): never copied into logs or headers.
    for (const given of ["has spaces in it", "short", "x".repeat(129)]) {
      expect((await call("/v1/health", { headers: { "x-request-id": given } })).headers.get("x-request-id")).toMatch(/^req_/);
    }
  });

  it("answers are never cached", async () => {
    expect((await call("/v1/health")).headers.get("cache-control")).toBe("no-store");
    expect((await call("/v1/nowhere")).headers.get("cache-control")).toBe("no-store");
  });
});

describe("GET /v1/openapi.json", () => {
  it("is an OpenAPI 3.1 document generated from the routes, with the security schemes", async () => {
    const response = await call("/v1/openapi.json");
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown> }>; securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: "Kopilka API", version: "1" });
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining([
      "/v1/health", "/v1/shops", "/v1/program", "/v1/program/validate", "/v1/checkout/quote", "/v1/orders",
      "/v1/orders/{orderId}", "/v1/orders/{orderId}/confirm", "/v1/orders/{orderId}/cancel", "/v1/orders/{orderId}/returns",
    ]));
    expect(Object.keys(document.paths["/v1/program"] ?? {}).sort()).toEqual(["get", "put"]);
    expect(document.paths["/v1/shops"]?.post?.security).toEqual([{ platformToken: [] }]);
    expect(document.paths["/v1/program"]?.put?.security).toEqual([{ secretKey: [] }]);
    expect(Object.keys(document.paths["/v1/program"]?.put?.responses ?? {}).sort()).toEqual(["200", "400", "401", "405", "409", "413", "422", "500"]);
    for (const operation of [document.paths["/v1/shops"]?.post, document.paths["/v1/program"]?.put]) {
      expect((operation as { parameters?: unknown }).parameters).toEqual([expect.objectContaining({ name: "idempotency-key", in: "header", required: false })]);
    }
    expect(document.components.securitySchemes).toEqual({
      webhookSignature: expect.objectContaining({ type: "apiKey", in: "header", name: "Kopilka-Signature" }),
      secretKey: expect.objectContaining({ type: "http", scheme: "bearer" }),
      platformToken: expect.objectContaining({ type: "http", scheme: "bearer" }),
      publishableKey: expect.objectContaining({ type: "apiKey", in: "header", name: "X-Publishable-Key" }),
      customerToken: expect.objectContaining({ type: "http", scheme: "bearer" }),
    });
    // The widget's API is in it too, each operation with its security.
    for (const path of ["/v1/public/program", "/v1/public/me", "/v1/public/me/history"]) {
      expect(document.paths[path]?.get, path).toBeDefined();
    }
    for (const path of ["/v1/public/register", "/v1/public/verify", "/v1/public/verify/send", "/v1/public/me/rewards/{rewardId}"]) {
      expect(document.paths[path]?.post, path).toBeDefined();
    }
    expect(document.paths["/v1/public/me"]?.get?.security).toEqual([{ publishableKey: [], customerToken: [] }]);
    expect(Object.keys(document.paths["/v1/public/register"]?.post?.responses ?? {}).sort()).toEqual(["201", "400", "401", "403", "405", "409", "413", "429", "500"]);
    expect(Object.keys(document.paths["/v1/shop"] ?? {}).sort()).toEqual(["get", "patch"]);
    // The program's schema is the engine's: its fields come through.
    expect(document.components.schemas.Program?.properties).toHaveProperty("campaigns");
  });

  it("is the repository's docs/openapi.json (`npm run build:openapi` writes it)", async () => {
    expect(await (await call("/v1/openapi.json")).json()).toEqual(committed);
  });

  it("names every operation once, lists its servers, and documents each error status with exactly its codes", async () => {
    const document = (await (await call("/v1/openapi.json")).json()) as {
      servers: { url: string }[];
      webhooks: Record<string, unknown>;
      paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: { "application/json"?: { schema: { properties: { error?: { properties: { code: { enum: string[] } } } } } } } }> }>>;
    };
    expect(document.servers.map((server) => server.url)).toEqual(["https://{host}", "http://127.0.0.1:8787"]);
    // Every event type a webhook endpoint can receive, and the shop's webhookUrl verification codes.
    expect(Object.keys(document.webhooks)).toEqual([...EVENT_TYPES, "webhookUrl.verification.code"]);
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId));
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // Confirming answers exactly its own 422 codes — not program_invalid.
    const confirm = document.paths["/v1/orders/{orderId}/confirm"]!.post!;
    expect(confirm.responses["422"]?.content?.["application/json"]?.schema.properties.error?.properties.code.enum).toEqual(["invalid_state", "hold_expired"]);
    expect(Object.keys(confirm.responses).sort()).toEqual(["200", "400", "401", "404", "405", "422", "500"]);
  });

  it("accepts its own examples (the README's cart and order) and the demo program as request bodies", async () => {
    const document = committed as unknown as {
      paths: Record<string, Record<string, { requestBody?: { content: { "application/json": { schema: object; example?: unknown } } } }>>;
      components: object;
    };
    const bodyOf = (path: string, method: string) => document.paths[path]![method]!.requestBody!.content["application/json"];
    const accepts = (schema: object, value: unknown) => new Validator({ ...schema, components: document.components } as never, "2020-12").validate(value).valid;
    let examples = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const method of Object.keys(methods)) {
        const body = document.paths[path]![method]!.requestBody?.content["application/json"];
        if (body?.example === undefined) continue;
        examples++;
        expect(accepts(body.schema, body.example), `${method} ${path}`).toBe(true);
      }
    }
    expect(examples).toBeGreaterThanOrEqual(3);
    expect(accepts(bodyOf("/v1/program", "put").schema, demoProgram)).toBe(true);
    // Left-out defaults are fine (an SDK typed from this document must not demand them); a wrong type is not.
    expect(accepts(bodyOf("/v1/checkout/quote", "post").schema, { lines: [{ id: "1", price: 100, qty: 1 }] })).toBe(true);
    expect(accepts(bodyOf("/v1/checkout/quote", "post").schema, { lines: [{ id: "1", price: "100", qty: 1 }] })).toBe(false);
  });

  it("serves the program's JSON Schema for editors, which accepts the demo program", async () => {
    const response = await call("/v1/program.schema.json");
    expect(response.status).toBe(200);
    const schema = (await response.json()) as Record<string, unknown>;
    expect(schema).toEqual(committedProgramSchema);
    expect(new Validator(schema as never, "2020-12").validate(demoProgram).valid).toBe(true);
    expect(new Validator(schema as never, "2020-12").validate({ ...demoProgram, points: { value: 0 } }).valid).toBe(false);
  });
});
