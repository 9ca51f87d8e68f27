/**
 * The API benchmark's shop: created through `POST /v1/shops` like any shop, the engine benchmark's 50-campaign
 * program (engine/bench/workload.ts) published with `PUT /v1/program`, and customers with points (`PUT
 * /v1/customers/{id}`, then `POST /v1/customers/{id}/adjustments`), all over HTTP.
 */
import { cart, PROGRAM } from "../../engine/bench/workload.ts";
import type { Receipt } from "../../engine/host/types.ts";
import { signCustomerToken } from "../../worker/lib/tokens.ts";

export interface BenchShop {
  base: string;
  shopId: string;
  secretKey: string;
  publishableKey: string;
  customers: string[];
  hotCustomer: string;
  /** A customer token per customer (signed as a shop's backend signs them), for the widget scenarios. */
  tokens: string[];
}

/** Customers the "many customers" scenarios spread over, and the one the hot scenario hammers. */
export const CUSTOMERS = 200;
const POINTS = 1_000_000;
const HOT_POINTS = 100_000_000;

/** One API call that must succeed: the parsed JSON answer, or an error naming the call and the answer. */
export async function call(base: string, token: string, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as unknown;
}

/** Runs `work` over `items`, `width` at a time. */
export async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/** A new shop (`POST /v1/shops`) with `program` published; its id and secret key. */
export async function createShop(base: string, platformToken: string, name: string, program: unknown): Promise<{ shopId: string; secretKey: string; publishableKey: string }> {
  const shop = (await call(base, platformToken, "POST", "/v1/shops", { name, origins: ["http://127.0.0.1"] })) as
    { shopId: string; secretKey: string; publishableKey: string };
  await call(base, shop.secretKey, "PUT", "/v1/program", program);
  return shop;
}

/** Creates each customer (no contacts) and gives it `points(id)` by an adjustment with the id `bench-seed`. */
export async function seedCustomers(base: string, secretKey: string, ids: string[], points: (id: string) => number): Promise<void> {
  await inParallel(ids, 8, async (id) => {
    await call(base, secretKey, "PUT", `/v1/customers/${id}`, { name: `Customer ${id}`, birthday: "1990-11-26" });
    await call(base, secretKey, "POST", `/v1/customers/${id}/adjustments`, { id: "bench-seed", points: points(id), reason: "benchmark seed" });
  });
}

export async function seedShop(base: string, platformToken: string): Promise<BenchShop> {
  const shop = await createShop(base, platformToken, "Bench shop", PROGRAM);
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `bench-${String(i + 1).padStart(4, "0")}`);
  const hotCustomer = "bench-hot";
  await seedCustomers(base, shop.secretKey, [...customers, hotCustomer], (id) => (id === hotCustomer ? HOT_POINTS : POINTS));
  const exp = Math.floor(Date.now() / 1000) + 24 * 60 * 60;
  const tokens = await Promise.all(customers.map((id) => signCustomerToken(shop.secretKey, id, exp)));
  return { base, shopId: shop.shopId, secretKey: shop.secretKey, publishableKey: shop.publishableKey, customers, hotCustomer, tokens };
}

/**
 * The engine benchmark's cart of `lines` lines for `customerId`: Tuesday lunchtime with the code `autumn10`,
 * shipping and `redeemPoints: "max"`. Orders leave `at` out (placed now, as a checkout does).
 */
export function cartFor(lines: number, customerId: string, withAt: boolean): Receipt {
  const receipt = { ...cart(lines), customerId };
  if (!withAt) delete (receipt as Partial<Receipt>).at;
  return receipt;
}
