/**
 * Fuzzing shop creation, the shop's settings and the program routes (docs/api.md "Tenants and keys", "Program",
 * worker/http/public/README.md for the settings). A program at fault is 422 program_invalid naming the first
 * problem's field; a request at fault otherwise is 400.
 * See harness.ts for the properties, the seed and FUZZ_RUNS.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { PLATFORM_TOKEN, program } from "../../worker/test-support.ts";
import { bodyCases, each, fuzz, type Case, type Field, type Target, fuzzSuite } from "./harness.ts";
import { anyText, anyValue, badInt, badText, notAString, unknownKey } from "./hostile.ts";
import { authCases, oversizedCases, wholeBodyCases } from "./requests.ts";

const suite = fuzzSuite("shops and program");
const auth = suite.auth;

/** Another valid program than the world's: if a case slipped through, the version would move. */
const base = () => program({ points: { value: 50 }, earn: { rateBps: 500 } });
const programFields: Field[] = [
  { at: ["currency"], bad: fc.oneof(notAString, fc.constantFrom("rub", "RUBLE", "", "R", "₽₽₽", "' OR 1=1 --", "NaN"), anyText.filter((s) => !/^[A-Z]{3}$/.test(s))), required: true },
  { at: ["timezone"], bad: fc.oneof(notAString, fc.constantFrom("+03:00", "Mars/Olympus", "Europe/Moscow\u0000", "", "UTC; DROP TABLE", "../../etc/localtime")), required: true },
  { at: ["points"], bad: fc.constantFrom<unknown>(null, 1, "points", [], true) },
  { at: ["points", "value"], bad: badInt(1, 1e6), required: true },
  { at: ["earn", "rateBps"], bad: badInt(0, 10_000), required: true },
  { at: ["redeem", "maxShareBps"], bad: badInt(0, 10_000), required: true },
];
const strict = [
  { at: [], known: ["currency", "timezone", "status", "points", "earn", "redeem", "tiers", "bonuses", "campaigns", "rewards"] },
  { at: ["points"], known: ["value", "expiryDays", "pendingDays"] },
  { at: ["earn"], known: ["rateBps", "step", "onPointsPaid", "excludeTags"] },
  { at: ["redeem"], known: ["maxShareBps", "minOrder", "excludeTags", "minPoints"] },
];

describe("fuzz: shops and program", () => {
  it("POST /v1/shops", async () => {
    const target: Target = { method: "POST", path: "/v1/shops", headers: { authorization: `Bearer ${PLATFORM_TOKEN}` } };
    const shopBody = { name: "Fuzz shop", origins: ["https://shop.example"] };
    const fields: Field[] = [
      { at: ["name"], bad: badText(200), required: true },
      { at: ["origins"], bad: fc.constantFrom<unknown>("https://shop.example", null, {}, 1, Array.from({ length: 51 }, (_, i) => `https://s${i}.example`)) },
      { at: ["origins", 0], bad: fc.oneof(notAString, fc.constantFrom("shop.example", "javascript:alert(1)", "https://shop.example/path", "https://u:p@shop.example", "file:///etc/passwd", "null", "*", "https://shop.example?x=1", "ftp://shop.example", "")) },
    ];
    const spec = { base: shopBody, fields, strict: [{ at: [], known: ["name", "origins"] }], status: 400, code: "invalid_request" };
    const keys = { secretKey: suite.world.shop.secretKey, publishableKey: suite.world.shop.publishableKey, shopId: suite.world.shop.shopId };
    const idempotencyKey = fc.oneof(fc.constantFrom("", " ", "a b", "k".repeat(256), "\t", "é", "key\u00ff"), fc.string({ minLength: 256, maxLength: 300 }).map((s) => `k${s}k`))
      .map((key): Case => ({ ...target, headers: { ...target.headers, "idempotency-key": key }, body: shopBody, status: 400, label: "bad Idempotency-Key" }));
    // A shop created by a case would not show in the world: these cases are checked for their answers only.
    await fuzz(suite.world, "POST /v1/shops", fc.oneof(
      { weight: 4, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, shopBody) },
      { weight: 2, arbitrary: authCases(target, keys, shopBody).filter((c) => c.headers?.authorization !== `Bearer ${PLATFORM_TOKEN}`) },
      { weight: 1, arbitrary: idempotencyKey },
    ), 150);
    await each(suite.world, "POST /v1/shops", oversizedCases(target));
  }, 60_000);

  for (const [method, path] of [["PUT", "/v1/program"], ["POST", "/v1/program/validate"]] as const) {
    it(`${method} ${path}`, async () => {
      const target: Target = { method, path, headers: auth() };
      const spec = { base: base(), fields: programFields, strict, status: 422, code: "program_invalid" };
      const cases = [
        { weight: 4, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
        { weight: 1, arbitrary: wholeBodyCases(target, base(), 422) },
        { weight: 1, arbitrary: authCases(target, suite.world.shop, base()) },
      ];
      if (method === "PUT") {
        const idempotencyKey = fc.constantFrom("a b", "k".repeat(256), "é", "key\u00ff", "")
          .map((key): Case => ({ ...target, headers: { ...target.headers, "idempotency-key": key }, body: base(), status: 400, code: "invalid_request", label: "bad Idempotency-Key" }));
        cases.push({ weight: 1, arbitrary: idempotencyKey });
      }
      await fuzz(suite.world, `${method} ${path}`, fc.oneof(...cases), 160);
      await each(suite.world, `${method} ${path}`, oversizedCases(target));
    }, 60_000);
  }

  it("GET /v1/shop", async () => {
    const target: Target = { method: "GET", path: "/v1/shop", headers: auth() };
    await fuzz(suite.world, "GET /v1/shop", authCases(target, suite.world.shop), 80);
  }, 60_000);

  it("PATCH /v1/shop", async () => {
    const endpoint = "PATCH /v1/shop";
    const target: Target = { method: "PATCH", path: "/v1/shop", headers: auth() };
    // Every field of the settings at once: a case that slipped through would show in GET /v1/shop.
    const base = { name: "Fuzzed", origins: ["https://fuzz.example"], webhookUrl: "https://hooks.test/fuzz" };
    const fields: Field[] = [
      { at: ["name"], bad: fc.oneof(badText(200), fc.constant<unknown>(null)) },
      { at: ["origins"], bad: fc.constantFrom<unknown>("https://shop.example", null, {}, 1, Array.from({ length: 51 }, (_, i) => `https://s${i}.example`)) },
      { at: ["origins", 0], bad: fc.oneof(notAString, fc.constantFrom("shop.example", "javascript:alert(1)", "https://shop.example/path", "https://u:p@shop.example", "file:///etc/passwd", "null", "*", "https://shop.example?x=1", "ftp://shop.example", "", `https://${"a".repeat(2048)}.example`)) },
      {
        at: ["webhookUrl"],
        bad: fc.oneof(notAString, anyText.filter((s) => !URL.canParse(s)), fc.constantFrom(
          "", "http://hooks.example/x", "ftp://hooks.example", "https://user:pass@hooks.example", "javascript:alert(1)", "file:///etc/passwd",
          "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/", "data:text/plain,x", `https://hooks.example/${"a".repeat(2048)}`,
        )),
      },
    ];
    const spec = { base, fields, strict: [{ at: [], known: Object.keys(base) }], status: 400, code: "invalid_request" };
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 4, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, base) },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, base) },
    ), 160);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);

  it("GET /v1/program", async () => {
    const target: Target = { method: "GET", path: "/v1/program", headers: auth() };
    await fuzz(suite.world, "GET /v1/program", authCases(target, suite.world.shop), 80);
  }, 60_000);
});
