/**
 * The fuzz suites' harness. A world — a shop with a program (bonuses, a reward), a customer with points, a coupon,
 * a confirmed order with a return and a pending order holding points, and a member who joined through the widget
 * (a customer token, points, a coupon) — and its fingerprint: every row the shop's object and both customers'
 * accounts hold, and the customer's account read through the API.
 * Every case must answer a JSON 4xx with `error.code`, a string `error.message` (never a stack trace) and, where a
 * field is named, that `error.path`; a 429 carries `Retry-After`; afterwards the fingerprint must be what it was.
 * Widget cases (`/v1/public/…`) start with the shop's rate limits cleared and, where they send `FRESH_IP`, from
 * an address no other case used, so that limits only answer where a case means them to.
 *
 *   FUZZ_SEED=<n>   another seed (default 20261123); a failure prints the seed and path that replay it
 *   FUZZ_RUNS=<n>   cases per property (defaults are sized to keep the folder well under 40 s)
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, expect, inject } from "vitest";
import { formatPath } from "../../engine/host/validate/problems.ts";
import { resetClock, setClock } from "../../worker/lib/clock.ts";
import { freshIp, ORIGIN, register } from "../../worker/http/public/test-helpers.ts";
import { call, createShop, program, send, type TestShop } from "../../worker/test-support.ts";
import { toJson } from "./hostile.ts";
import { rowsOf } from "../security/support.ts";

declare module "vitest" {
  interface ProvidedContext {
    fuzzSeed: string;
    fuzzRuns: string;
  }
}

export const SEED = Number(inject("fuzzSeed") || 20261123);
const RUNS = Number(inject("fuzzRuns") || 0);

/** Cases per property: `FUZZ_RUNS` when set, else the suite's default. */
export const runs = (fallback: number) => (RUNS > 0 ? RUNS : fallback);

/** Tests live in 2030 with the clock fixed: no hold lapses and no point expires while they run. */
export const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);

export const CUSTOMER = "c1";
export const PHONE = "+79990001122";
/** The widget member's phone. */
export const MEMBER_PHONE = "+79990003344";
export const CONFIRMED = "o1";
export const PENDING = "o2";
export const line = (id: string, price: number, qty = 1) => ({ id, sku: `sku-${id}`, categories: ["coffee"], price, qty });
export const REWARD_ID = "coupon-20";
export { ORIGIN };
/** A header value `runCase` replaces with a client IP (CF-Connecting-IP) that no other case used. */
export const FRESH_IP = "<fresh ip>";

export interface World {
  shop: TestShop;
  /** Another shop's secret key: valid, but not for this shop. */
  otherKey: string;
  /** That other shop (its storefront origin is the same; it has no program). */
  other: TestShop;
  /** A member who joined through the widget: a customer token the API issued, 200 points, a coupon. */
  member: { id: string; token: string; phone: string };
  fingerprint: () => Promise<string>;
  initial: string;
}

async function ok(response: Response | Promise<Response>, status: number): Promise<void> {
  const r = await response;
  if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status}: ${await r.text()}`);
}

/** Builds the world the cases aim at. Any case that slipped through validation would move its fingerprint. */
export async function buildWorld(): Promise<World> {
  setClock(T0);
  const shop = await createShop();
  const other = await createShop();
  const token = shop.secretKey;
  const program_ = program({
    points: { value: 100, expiryDays: 365 },
    bonuses: { welcome: { points: 500 }, review: 50, rating: 10, birthday: { points: 500, daysBefore: 3, daysAfter: 7 } },
    rewards: [{ id: REWARD_ID, name: "−20% on an item", cost: 300, coupon: { discountBps: 2000, target: "item", validDays: 30 } }],
  });
  await ok(send("PUT", "/v1/program", { token, body: program_ }), 200);
  await ok(send("PUT", `/v1/customers/${CUSTOMER}`, { token, body: { name: "Anna", phone: PHONE, email: "anna@example.ru" } }), 201);
  await ok(send("POST", `/v1/customers/${CUSTOMER}/adjustments`, { token, body: { id: "seed", points: 1000 } }), 201);
  const lines = [line("1", 100_000, 2), line("2", 5_000)];
  await ok(send("POST", "/v1/orders", { token, body: { orderId: CONFIRMED, customerId: CUSTOMER, redeemPoints: 100, lines } }), 201);
  await ok(send("POST", `/v1/orders/${CONFIRMED}/confirm`, { token }), 200);
  await ok(send("POST", `/v1/orders/${CONFIRMED}/returns`, { token, body: { returnId: "r1", lines: [{ id: "1", qty: 1 }] } }), 200);
  await ok(send("POST", "/v1/orders", { token, body: { orderId: PENDING, customerId: CUSTOMER, redeemPoints: 50, lines } }), 201);
  await ok(send("POST", `/v1/customers/${CUSTOMER}/rewards/${REWARD_ID}`, { token, headers: { "idempotency-key": "fuzz-c1" } }), 201);
  await ok(send("POST", `/v1/customers/${CUSTOMER}/events`, { token, body: { id: "ev-seed", type: "review" } }), 201);
  // A widget member: 500 welcome points, 300 of them spent on a coupon.
  const joined = await register(shop, { phone: MEMBER_PHONE });
  const member = { id: joined.customer.id, token: joined.token!, phone: MEMBER_PHONE };
  const widgetHeaders = { "x-publishable-key": shop.publishableKey, origin: ORIGIN, "cf-connecting-ip": freshIp(), "idempotency-key": "fuzz-member" };
  await ok(send("POST", `/v1/public/me/rewards/${REWARD_ID}`, { token: member.token, headers: widgetHeaders }), 201);

  // Every row the shop's object and both customers' accounts hold (a write that slipped through shows there even
  // where no read of the API would show it), and the account as the API shows it.
  const objects = [
    storage(env.SHOP.getByName(shop.shopId), ["verifications"]),
    storage(env.CUSTOMER_ACCOUNT.getByName(`${shop.shopId}:${CUSTOMER}`)),
    storage(env.CUSTOMER_ACCOUNT.getByName(`${shop.shopId}:${member.id}`)),
  ];
  const reads = [`/v1/customers/${CUSTOMER}`];
  const fingerprint = async () => {
    const texts = await Promise.all([
      ...reads.map(async (path) => {
        const response = await send("GET", path, { token });
        return `${path} ${response.status} ${await response.text()}`;
      }),
      ...objects.map((dump) => dump()),
    ]);
    return texts.join("\n");
  };
  const initial = await fingerprint();
  expect(initial).not.toMatch(/ [45]\d\d /); // every read of the world succeeds
  return { shop, otherKey: other.secretKey, other, member, fingerprint, initial };
}

/**
 * Every row of every table of a Durable Object, in a stable order: a write that slipped through shows here even
 * where no read of the API would show it (a customer registered, a contact claimed, an idempotency record).
 * `skip`: tables a refused request may rightly change (wrong verification codes count against the code).
 */
function storage(stub: DurableObjectStub, skip: readonly string[] = []): () => Promise<string> {
  return async () => `${stub.id.toString().slice(0, 8)} ${(await rowsOf(stub, skip)).replaceAll("\n", "\n  ")}`;
}

/** Forgets what the shop's rate limiter counted: widget cases start from no limits unless they mean them. */
async function clearRateLimits(shopId: string): Promise<void> {
  await runInDurableObject(env.RATE_LIMITER.getByName(shopId), (_instance, state) => {
    state.storage.sql.exec("DELETE FROM hits");
  });
}

/** One hostile request and what its answer must say. */
export interface Case {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** A value (serialised with `toJson`), raw text, or a stream. */
  body?: unknown;
  raw?: string | ReadableStream<Uint8Array>;
  /** The one status allowed; any 4xx when absent. */
  status?: number;
  code?: string;
  /** The field the answer must name (`null`: must name none). */
  errorPath?: string | null;
  /** The Access-Control-Allow-Origin the answer must carry (`null`: none). */
  cors?: string | null;
  /** Widget cases: keep what earlier cases counted against the rate limits (rate-limit cases). */
  keepLimits?: boolean;
  label: string;
}

const counts = new Map<string, number>();

/** Sends a case and checks its answer; then the world must be unchanged. */
export async function runCase(world: World, endpoint: string, c: Case): Promise<void> {
  counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
  setClock(T0);
  if (c.path.startsWith("/v1/public/") && !c.keepLimits) await clearRateLimits(world.shop.shopId);
  const headers = new Headers(c.headers);
  if (headers.get("cf-connecting-ip") === FRESH_IP) headers.set("cf-connecting-ip", freshIp());
  let body: BodyInit | undefined = c.raw;
  if (c.body !== undefined) body = toJson(c.body);
  if (body !== undefined && !headers.has("content-type") && !("content-type" in (c.headers ?? {}))) headers.set("content-type", "application/json");
  const response = await call(c.path, { method: c.method, headers, body, ...(body instanceof ReadableStream ? { duplex: "half" } : {}) } as RequestInit);
  const text = await response.text();
  const where = `${c.label}: ${c.method} ${c.path.slice(0, 120)} → ${response.status} ${text.slice(0, 300)}`;
  expect(response.status, where).toBeGreaterThanOrEqual(400);
  expect(response.status, where).toBeLessThan(500);
  if (c.status !== undefined) expect(response.status, where).toBe(c.status);
  expect(response.headers.get("content-type"), where).toMatch(/^application\/json/);
  const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; path?: unknown } };
  expect(Object.keys(parsed), where).toEqual(["error"]);
  const error = parsed.error!;
  expect(typeof error.code, where).toBe("string");
  expect(error.code, where).toMatch(/^[a-z_]+$/);
  if (c.code !== undefined) expect(error.code, where).toBe(c.code);
  expect(typeof error.message, where).toBe("string");
  expect(error.message as string, where).not.toMatch(/\n\s+at |\.ts:\d+|node_modules/);
  if (c.errorPath === null) expect(error.path, where).toBeUndefined();
  else if (c.errorPath !== undefined) expect(error.path, where).toBe(c.errorPath);
  if (c.cors !== undefined) expect(response.headers.get("access-control-allow-origin"), `${where}\nAccess-Control-Allow-Origin`).toBe(c.cors);
  if (response.status === 429) {
    const retryAfter = response.headers.get("retry-after");
    expect(retryAfter, `${where}\nRetry-After`).toMatch(/^[1-9]\d*$/);
    expect((error as { retryAfterSeconds?: unknown }).retryAfterSeconds, where).toBe(Number(retryAfter));
  }
  expect(await world.fingerprint(), `${where}\nchanged the world`).toBe(world.initial);
}

/** Runs a property over generated cases for one endpoint with the suite's seed. */
export async function fuzz(world: World, endpoint: string, cases: fc.Arbitrary<Case>, numRuns: number): Promise<void> {
  await fc.assert(fc.asyncProperty(cases, (c) => runCase(world, endpoint, c)), { seed: SEED, numRuns: runs(numRuns), endOnFailure: true });
}

/** Runs fixed cases (10 MB bodies…) for one endpoint. */
export async function each(world: World, endpoint: string, cases: readonly Case[]): Promise<void> {
  for (const c of cases) await runCase(world, endpoint, c);
}

/** Prints how many cases ran per endpoint (the figure the README quotes). */
export function reportCounts(suite: string): void {
  const rows = [...counts].map(([endpoint, n]) => `  ${endpoint.padEnd(44)} ${String(n).padStart(6)}`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz ${suite} (seed ${SEED}): cases per endpoint\n${rows.join("\n")}\n  ${"total".padEnd(44)} ${String(total).padStart(6)}`);
}

export { formatPath };

// ——— Builders of cases shared by the endpoint suites ———

/** A field of a body: where it sits, and what it must refuse. */
export interface Field {
  at: (string | number)[];
  bad: fc.Arbitrary<unknown>;
  required?: boolean;
}

function setAt(body: unknown, at: readonly (string | number)[], value: unknown, remove = false): unknown {
  if (at.length === 0) return value;
  const [head, ...rest] = at as [string | number, ...(string | number)[]];
  if (Array.isArray(body)) {
    const copy = [...body];
    copy[head as number] = setAt(copy[head as number], rest, value, remove);
    return copy;
  }
  const entries = Object.entries(body as Record<string, unknown>).filter(([k]) => !(remove && rest.length === 0 && k === head));
  const out = Object.fromEntries(entries.map(([k, v]) => [k, k === head && rest.length > 0 ? setAt(v, rest, value, remove) : v]));
  if (!remove && rest.length === 0) out[head] = value;
  return out;
}

export interface BodyCases {
  /** A valid body aimed at the world: if a mutation slipped through, the fingerprint would move. */
  base: unknown;
  fields: readonly Field[];
  /** Objects of the body that are strict, by path, with their known keys. */
  strict: readonly { at: (string | number)[]; known: readonly string[] }[];
  /** The status of a field at fault (400, or 422 for the program). */
  status: number;
  code: string;
}

export interface Target {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** A field replaced by a value it must refuse, a required field left out, an unknown field added. */
export function bodyCases(target: Target, spec: BodyCases, unknownKey: (known: readonly string[]) => fc.Arbitrary<string>, anyValue: fc.Arbitrary<unknown>): fc.Arbitrary<Case> {
  const { method, path, headers } = target;
  const wrong = fc.constantFrom(...spec.fields).chain((field) =>
    field.bad.map((value): Case => ({
      method, path, headers, body: setAt(spec.base, field.at, value), status: spec.status, code: spec.code,
      errorPath: formatPath(field.at), label: `bad ${formatPath(field.at)}`,
    })));
  const required = spec.fields.filter((f) => f.required);
  const missing = fc.constantFrom(...(required.length > 0 ? required : spec.fields)).map((field): Case => ({
    method, path, headers, body: setAt(spec.base, field.at, undefined, true), status: spec.status, code: spec.code,
    errorPath: field.required ? formatPath(field.at) : undefined, label: `missing ${formatPath(field.at)}`,
  }));
  const extra = fc.constantFrom(...spec.strict).chain((object) =>
    fc.tuple(unknownKey(object.known), anyValue).map(([key, value]): Case => ({
      method, path, headers, status: spec.status, code: spec.code,
      // A computed key is an own entry, even `__proto__`.
      body: setAt(spec.base, object.at, { ...objectFrom(spec.base, object.at), [key]: value }),
      errorPath: formatPath([...object.at, key]), label: `unknown ${formatPath([...object.at, key])}`,
    })));
  return required.length > 0 ? fc.oneof(wrong, missing, extra) : fc.oneof({ weight: 2, arbitrary: wrong }, { weight: 1, arbitrary: extra });
}

function objectFrom(body: unknown, at: readonly (string | number)[]): Record<string, unknown> {
  let value = body;
  for (const key of at) value = (value as Record<string | number, unknown>)[key];
  return value as Record<string, unknown>;
}


/**
 * A suite's world: built before its cases, the clock reset and the case counts reported after. Read `world`
 * inside tests only (it is set by `beforeAll`).
 */
export function fuzzSuite(suite: string): { readonly world: World; auth(): Record<string, string> } {
  let built: World | undefined;
  beforeAll(async () => {
    built = await buildWorld();
  }, 30_000);
  afterAll(() => {
    resetClock();
    reportCounts(suite);
  });
  return {
    get world(): World {
      if (!built) throw new Error("the fuzz world is built in beforeAll: read it inside a test");
      return built;
    },
    auth: () => ({ authorization: `Bearer ${built!.shop.secretKey}` }),
  };
}
