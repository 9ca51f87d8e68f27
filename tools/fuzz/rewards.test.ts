/**
 * Fuzzing the routes of events, rewards and coupons (docs/api.md "Customers"): bonuses for events, rewards redeemed
 * for coupons, a customer's coupons. See harness.ts for the properties, the seed and FUZZ_RUNS.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { bodyCases, CUSTOMER, each, fuzz, fuzzSuite, REWARD_ID, type Case, type Field, type Target } from "./harness.ts";
import { anyText, anyValue, badInt, badText, notAString, Raw, tooLong, unknownKey } from "./hostile.ts";
import { authCases, encode, oversizedCases, pathSegment, wholeBodyCases } from "./requests.ts";

const suite = fuzzSuite("events, rewards and coupons");
const auth = suite.auth;
const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;
const REWARD_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
const blank = fc.constantFrom(" ", "   ", "\t", "\n", "\u00a0", "\u3000");

/** Customer ids the path refuses (400 naming customerId). */
const badCustomerId = fc
  .oneof(anyText, tooLong(200))
  .filter((s) => s !== "" && wellFormed(s) && !ID_PATTERN.test(s) && !/^\.+$/.test(s));
/** Any id but the world's customers: 404, or 400 when the path refuses it. */
const otherCustomer = () => pathSegment.filter((s) => {
  try {
    const id = decodeURIComponent(s);
    return id !== CUSTOMER && id !== suite.world.member.id;
  } catch {
    return true;
  }
});

describe("fuzz: events, rewards and coupons", () => {
  it("POST /v1/customers/{id}/events", async () => {
    const endpoint = "POST /v1/customers/{id}/events";
    const target: Target = { method: "POST", path: `/v1/customers/${CUSTOMER}/events`, headers: auth() };
    const base = { id: "ev-fuzz", type: "custom", points: 5, reason: "fuzz" };
    const fields: Field[] = [
      { at: ["id"], bad: fc.oneof(notAString, fc.constant<unknown>(null), tooLong(200), anyText.filter((s) => !ID_PATTERN.test(s))), required: true },
      { at: ["type"], bad: fc.oneof(notAString, fc.constant<unknown>(null), fc.constantFrom("Review", "CUSTOM", "birthday ", "purchase", "welcome", ""), anyText), required: true },
      // A custom event needs its points: leaving them out is refused naming them.
      { at: ["points"], bad: fc.oneof(badInt(1, 1e15), fc.constantFrom<unknown>(new Raw("-0"), new Raw("0.0"), -1)), required: true },
      { at: ["reason"], bad: fc.oneof(badText(500), blank) },
    ];
    const spec = { base, fields, strict: [{ at: [], known: Object.keys(base) }], status: 400, code: "invalid_request" };
    const refused = (body: unknown, status: number, code: string, errorPath: string | undefined, label: string): Case =>
      ({ ...target, body, status, code, ...(errorPath === undefined ? {} : { errorPath }), label });
    const business = fc.constantFrom<Case>(
      refused({ id: "ev-f1", type: "review", points: 50 }, 400, "invalid_request", "points", "points on a program bonus"),
      refused({ id: "ev-f2", type: "rating", reason: "great" }, 400, "invalid_request", "reason", "reason on a program bonus"),
      refused({ id: "ev-f3", type: "survey" }, 422, "invalid_state", "type", "a bonus the program does not grant"),
      refused({ id: "ev-f4", type: "birthday" }, 422, "invalid_state", "birthday", "no birthday in the profile"),
      refused({ id: "ev-seed", type: "rating" }, 409, "idempotency_conflict", undefined, "an event id used with another body"),
      refused({ id: "ev-seed", type: "custom", points: 50 }, 409, "idempotency_conflict", undefined, "an event id used with another type"),
    );
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 5, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, base) },
      { weight: 1, arbitrary: business },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, base) },
      { weight: 1, arbitrary: badCustomerId.map((id): Case => ({ ...target, path: `/v1/customers/${encode(id)}/events`, body: base, status: 400, errorPath: "customerId", label: "bad customer id" })) },
      { weight: 1, arbitrary: otherCustomer().map((id): Case => ({ ...target, path: `/v1/customers/${id}/events`, body: base, label: "another customer" })) },
      // The other shop's valid key: this shop's customer is not its customer.
      { weight: 1, arbitrary: fc.constant<Case>({ ...target, headers: { authorization: `Bearer ${suite.world.otherKey}` }, body: base, status: 404, code: "not_found", label: "other shop's key" }) },
    ), 220);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);

  it("POST /v1/customers/{id}/rewards/{rewardId}", async () => {
    const endpoint = "POST /v1/customers/{id}/rewards/{rewardId}";
    const target: Target = { method: "POST", path: `/v1/customers/${CUSTOMER}/rewards/${REWARD_ID}`, headers: auth() };
    const member = suite.world.member.id;
    const badReward = fc.oneof(anyText, tooLong(64)).filter((s) => s !== "" && wellFormed(s) && !REWARD_PATTERN.test(s) && !/^\.+$/.test(s));
    const unknownReward = fc.oneof(fc.constantFrom("NoSuchReward", "coupon-21", "COUPON-20", "__proto__", "constructor", "toString", "a", "-", "."), fc.stringMatching(REWARD_PATTERN))
      .filter((s) => s !== REWARD_ID && !/^\.+$/.test(s));
    await fuzz(suite.world, endpoint, fc.oneof(
      badReward.map((id): Case => ({ ...target, path: `/v1/customers/${CUSTOMER}/rewards/${encode(id)}`, status: 400, errorPath: "rewardId", label: "bad reward id" })),
      unknownReward.map((id): Case => ({ ...target, path: `/v1/customers/${CUSTOMER}/rewards/${id}`, status: 404, code: "not_found", errorPath: "rewardId", label: `no reward ${id}` })),
      badCustomerId.map((id): Case => ({ ...target, path: `/v1/customers/${encode(id)}/rewards/${REWARD_ID}`, status: 400, errorPath: "customerId", label: "bad customer id" })),
      otherCustomer().map((id): Case => ({ ...target, path: `/v1/customers/${id}/rewards/${REWARD_ID}`, label: "another customer" })),
      // The member has 200 points; the reward costs 300.
      fc.constant<Case>({ ...target, path: `/v1/customers/${member}/rewards/${REWARD_ID}`, status: 422, code: "insufficient_points", errorPath: "rewardId", label: "not enough points" }),
      // The key the world used for c1's coupon, on another customer's request: a conflict, never c1's coupon.
      fc.constant<Case>({ ...target, path: `/v1/customers/${member}/rewards/${REWARD_ID}`, headers: { ...auth(), "idempotency-key": "fuzz-c1" }, status: 409, code: "idempotency_conflict", label: "another request's key" }),
      fc.constantFrom("a b", "k".repeat(256), "", "\t", "k\u00ff").map((key): Case => ({ ...target, headers: { ...auth(), "idempotency-key": key }, status: 400, code: "invalid_request", label: "bad Idempotency-Key" })),
      authCases(target, suite.world.shop),
      fc.constant<Case>({ ...target, headers: { authorization: `Bearer ${suite.world.otherKey}` }, status: 404, code: "not_found", label: "other shop's key" }),
    ), 200);
  }, 60_000);

  it("GET /v1/customers/{id}/coupons", async () => {
    const target: Target = { method: "GET", path: `/v1/customers/${CUSTOMER}/coupons`, headers: auth() };
    await fuzz(suite.world, "GET /v1/customers/{id}/coupons", fc.oneof(
      otherCustomer().map((id): Case => ({ ...target, path: `/v1/customers/${id}/coupons`, label: "another customer" })),
      badCustomerId.map((id): Case => ({ ...target, path: `/v1/customers/${encode(id)}/coupons`, status: 400, errorPath: "customerId", label: "bad customer id" })),
      authCases(target, suite.world.shop),
      fc.constant<Case>({ ...target, headers: { authorization: `Bearer ${suite.world.otherKey}` }, status: 404, code: "not_found", label: "other shop's key" }),
    ), 120);
  }, 60_000);
});
