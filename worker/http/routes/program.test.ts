import { describe, expect, it } from "vitest";
import { validateProgram } from "../../../engine/host/validate.ts";
import { createShop, errorOf, program, send } from "../../test-support.ts";

const put = (token: string, body: unknown, headers?: Record<string, string>) => send("PUT", "/v1/program", { token, body, headers });
const get = (token: string) => send("GET", "/v1/program", { token });
const validate = (token: string, body: unknown) => send("POST", "/v1/program/validate", { token, body });

/** A program with three problems: an unknown field, a rate out of range and a duplicate campaign id. */
const invalidProgram = program({
  earn: { rateBps: 20000 },
  bonus: {},
  campaigns: [
    { id: "a", effect: { discountBps: 1000 } },
    { id: "a", effect: { discountBps: 1000 } },
  ],
});

describe("PUT /v1/program", () => {
  it("stores the program as version 1 and answers it with defaults applied", async () => {
    const shop = await createShop();
    const response = await put(shop.secretKey, program());
    expect(response.status).toBe(200);
    const expected = validateProgram(program());
    if (!expected.ok) throw new Error("the fixture must be valid");
    expect(await response.json()).toEqual({ version: 1, program: expected.program });
  });

  it("keeps every version: each PUT is the next version, GET answers the latest", async () => {
    const shop = await createShop();
    expect(await (await put(shop.secretKey, program())).json()).toMatchObject({ version: 1 });
    expect(await (await put(shop.secretKey, program({ earn: { rateBps: 500 } }))).json()).toMatchObject({ version: 2 });
    const latest = (await (await get(shop.secretKey)).json()) as { version: number; program: { earn: { rateBps: number } } };
    expect(latest.version).toBe(2);
    expect(latest.program.earn.rateBps).toBe(500);
  });

  it("refuses an invalid program with 422 program_invalid listing every problem", async () => {
    const shop = await createShop();
    const response = await put(shop.secretKey, invalidProgram);
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    const expected = validateProgram(invalidProgram);
    if (expected.ok) throw new Error("the fixture must be invalid");
    expect(expected.problems.length).toBeGreaterThanOrEqual(3);
    expect(error).toEqual({
      code: "program_invalid",
      message: `The program has ${expected.problems.length} problems: ${expected.problems[0]?.path} ${expected.problems[0]?.message}`,
      path: expected.problems[0]?.path,
      problems: expected.problems,
    });
    expect(error.problems).toEqual(expect.arrayContaining([
      { path: "earn.rateBps", message: expect.any(String) },
      { path: "bonus", message: "unknown field" },
      { path: "campaigns[1].id", message: expect.any(String) },
    ]));
    // Bad input changes nothing.
    expect((await get(shop.secretKey)).status).toBe(404);
  });

  it("a body that is not an object is a program problem at the root", async () => {
    const shop = await createShop();
    const response = await put(shop.secretKey, [1]);
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "program_invalid", problems: [{ path: "", message: expect.any(String) }] });
    expect(error).not.toHaveProperty("path"); // the root is no field
  });

  it("honours Idempotency-Key: a retry answers the same version and stores nothing new", async () => {
    const shop = await createShop();
    const headers = { "idempotency-key": "publish-1" };
    const first = await put(shop.secretKey, program(), headers);
    const retry = await put(shop.secretKey, program(), headers);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(await first.json());
    expect(await (await get(shop.secretKey)).json()).toMatchObject({ version: 1 });
    const other = await put(shop.secretKey, program({ earn: { rateBps: 1 } }), headers);
    expect(other.status).toBe(409);
    expect((await errorOf(other)).code).toBe("idempotency_conflict");
  });

  it("Idempotency-Keys are per shop: another shop's same key is its own", async () => {
    const [a, b] = await Promise.all([createShop(), createShop()]);
    const headers = { "idempotency-key": "same-key" };
    expect((await put(a.secretKey, program(), headers)).status).toBe(200);
    const response = await put(b.secretKey, program({ earn: { rateBps: 1 } }), headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ version: 1, program: { earn: { rateBps: 1 } } });
  });
});

describe("GET /v1/program", () => {
  it("is 404 not_found before the first program", async () => {
    const shop = await createShop();
    const response = await get(shop.secretKey);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({ code: "not_found", message: "No program has been published yet" });
  });

  it("answers {version, program}", async () => {
    const shop = await createShop();
    const stored = await (await put(shop.secretKey, program())).json();
    const response = await get(shop.secretKey);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(stored);
  });
});

describe("POST /v1/program/validate", () => {
  it("answers 200 {valid: true} and stores nothing", async () => {
    const shop = await createShop();
    const response = await validate(shop.secretKey, program());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ valid: true });
    expect((await get(shop.secretKey)).status).toBe(404);
  });

  it("answers 422 program_invalid with every problem", async () => {
    const shop = await createShop();
    const response = await validate(shop.secretKey, invalidProgram);
    expect(response.status).toBe(422);
    const expected = validateProgram(invalidProgram);
    if (expected.ok) throw new Error("the fixture must be invalid");
    expect(await errorOf(response)).toMatchObject({ code: "program_invalid", path: expected.problems[0]?.path, problems: expected.problems });
  });
});

describe("secret-key authentication and shop isolation", () => {
  const routes = [
    ["PUT", "/v1/program"],
    ["GET", "/v1/program"],
    ["POST", "/v1/program/validate"],
  ] as const;
  const bodyFor = (method: string) => (method === "GET" ? undefined : program());

  it.each(routes)("%s %s without a key is 401 unauthorized", async (method, path) => {
    const response = await send(method, path, { body: bodyFor(method) });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({ code: "unauthorized", message: "Send the secret key as Authorization: Bearer sk_…" });
  });

  it.each(routes)("%s %s with the publishable key is 401 unauthorized", async (method, path) => {
    const shop = await createShop();
    const response = await send(method, path, { token: shop.publishableKey, body: bodyFor(method) });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({
      code: "unauthorized",
      message: "This endpoint needs the secret key (sk_…), not the publishable key",
    });
  });

  it.each(routes)("%s %s with a valid shop id but a wrong secret is 401 unauthorized", async (method, path) => {
    const shop = await createShop();
    const forged = `sk_${shop.shopId}_${"A".repeat(32)}`;
    const response = await send(method, path, { token: forged, body: bodyFor(method) });
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({ code: "unauthorized", message: "The secret key is not valid" });
  });

  it("a key for a shop that does not exist, or a malformed key, is 401", async () => {
    const unknown = await get(`sk_NoSuchShop0000_${"b".repeat(32)}`);
    expect(unknown.status).toBe(401);
    expect(await errorOf(unknown)).toEqual({ code: "unauthorized", message: "The secret key is not valid" });
    for (const token of ["sk_short", "sk__abc", "xx_abc_def", `sk_a:b_${"c".repeat(32)}`, `sk_${"a".repeat(65)}_${"c".repeat(32)}`]) {
      const malformed = await get(token);
      expect(malformed.status, token).toBe(401);
      expect(await errorOf(malformed)).toEqual({ code: "unauthorized", message: "The key is malformed" });
    }
    const notBearer = await send("GET", "/v1/program", { headers: { authorization: "Basic Zm9vOmJhcg==" } });
    expect(notBearer.status).toBe(401);
    expect(await errorOf(notBearer)).toEqual({ code: "unauthorized", message: "Send the secret key as Authorization: Bearer sk_…" });
  });

  it("shop A's secret key neither reads nor replaces shop B's program", async () => {
    const [a, b] = await Promise.all([createShop(), createShop()]);
    await put(b.secretKey, program({ earn: { rateBps: 777 } }));

    // A sees only its own (none yet), whatever it sends.
    expect((await get(a.secretKey)).status).toBe(404);
    expect((await send("GET", `/v1/program?shopId=${b.shopId}`, { token: a.secretKey })).status).toBe(404);
    expect((await send("GET", "/v1/program", { token: a.secretKey, headers: { "x-shop-id": b.shopId } })).status).toBe(404);

    // A's PUT lands in A.
    expect(await (await put(a.secretKey, program({ earn: { rateBps: 1 } }))).json()).toMatchObject({ version: 1 });
    const bProgram = (await (await get(b.secretKey)).json()) as { version: number; program: { earn: { rateBps: number } } };
    expect(bProgram).toMatchObject({ version: 1, program: { earn: { rateBps: 777 } } });

    // A's random part with B's shop id is not B's key.
    const spliced = `sk_${b.shopId}_${a.secretKey.split("_")[2]}`;
    expect((await get(spliced)).status).toBe(401);
    expect((await put(spliced, program())).status).toBe(401);
    expect(await (await get(b.secretKey)).json()).toMatchObject({ version: 1 });
  });
});
