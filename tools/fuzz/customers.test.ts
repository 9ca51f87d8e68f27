/**
 * Fuzzing the customer routes (docs/api.md "Customers"): profile, account, look-up, history, adjustments.
 * See harness.ts for the properties, the seed and FUZZ_RUNS.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { latestToday } from "../../engine/host/calendar.ts";
import { bodyCases, CUSTOMER, each, fuzz, PHONE, T0, type Case, type Field, type Target, fuzzSuite } from "./harness.ts";
import { anyText, anyValue, badHistoryCursor, badHistoryLimit, badInt, badText, loneSurrogateText, notARealDate, notAString, outOfRangeBirthday, Raw, tooLong, unknownKey } from "./hostile.ts";
import { authCases, encode, oversizedCases, pathSegment, wholeBodyCases } from "./requests.ts";

const suite = fuzzSuite("customers");
const auth = suite.auth;
const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);

/** Customer ids the path refuses (400 naming customerId): characters outside the pattern, or too long. */
const badCustomerId = fc
  .oneof(anyText, tooLong(200))
  .filter((s) => s !== "" && wellFormed(s) && !ID_PATTERN.test(s) && !/^\.+$/.test(s));
/** Any id but the world's customer: 404, or 400 when the path refuses it. */
const otherCustomer = pathSegment.filter((s) => {
  try {
    return decodeURIComponent(s) !== CUSTOMER;
  } catch {
    return true;
  }
});
const blank = fc.constantFrom(" ", "   ", "\t", "\n", "\u00a0", "\u3000");

describe("fuzz: customers", () => {
  it("PUT /v1/customers/{id}", async () => {
    const endpoint = "PUT /v1/customers/{id}";
    const target: Target = { method: "PUT", path: `/v1/customers/${CUSTOMER}`, headers: auth() };
    // The world's customer under another name: a case that got through would rename her.
    const base = { name: "Fuzzed", phone: PHONE, email: "anna@example.ru", birthday: "1990-05-17", referralCode: "ANNA1" };
    const fields: Field[] = [
      { at: ["name"], bad: fc.oneof(badText(200, { nullable: true }), blank) },
      { at: ["phone"], bad: fc.oneof(notAString, tooLong(64), loneSurrogateText, fc.constantFrom("", "NaN", "Infinity", "+", "abc", "' OR 1=1 --", "8 (999) 123-45", "+7 999 123 45 67 8", "١٢٣٤٥٦٧٨٩٠", "+0 123 456 789", "8-800-DROP-TABLE")) },
      { at: ["email"], bad: fc.oneof(notAString, tooLong(320), fc.constantFrom("", "anna", "a@b", "a@@b.ru", "a b@c.ru", "' OR 1=1 --", "a@b..ru", "@example.ru", "anna@", "anna@example.ru\u0000", "anna\u200b@example.ru", "anna@example.ru\u202e", "\u0007anna@example.ru", `${"a".repeat(250)}@b.ru`), loneSurrogateText.map((s) => `${s}@example.ru`)) },
      { at: ["birthday"], bad: fc.oneof(notAString, fc.constantFrom("", "1990-02-30", "1990-5-17", "17.05.1990", "NaN", "1990-05-17T00:00:00Z", "' OR 1=1 --", "99999-01-01"), outOfRangeBirthday(latestToday(T0)), notARealDate) },
      { at: ["referralCode"], bad: fc.oneof(badText(64, { nullable: true }), blank) },
    ];
    const spec = { base, fields, strict: [{ at: [], known: Object.keys(base) }], status: 400, code: "invalid_request" };
    const badPath = badCustomerId.map((id): Case => ({ ...target, path: `/v1/customers/${encode(id)}`, body: base, status: 400, errorPath: "customerId", label: "bad customer id" }));
    const idempotencyKey = fc.constantFrom("a b", "k".repeat(256), "é", "")
      .map((key): Case => ({ ...target, headers: { ...target.headers, "idempotency-key": key }, body: base, status: 400, label: "bad Idempotency-Key" }));
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 5, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, base) },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, base) },
      { weight: 1, arbitrary: badPath },
      { weight: 1, arbitrary: idempotencyKey },
      // Birthdays as a class: years 0000–0099, before 1900, after today, 9999, 29 February of common years.
      { weight: 1, arbitrary: fc.oneof(outOfRangeBirthday(latestToday(T0)), notARealDate).map((birthday): Case => ({
        ...target, body: { ...base, birthday }, status: 400, code: "invalid_request", errorPath: "birthday", label: `birthday ${birthday}`,
      })) },
    ), 200);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);

  it("GET /v1/customers/{id}", async () => {
    const target: Target = { method: "GET", path: `/v1/customers/${CUSTOMER}`, headers: auth() };
    await fuzz(suite.world, "GET /v1/customers/{id}", fc.oneof(
      otherCustomer.map((id): Case => ({ ...target, path: `/v1/customers/${id}`, label: "another customer" })),
      badCustomerId.map((id): Case => ({ ...target, path: `/v1/customers/${encode(id)}`, status: 400, errorPath: "customerId", label: "bad customer id" })),
      authCases(target, suite.world.shop),
    ), 120);
  }, 60_000);

  it("GET /v1/customers?phone=|email=", async () => {
    const endpoint = "GET /v1/customers?phone=|email=";
    const target: Target = { method: "GET", path: `/v1/customers?phone=${encode(PHONE)}`, headers: auth() };
    const query = (q: string, extra: Partial<Case> = {}): Case => ({ ...target, path: `/v1/customers?${q}`, label: `?${q.slice(0, 60)}`, ...extra });
    await fuzz(suite.world, endpoint, fc.oneof(
      fc.constantFrom("", "phone=&email=", `phone=${encode(PHONE)}&email=anna%40example.ru`, "foo=bar", "__proto__=1", "constructor[prototype]=1").map((q) => query(q)),
      fc.constantFrom("phone", "email").chain((kind) => fc.oneof(
        anyText.filter((s) => s !== PHONE).map((s) => query(`${kind}=${encode(s)}`)),
        tooLong(kind === "phone" ? 64 : 320).map((s) => query(`${kind}=${encode(s)}`, { status: 400, errorPath: kind })),
        fc.constant(query(`${kind}=1&${kind}=2`, { status: 400, errorPath: kind })),
        fc.constantFrom("%ZZ", "%E0%A4%A", "%ED%A0%80", "%00", "%27%20OR%201%3D1%20--").map((raw) => query(`${kind}=${raw}`)),
      )),
      authCases(target, suite.world.shop),
    ), 150);
  }, 60_000);

  it("GET /v1/customers/{id}/history", async () => {
    const endpoint = "GET /v1/customers/{id}/history";
    const target: Target = { method: "GET", path: `/v1/customers/${CUSTOMER}/history`, headers: auth() };
    const page = (q: string, extra: Partial<Case>): Case => ({ ...target, path: `${target.path}?${q}`, label: `?${q.slice(0, 60)}`, ...extra });
    await fuzz(suite.world, endpoint, fc.oneof(
      badHistoryLimit.map((s) => page(`limit=${encode(s)}`, { status: 400, errorPath: "limit" })),
      badHistoryCursor.map((s) => page(`cursor=${encode(s)}`, { status: 400, errorPath: "cursor" })),
      fc.constant(page("limit=1&limit=2", { status: 400, errorPath: "limit" })),
      otherCustomer.map((id): Case => ({ ...target, path: `/v1/customers/${id}/history`, label: "another customer" })),
      authCases(target, suite.world.shop),
    ), 150);
  }, 60_000);

  it("POST /v1/customers/{id}/adjustments", async () => {
    const endpoint = "POST /v1/customers/{id}/adjustments";
    const target: Target = { method: "POST", path: `/v1/customers/${CUSTOMER}/adjustments`, headers: auth() };
    const base = { id: "adj-fuzz", points: 5, reason: "fuzz" };
    const fields: Field[] = [
      { at: ["id"], bad: fc.oneof(notAString, fc.constant<unknown>(null), tooLong(200), anyText.filter((s) => !ID_PATTERN.test(s))), required: true },
      { at: ["points"], bad: fc.oneof(badInt(-1e15, 1e15), fc.constantFrom<unknown>(0, new Raw("-0"), new Raw("0.0"), new Raw("0e10"))), required: true },
      { at: ["reason"], bad: fc.oneof(badText(500), blank) },
    ];
    const spec = { base, fields, strict: [{ at: [], known: Object.keys(base) }], status: 400, code: "invalid_request" };
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 5, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, base) },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, base) },
      { weight: 1, arbitrary: otherCustomer.map((id): Case => ({ ...target, path: `/v1/customers/${id}/adjustments`, body: base, label: "another customer" })) },
    ), 200);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);
});
