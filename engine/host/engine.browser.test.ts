/**
 * The engine host in a real browser (Chromium, through @web/test-runner; `npm run test:browser`).
 * Proves that `engine/host/index.ts` runs unchanged there: the Wasm is fetched over HTTP, compiled by
 * `initEngine` and driven by the same host code as in the Worker and in Node, with the same results.
 *
 * Mocha (wtr's default framework) provides `describe`, `it` and `before` as globals; they are declared
 * below so that this file typechecks with the rest of engine/; assertions are engine/test/assert.ts.
 */
import {
  createEngine,
  engineReady,
  initEngine,
  ProgramInvalidError,
  ReceiptInvalidError,
  type CustomerSnapshot,
  type Evaluation,
  type Program,
  type Receipt,
} from "./index.ts";
import { deepEqual, fail, ok } from "../test/assert.ts";

declare function describe(name: string, body: () => void): void;
declare function it(name: string, body: () => void | Promise<void>): void;
declare function before(body: () => void | Promise<void>): void;

// ---- assertions (engine/test/assert.ts) ----------------------------------------------------------

function throwsError<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    if (error instanceof type) return error;
    fail(`expected ${type.name}, got ${String(error)}`);
  }
  fail(`expected ${type.name}, nothing was thrown`);
}

// ---- inputs --------------------------------------------------------------------------------------

const WASM_URL = new URL("../build/release.wasm", import.meta.url);

/** 1 point = 1.00 RUB; 10% of what is paid comes back as points; points pay at most 30%. */
const PROGRAM: Program = {
  currency: "RUB",
  timezone: "Europe/Moscow",
  points: { value: 100 },
  earn: { rateBps: 1000 },
  redeem: { maxShareBps: 3000 },
};

const WITH_COFFEE_CAMPAIGN: Program = {
  ...PROGRAM,
  campaigns: [{ id: "coffee-10", target: { categories: ["coffee"] }, effect: { discountBps: 1000 } }],
};

const AT = "2026-11-23T10:15:00+03:00";

function receipt(price: number, qty = 1): Receipt {
  return { at: AT, lines: [{ id: "1", sku: "SKU-1", price, qty }] };
}

const COFFEE_RECEIPT: Receipt = {
  at: AT,
  lines: [
    { id: "1", sku: "COFFEE-ETH-250", categories: ["coffee"], price: 89900, qty: 3 },
    { id: "2", sku: "COFFEE-KEN-250", categories: ["coffee"], price: 12345, qty: 1 },
    { id: "3", sku: "MUG-350", categories: ["accessories"], price: 59000, qty: 1 },
  ],
  shipping: 30000,
  redeemPoints: "max",
};

const COFFEE_CUSTOMER: CustomerSnapshot = { balance: 500, spend: 0, orders: 2, member: true };

/**
 * The evaluation Node computes for WITH_COFFEE_CAMPAIGN × COFFEE_RECEIPT × COFFEE_CUSTOMER, pasted from
 * `npx kopilka quote --program … --receipt … --customer …` (the same inputs written to JSON files) and
 * checked by hand against the spec: coffee lines −10% (26970, and 1234 = ⌊1234.5⌋); 500 points = 50000
 * paid, allocated by largest remainder over the remaining amounts; earning 10% of what is left after
 * points = 262.841 → 262 points, the extra whole point to line 1 (largest remainder).
 */
const NODE_EVALUATION: Evaluation = {
  subtotal: 341045,
  discount: 28204,
  pointsSpent: 500,
  pointsSpentAmount: 50000,
  maxRedeemablePoints: 500,
  shipping: 30000,
  total: 292841,
  pointsEarned: 262,
  freeShipping: false,
  lines: [
    {
      id: "1",
      amount: 269700,
      discount: 26970,
      discounts: [{ campaign: "coffee-10", amount: 26970 }],
      pointsPaid: 38794,
      pointsEarned: 204,
    },
    {
      id: "2",
      amount: 12345,
      discount: 1234,
      discounts: [{ campaign: "coffee-10", amount: 1234 }],
      pointsPaid: 1776,
      pointsEarned: 9,
    },
    { id: "3", amount: 59000, discount: 0, discounts: [], pointsPaid: 9430, pointsEarned: 49 },
  ],
  campaigns: [{ id: "coffee-10", discount: 28204, points: 0 }],
  earned: [{ source: "purchase", points: 262 }],
  nudges: [],
  customer: { id: null, tier: null, balance: 500 },
};

// ---- tests ---------------------------------------------------------------------------------------

describe("engine host in the browser", () => {
  before(async () => {
    const response = fetch(WASM_URL);
    const status = (await response).status;
    ok(status === 200, `GET ${WASM_URL.pathname} answered ${status}: run \`npm run build:engine\` first`);
    await initEngine(response); // a PromiseLike<Response>, as a page would pass it
    ok(engineReady(), "initEngine did not register the module");
  });

  it("runs in Chromium, not in Node", () => {
    ok(/Chrome\//.test(navigator.userAgent), `unexpected user agent ${navigator.userAgent}`);
    ok(typeof (globalThis as { process?: unknown }).process === "undefined", "a Node `process` global exists");
  });

  it("earns 10% in points: 1 000.00 RUB → 100, 2 499.00 RUB → 249", () => {
    const engine = createEngine(PROGRAM);
    const thousand = engine.quote(receipt(100000));
    deepEqual(thousand.pointsEarned, 100);
    deepEqual(thousand.total, 100000);
    deepEqual(thousand.lines[0]?.pointsEarned, 100);
    deepEqual(engine.quote(receipt(249900)).pointsEarned, 249);
    deepEqual(engine.quote(receipt(83300, 3)).pointsEarned, 249);
  });

  it("applies a 10% campaign on coffee with the exact discount", () => {
    const evaluation = createEngine(WITH_COFFEE_CAMPAIGN).quote(COFFEE_RECEIPT);
    deepEqual(
      evaluation.lines.map((line) => line.discount),
      [26970, 1234, 0],
    );
    deepEqual(evaluation.discount, 28204);
    deepEqual(evaluation.campaigns, [{ id: "coffee-10", discount: 28204, points: 0 }]);
    // A new customer has no balance: nothing paid with points; 10% of 312841 = 312.841 points → 312.
    deepEqual(evaluation.pointsSpent, 0);
    deepEqual(evaluation.pointsEarned, 312);
  });

  it("gives the same evaluation as Node for the same input", () => {
    const evaluation = createEngine(WITH_COFFEE_CAMPAIGN).quote(COFFEE_RECEIPT, COFFEE_CUSTOMER);
    // Through JSON, as the API and the CLI hand it on.
    deepEqual(JSON.parse(JSON.stringify(evaluation)), NODE_EVALUATION);
  });

  it("throws ReceiptInvalidError with the path of a bad price", () => {
    const engine = createEngine(PROGRAM);
    const error = throwsError(() => engine.quote(receipt(-1)), ReceiptInvalidError);
    deepEqual(error.name, "ReceiptInvalidError");
    ok(
      error.problems.some((p) => p.path === "lines[0].price"),
      `no problem at lines[0].price: ${JSON.stringify(error.problems)}`,
    );
    // The engine is still usable after an invalid receipt.
    deepEqual(engine.quote(receipt(100000)).pointsEarned, 100);
  });

  it("throws ProgramInvalidError listing every problem", () => {
    const bad = { ...PROGRAM, points: { value: 0 }, earn: { rateBps: 20000 } };
    const error = throwsError(() => createEngine(bad), ProgramInvalidError);
    deepEqual(error.name, "ProgramInvalidError");
    deepEqual(
      error.problems.map((p) => p.path).sort(),
      ["earn.rateBps", "points.value"],
    );
  });

  it("initEngine also accepts a Response and raw bytes", async () => {
    const bytes = await (await fetch(WASM_URL)).arrayBuffer();
    await initEngine(new Uint8Array(bytes));
    deepEqual(createEngine(PROGRAM).quote(receipt(100000)).pointsEarned, 100);
    await initEngine(await fetch(WASM_URL));
    deepEqual(createEngine(PROGRAM).quote(receipt(249900)).pointsEarned, 249);
  });
});
