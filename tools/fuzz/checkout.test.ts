/**
 * Fuzzing the checkout routes (docs/api.md "Checkout"): quote, place, confirm, cancel, return, read an order.
 * See harness.ts for the properties, the seed and FUZZ_RUNS.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { bodyCases, CONFIRMED, CUSTOMER, each, fuzz, line, PENDING, type Case, type Field, type Target, fuzzSuite } from "./harness.ts";
import { anyText, anyValue, badInt, badText, notARealInstant, notAString, outOfRangeInstant, Raw, subtotalJustOver, tooLargeToStore, unknownKey } from "./hostile.ts";
import { authCases, oversizedCases, pathSegment, wholeBodyCases } from "./requests.ts";

const suite = fuzzSuite("checkout");
const auth = suite.auth;
const badInstant = fc.oneof(
  notAString,
  fc.constantFrom("yesterday", "2026-02-30T10:00:00Z", "2026-11-23T10:15:00", "2026-11-23t10:15:00z", "2026-11-23T24:00:00Z", "2026-11-23T10:15:00+24:00", "NaN", "' OR 1=1 --", "", "1e308"),
  anyText.filter((s) => !/^\d{4}-/.test(s)),
  // Dates as a class: years 0000–0099, before 2000, 2100–9999, leap days, offsets across the bounds.
  outOfRangeInstant,
  notARealInstant,
);
const badRedeem = fc.oneof(badInt(0, 1e15), fc.constantFrom("MAX", "Max", " max", "max ", "all", "∞"));

const receiptFields: Field[] = [
  { at: ["customerId"], bad: badText(200, { nullable: false }) },
  { at: ["store"], bad: badText(200) },
  { at: ["at"], bad: badInstant },
  { at: ["lines"], bad: fc.constantFrom<unknown>([], null, "lines", {}, 1, true, new Raw('{"__proto__":[]}'), Array.from({ length: 1001 }, (_, i) => line(String(i), 1))), required: true },
  // Receipts at the limits: too large to store as an order (docs/api.md "Sizes"), or a subtotal just over 10^13.
  { at: ["lines"], bad: fc.oneof(tooLargeToStore, subtotalJustOver) },
  { at: ["lines", 0], bad: fc.constantFrom<unknown>(null, 1, "line", [], true, new Raw("[[[[[[]]]]]]")) },
  { at: ["lines", 0, "id"], bad: badText(200), required: true },
  { at: ["lines", 0, "sku"], bad: badText(200) },
  { at: ["lines", 0, "categories"], bad: fc.constantFrom<unknown>("coffee", 1, null, {}, Array.from({ length: 51 }, (_, i) => `c${i}`)) },
  { at: ["lines", 0, "categories", 0], bad: badText(200) },
  { at: ["lines", 0, "tags"], bad: fc.constantFrom<unknown>("promo", null, {}) },
  { at: ["lines", 0, "tags", 0], bad: badText(200) },
  { at: ["lines", 0, "price"], bad: badInt(0, 1e12), required: true },
  { at: ["lines", 0, "qty"], bad: badInt(1, 1e6), required: true },
  { at: ["lines", 1, "price"], bad: badInt(0, 1e12) },
  { at: ["shipping"], bad: badInt(0, 1e12) },
  { at: ["codes"], bad: fc.constantFrom<unknown>("SPRING10", null, {}, Array.from({ length: 21 }, (_, i) => `C${i}`)) },
  { at: ["codes", 0], bad: badText(200) },
  { at: ["redeemPoints"], bad: badRedeem },
];
const RECEIPT_KEYS = ["customerId", "store", "at", "lines", "shipping", "codes", "redeemPoints"];
const LINE_KEYS = ["id", "sku", "categories", "tags", "price", "qty"];
/**
 * The classes at the edges, each drawn often (a field among twenty would be drawn rarely): instants outside
 * 2000-01-01 … 2100-01-01 or of no calendar (400 naming at), receipts at the size limits that are too large to
 * store as an order, subtotals just over 10^13 (400 naming lines). Nothing may change.
 */
const edgeCases = (target: Target, base: Record<string, unknown>) => fc.oneof(
  fc.oneof(outOfRangeInstant, notARealInstant).map((at): Case => ({ ...target, body: { ...base, at }, status: 400, code: "invalid_request", errorPath: "at", label: `at ${at}` })),
  tooLargeToStore.map((lines): Case => ({ ...target, body: { ...base, lines }, status: 400, code: "invalid_request", errorPath: "lines", label: "too large to store" })),
  subtotalJustOver.map((lines): Case => ({ ...target, body: { ...base, lines }, status: 400, code: "invalid_request", errorPath: "lines", label: "subtotal over 10^13" })),
);
const receipt = () => ({
  customerId: CUSTOMER, redeemPoints: 10, codes: ["NO-SUCH-CODE"], lines: [{ ...line("1", 100_000, 2), tags: ["promo"] }, line("2", 5_000)],
});

describe("fuzz: checkout", () => {
  it("POST /v1/checkout/quote", async () => {
    const target: Target = { method: "POST", path: "/v1/checkout/quote", headers: auth() };
    const spec = { base: receipt(), fields: receiptFields, strict: [{ at: [], known: RECEIPT_KEYS }, { at: ["lines", 0], known: LINE_KEYS }], status: 400, code: "invalid_request" };
    await fuzz(suite.world, target.method + " " + target.path, fc.oneof(
      { weight: 4, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, spec.base) },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, spec.base) },
      { weight: 1, arbitrary: edgeCases(target, spec.base) },
    ), 200);
    await each(suite.world, target.method + " " + target.path, oversizedCases(target));
  }, 60_000);

  it("POST /v1/orders", async () => {
    const target: Target = { method: "POST", path: "/v1/orders", headers: auth() };
    const base = { orderId: "o-fuzz", ...receipt() };
    const fields: Field[] = [
      { at: ["orderId"], bad: badText(200), required: true },
      { at: ["quoteId"], bad: badText(200) },
      { at: ["holdMinutes"], bad: badInt(1, 1440) },
      ...receiptFields,
    ];
    // An order needs its customer: leaving customerId out is refused by the route, naming it.
    const missingCustomer = fc.constant<Case>({ ...target, body: { ...base, customerId: undefined }, status: 400, errorPath: "customerId", label: "no customerId" });
    const spec = { base, fields, strict: [{ at: [], known: ["orderId", "quoteId", "holdMinutes", ...RECEIPT_KEYS] }, { at: ["lines", 0], known: LINE_KEYS }], status: 400, code: "invalid_request" };
    await fuzz(suite.world, target.method + " " + target.path, fc.oneof(
      { weight: 6, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, base) },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, base) },
      { weight: 1, arbitrary: missingCustomer },
      { weight: 1, arbitrary: edgeCases(target, base) },
    ), 250);
    await each(suite.world, target.method + " " + target.path, oversizedCases(target));
  }, 60_000);

  /** Another order id than the world's: 404 (or 400 past 200 characters), whatever the body. */
  const unknownOrder = pathSegment.filter((s) => {
    try {
      return ![CONFIRMED, PENDING].includes(decodeURIComponent(s));
    } catch {
      return true;
    }
  });

  for (const action of ["confirm", "cancel"] as const) {
    it(`POST /v1/orders/{id}/${action}`, async () => {
      const endpoint = `POST /v1/orders/{id}/${action}`;
      const onPending: Target = { method: "POST", path: `/v1/orders/${PENDING}/${action}`, headers: auth() };
      await fuzz(suite.world, endpoint, fc.oneof(
        unknownOrder.map((id): Case => ({ method: "POST", path: `/v1/orders/${id}/${action}`, headers: auth(), label: "unknown order" })),
        authCases(onPending, suite.world.shop),
        // The other shop's valid key on this shop's order: its order index has no such order.
        fc.constant<Case>({ ...onPending, headers: { authorization: `Bearer ${suite.world.otherKey}` }, status: 404, code: "not_found", label: "other shop's key" }),
      ), 120);
    }, 60_000);
  }

  it("POST /v1/orders/{id}/returns", async () => {
    const endpoint = "POST /v1/orders/{id}/returns";
    const target: Target = { method: "POST", path: `/v1/orders/${CONFIRMED}/returns`, headers: auth() };
    const base = { returnId: "r-fuzz", lines: [{ id: "2", qty: 1 }] };
    const fields: Field[] = [
      { at: ["returnId"], bad: badText(200), required: true },
      { at: ["lines"], bad: fc.constantFrom<unknown>([], null, "lines", {}, 1, Array.from({ length: 1001 }, () => ({ id: "2", qty: 1 }))), required: true },
      { at: ["lines", 0], bad: fc.constantFrom<unknown>(null, 1, "line", [], true) },
      { at: ["lines", 0, "id"], bad: badText(200), required: true },
      { at: ["lines", 0, "qty"], bad: badInt(1, 1e6), required: true },
    ];
    const spec = { base, fields, strict: [{ at: [], known: ["returnId", "lines"] }, { at: ["lines", 0], known: ["id", "qty"] }], status: 400, code: "invalid_request" };
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 4, arbitrary: bodyCases(target, spec, unknownKey, anyValue) },
      { weight: 1, arbitrary: wholeBodyCases(target, base) },
      { weight: 1, arbitrary: authCases(target, suite.world.shop, base) },
      { weight: 1, arbitrary: unknownOrder.map((id): Case => ({ ...target, path: `/v1/orders/${id}/returns`, body: base, label: "unknown order" })) },
    ), 200);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);

  it("GET /v1/orders/{id}", async () => {
    const target: Target = { method: "GET", path: `/v1/orders/${CONFIRMED}`, headers: auth() };
    await fuzz(suite.world, "GET /v1/orders/{id}", fc.oneof(
      unknownOrder.map((id): Case => ({ ...target, path: `/v1/orders/${id}`, label: "unknown order" })),
      authCases(target, suite.world.shop),
    ), 120);
  }, 60_000);
});
