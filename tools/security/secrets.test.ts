/**
 * Secrets never leave where they belong. Through a whole flow — a shop created, its settings, a program, a
 * shopper registering and verifying in the widget, a reward, quotes, an order confirmed, returned and cancelled,
 * events, adjustments, lists, and refusals of near-miss keys and tokens — no answer but the shop's creation holds
 * the secret key or its random part, the deployment's KEY_SEAL_SECRET or the sealed key, and no answer holds a
 * verification code (only the webhook to the shop does). Nothing the Worker and its objects log holds any of them
 * either (console captured in the isolate that runs them), with DEV_LOG_WEBHOOKS off as in production; with it on
 * (local development), the codes appear in the webhook event lines and nowhere else.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ORIGIN, WIDGET_PROGRAM, freshPhone } from "../../worker/http/public/test-helpers.ts";
import { deliverDue } from "../../worker/shop/webhooks.ts";
import { call, PLATFORM_TOKEN, send, webhooksOf } from "../../worker/test-support.ts";
import { expectNoneIn } from "./support.ts";

const VERIFYING = { ...WIDGET_PROGRAM, bonuses: { welcome: { points: 500, verify: "phone" }, review: 50 } };

/** Every console line written while `run` runs (arguments joined as the runtime would print them). */
async function captureConsole<T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const format = (value: unknown): string => {
    if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ""}${value.cause === undefined ? "" : ` cause: ${format(value.cause)}`}`;
    if (typeof value === "string") return value;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  };
  const spies = (["log", "info", "warn", "error", "debug", "trace"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(`${method}: ${args.map(format).join(" ")}`);
    }));
  try {
    return { result: await run(), lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

/** The Shop object of `shopId` with DEV_LOG_WEBHOOKS as given (its other bindings untouched). */
async function setWebhookLogging(shopId: string, on: boolean): Promise<void> {
  await runInDurableObject(env.SHOP.getByName(shopId), (instance) => {
    const holder = instance as unknown as { env: Env };
    holder.env = Object.create(env, { DEV_LOG_WEBHOOKS: { value: on ? "1" : "0", enumerable: true } }) as Env;
  });
}

/** Codes the fake receiver got for the box, waiting for `count`. */
async function deliveredCodes(box: string, count: number): Promise<string[]> {
  for (let i = 0; i < 500; i++) { // up to ~10 s: the alarm delivers after the request, later on a loaded machine
    const codes = (await webhooksOf(box)).map((h) => (JSON.parse(h.body) as { code: string }).code);
    if (codes.length >= count) return codes;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`fewer than ${count} codes delivered to ${box}`);
}

interface Flow {
  secretKey: string;
  publishableKey: string;
  shopId: string;
  /** Every answer but the shop's creation (method, path, status, body). */
  answers: string[];
  codes: string[];
  token: string;
  webhooks: { headers: Record<string, string>; body: string }[];
}

/** A shop's life through the API; `logging` sets DEV_LOG_WEBHOOKS on its object before any code is sent. */
async function fullFlow(logging: boolean): Promise<Flow> {
  const answers: string[] = [];
  const record = async (label: string, response: Response): Promise<Record<string, unknown>> => {
    const text = await response.text();
    answers.push(`${label} → ${response.status} ${text}`);
    return (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  const created = await send("POST", "/v1/shops", { token: PLATFORM_TOKEN, body: { name: "Secret shop", origins: [ORIGIN] } });
  expect(created.status).toBe(201);
  const { shopId, secretKey, publishableKey } = (await created.json()) as { shopId: string; secretKey: string; publishableKey: string };
  await setWebhookLogging(shopId, logging);
  const box = `/secrets-${shopId}`;
  const sk = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    record(`${method} ${path}`, await send(method, path, { token: secretKey, body, headers }));
  const widgetHeaders = { "x-publishable-key": publishableKey, origin: ORIGIN };
  const pk = async (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
    record(`widget ${method} ${path}`, await send(method, path, { token, body, headers: { ...widgetHeaders, ...headers } }));

  await sk("PATCH", "/v1/shop", { webhookUrl: `https://hooks.test${box}` });
  await sk("GET", "/v1/shop");
  await sk("PUT", "/v1/program", VERIFYING);
  await sk("GET", "/v1/program");
  await pk("GET", "/v1/public/program");
  const registered = await pk("POST", "/v1/public/register", undefined, { name: "Анна", phone: freshPhone(), consent: true }, { "idempotency-key": "reg-1" });
  const token = registered.token as string;
  const customerId = (registered.customer as { id: string }).id;
  const [code] = await deliveredCodes(box, 1);
  await pk("POST", "/v1/public/verify", token, { channel: "phone", code: code === "000000" ? "000001" : "000000" });
  await pk("POST", "/v1/public/verify", token, { channel: "phone", code });
  await pk("POST", "/v1/public/verify", token, { channel: "phone", code });
  await pk("POST", "/v1/public/verify/send", token, { channel: "phone" });
  // A second shopper whose code is never entered.
  const other = await pk("POST", "/v1/public/register", undefined, { name: "Вера", phone: freshPhone(), consent: true });
  await pk("GET", "/v1/public/me", other.token as string);
  await pk("GET", "/v1/public/me", token);
  await pk("GET", "/v1/public/me/history", token);
  const coupon = (await pk("POST", "/v1/public/me/rewards/coupon-20", token, undefined, { "idempotency-key": "redeem-1" })).code as string;
  await pk("POST", "/v1/public/me/rewards/coupon-20", token, undefined, { "idempotency-key": "redeem-1" });
  await sk("PUT", "/v1/customers/c1", { name: "Борис", email: "boris@example.com" });
  await sk("POST", "/v1/customers/c1/adjustments", { id: "adj-1", points: 1000, reason: "goodwill" });
  await sk("POST", "/v1/customers/c1/events", { id: "ev-1", type: "review" });
  const lines = [{ id: "1", sku: "beans", categories: ["coffee"], price: 100_000, qty: 2 }];
  await sk("POST", "/v1/checkout/quote", { customerId, codes: [coupon], redeemPoints: "max", lines });
  await sk("POST", "/v1/orders", { orderId: "o1", customerId, codes: [coupon], redeemPoints: 100, lines });
  await sk("POST", "/v1/orders/o1/confirm");
  await sk("POST", "/v1/orders/o1/returns", { returnId: "r1", lines: [{ id: "1", qty: 1 }] });
  await sk("POST", "/v1/orders/o1/cancel");
  await sk("GET", "/v1/orders/o1");
  await sk("POST", "/v1/orders", { orderId: "o2", customerId: "c1", lines });
  await sk("GET", `/v1/customers/${customerId}`);
  await sk("GET", `/v1/customers/${customerId}/history?limit=100`);
  await sk("GET", `/v1/customers/${customerId}/coupons`);
  await sk("GET", "/v1/customers?email=boris%40example.com");
  await sk("POST", "/v1/customers/c1/rewards/coupon-20", undefined, { "idempotency-key": "sk-redeem-1" });
  await sk("POST", "/v1/program/validate", { ...VERIFYING, currency: "rubles" });
  // Refusals: near-miss keys and tokens must not be echoed, nor the real ones named.
  const random = secretKey.slice(secretKey.lastIndexOf("_") + 1);
  for (const wrong of [`${secretKey}x`, secretKey.slice(0, -1), `sk_${shopId}_${random.toLowerCase()}`, publishableKey]) {
    await record("wrong secret key", await send("GET", "/v1/shop", { token: wrong }));
  }
  await record("secret key as publishable key", await send("GET", "/v1/public/program", { headers: { "x-publishable-key": secretKey, origin: ORIGIN } }));
  await record("secret key as customer token", await send("GET", "/v1/public/me", { token: secretKey, headers: widgetHeaders }));
  await record("token with a flipped MAC", await send("GET", "/v1/public/me", { token: `${token.slice(0, -2)}AA`, headers: widgetHeaders }));
  await record("shop creation without the platform token", await send("POST", "/v1/shops", { token: secretKey, body: { name: "x", origins: [] } }));
  await record("openapi", await call("/v1/openapi.json"));
  const codes = await deliveredCodes(box, 2);
  return { secretKey, publishableKey, shopId, answers, codes, token, webhooks: await webhooksOf(box) };
}

describe("secrets", () => {
  it("are in no answer and no log line of a whole flow (DEV_LOG_WEBHOOKS off, as in production)", async () => {
    const { result: flow, lines } = await captureConsole(() => fullFlow(false));
    const sealed = await runInDurableObject(env.SHOP.getByName(flow.shopId), (_instance, state) =>
      state.storage.sql.exec<{ s: string }>("SELECT secret_key_sealed AS s FROM shop").toArray()[0]?.s ?? "");
    const secrets: Record<string, string> = {
      "the secret key": flow.secretKey,
      "the secret key's random part": flow.secretKey.slice(flow.secretKey.lastIndexOf("_") + 1),
      KEY_SEAL_SECRET: env.KEY_SEAL_SECRET,
      "the sealed secret key": sealed,
      "the platform token": PLATFORM_TOKEN,
      "the publishable key's random part": flow.publishableKey.slice(flow.publishableKey.lastIndexOf("_") + 1),
      ...Object.fromEntries(flow.codes.map((code, i) => [`verification code ${i + 1}`, `"${code}"`])),
    };
    expect(flow.answers.length).toBeGreaterThanOrEqual(35);
    expect(sealed.length).toBeGreaterThan(20);
    for (const answer of flow.answers) expectNoneIn(answer, secrets, `answer ${answer.slice(0, 60)}`);
    const log = lines.join("\n");
    expectNoneIn(log, { ...secrets, "the customer token": flow.token, ...Object.fromEntries(flow.codes.map((code, i) => [`code ${i + 1}`, code])) }, "console");
    // The webhook carries the code to the shop, signed — never the key itself.
    expect(flow.webhooks.length).toBeGreaterThanOrEqual(2);
    for (const hook of flow.webhooks) {
      expectNoneIn(`${JSON.stringify(hook.headers)} ${hook.body}`, { "the secret key": secrets["the secret key"]!, KEY_SEAL_SECRET: env.KEY_SEAL_SECRET, sealed }, "webhook");
      expect(hook.body).toMatch(/"code":"\d{6}"/);
    }
  }, 60_000);

  it("with DEV_LOG_WEBHOOKS on (local development) the codes are printed in the webhook event lines only", async () => {
    const { result: flow, lines } = await captureConsole(() => fullFlow(true));
    const withCode = lines.filter((line) => flow.codes.some((code) => line.includes(`"code":"${code}"`)));
    expect(withCode.length).toBeGreaterThanOrEqual(1);
    for (const line of withCode) expect(line).toMatch(/^log: \[kopilka webhook\] verification\.code \{/);
    expectNoneIn(lines.join("\n"), { "the secret key": flow.secretKey, KEY_SEAL_SECRET: env.KEY_SEAL_SECRET, "the customer token": flow.token }, "console");
  }, 60_000);

  it("deliverDue prints nothing unless told to, and then only the event", async () => {
    const row = { id: 7, event: "verification.code", payload: '{"type":"verification.code","code":"483920"}', attempts: 0, expires_at: Date.now() + 60_000 };
    // A fake outbox of one due event, delivered nowhere (no webhook URL).
    const sql = {
      exec(query: string) {
        const rows = /SELECT/i.test(query) ? [row] : [];
        return { toArray: () => rows, one: () => rows[0], rowsWritten: 0, [Symbol.iterator]: () => rows[Symbol.iterator]() };
      },
    } as unknown as SqlStorage;
    const quiet = await captureConsole(() => deliverDue(sql, { url: null, secretKey: "sk_x_secret", logEvents: false }, Date.now()));
    expect(quiet.lines).toEqual([]);
    const loud = await captureConsole(() => deliverDue(sql, { url: null, secretKey: "sk_x_secret", logEvents: true }, Date.now()));
    expect(loud.lines).toEqual([`log: [kopilka webhook] verification.code ${row.payload}`]);
  });
});
