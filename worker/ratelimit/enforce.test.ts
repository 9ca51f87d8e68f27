import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { errorResponse } from "../http/http.ts";
import { Refused, refusal } from "../lib/refusal.ts";
import { errorOf } from "../test-support.ts";
import { enforceRateLimit, resetRateLimit } from "./enforce.ts";

const shop = () => `shop-${crypto.randomUUID()}`;
const T0 = Date.now();
const KEY = "code-send:phone:+79991234567";
const rules = [{ key: KEY, limit: 1, windowSeconds: 60 }];

/** What `enforceRateLimit` threw, or undefined if it let the request through. */
async function refusalAt(shopId: string, at: number): Promise<unknown> {
  return enforceRateLimit(env, shopId, rules, at).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("enforceRateLimit", () => {
  it("lets allowed requests through and refuses the next with 429 rate_limited and Retry-After", async () => {
    const shopId = shop();
    expect(await refusalAt(shopId, T0)).toBeUndefined();
    const error = await refusalAt(shopId, T0 + 15_500);
    expect(error).toBeInstanceOf(Refused);
    expect((error as Refused).refusal).toEqual({ code: "rate_limited", message: "Too many requests; try again in 45 s", retryAfterSeconds: 45 });

    const response = errorResponse(error);
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("45");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await errorOf(response);
    expect(body).toEqual({ code: "rate_limited", message: "Too many requests; try again in 45 s", retryAfterSeconds: 45 });
    // The message never echoes the key: it carries the client's contact.
    expect(body.message).not.toContain("+7999");
  });

  it("counts per shop", async () => {
    const at = T0;
    const [a, b] = [shop(), shop()];
    expect(await refusalAt(a, at)).toBeUndefined();
    expect(await refusalAt(b, at)).toBeUndefined();
    expect(await refusalAt(a, at)).toMatchObject({ code: "rate_limited" });
  });

  it("resetRateLimit lets the keys count from zero", async () => {
    const shopId = shop();
    expect(await refusalAt(shopId, T0)).toBeUndefined();
    expect(await refusalAt(shopId, T0)).toMatchObject({ code: "rate_limited" });
    await resetRateLimit(env, shopId, [KEY]);
    expect(await refusalAt(shopId, T0)).toBeUndefined();
  });

  it("a bad rule is a programmer error, thrown before asking the limiter", async () => {
    await expect(enforceRateLimit(env, shop(), [{ key: "k", limit: 0, windowSeconds: 60 }], T0)).rejects.toThrow(RangeError);
    await expect(enforceRateLimit(env, shop(), [], T0)).rejects.toThrow(RangeError);
  });
});

describe("refusals without headers", () => {
  it("are optional: errors without them render as before", async () => {
    const response = errorResponse(refusal("not_found", "No such customer"));
    expect(response.status).toBe(404);
    expect(response.headers.get("retry-after")).toBeNull();
    expect(await errorOf(response)).toEqual({ code: "not_found", message: "No such customer" });
  });
});
