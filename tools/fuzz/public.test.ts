/**
 * Fuzzing the widget API (docs/api.md "Widget", worker/http/public/README.md): every `/v1/public/*` endpoint with hostile
 * bodies, queries, paths and headers — publishable keys, customer tokens of every shape, origins, Idempotency-Key,
 * CORS preflights — and the rate limits answering 429 with `Retry-After`. See harness.ts for the properties, the
 * seed and FUZZ_RUNS.
 */
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { latestToday } from "../../engine/host/calendar.ts";
import { bodyCases, each, FRESH_IP, fuzz, fuzzSuite, MEMBER_PHONE, ORIGIN, REWARD_ID, T0, type Case, type Field, type Target } from "./harness.ts";
import { anyText, anyValue, badHistoryCursor, badHistoryLimit, badText, loneSurrogateText, notARealDate, notAString, outOfRangeBirthday, tooLong, unknownKey } from "./hostile.ts";
import { encode, oversizedCases, pathSegment, wholeBodyCases } from "./requests.ts";
import { customerTokenCases, memberHeaders, originCases, publishableKeyCases, readableBy, tokenCases, type TokenCase } from "./widget.ts";

const suite = fuzzSuite("widget");
let tokens: TokenCase[] = [];
beforeAll(async () => {
  tokens = await customerTokenCases(suite.world);
});

/** A phone nobody in the world has: a registration that slipped through would claim it. */
const NEW_PHONE = "+79990007777";
const blank = fc.constantFrom(" ", "   ", "\t", "\u00a0", "\u3000");
/** Answers with a known shop and an allowed origin carry the storefront's CORS headers, errors included. */
const withCors = (cases: fc.Arbitrary<Case>) => cases.map((c): Case => ({ ...c, cors: ORIGIN }));
const visitor = (): Record<string, string> => {
  const headers = memberHeaders(suite.world);
  delete headers.authorization;
  return headers;
};
/** Client addresses as a proxy might pass them, or a client forge them where nothing in front overwrites the header. */
const hostileIp = fc.oneof(
  fc.constantFrom("", "unknown", "::", ":::::", "1.2.3.4, 5.6.7.8", "999.999.999.999", "::ffff:1.2.3.4", "2001:db8::1", "2001:db8::1:2:3:4:5:6:7", "' OR 1=1 --", "x".repeat(10_000), `${"1:".repeat(200)}1`),
  fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 400 }),
);
const badIdempotencyKey = (target: Target, body?: unknown) =>
  fc.constantFrom("a b", "k".repeat(256), "", "\t", "k\u00ff").map((key): Case => ({
    ...target, headers: { ...target.headers, "idempotency-key": key }, body, status: 400, code: "invalid_request", cors: ORIGIN, label: "bad Idempotency-Key",
  }));

describe("fuzz: widget", () => {
  it("GET /v1/public/program", async () => {
    const target: Target = { method: "GET", path: "/v1/public/program", headers: visitor() };
    const member: Target = { ...target, headers: memberHeaders(suite.world) };
    await fuzz(suite.world, "GET /v1/public/program", fc.oneof(
      publishableKeyCases(target, suite.world),
      originCases(target),
      // A token is checked even where none is needed: a bad one is never ignored.
      tokenCases(member, tokens, undefined, { members: false }),
    ), 120);
  }, 60_000);

  it("POST /v1/public/register", async () => {
    const endpoint = "POST /v1/public/register";
    const target: Target = { method: "POST", path: "/v1/public/register", headers: visitor() };
    const base = { name: "Fuzz", phone: NEW_PHONE, birthday: "1990-05-17", consent: true };
    const fields: Field[] = [
      { at: ["name"], bad: fc.oneof(badText(200), blank), required: true },
      {
        at: ["phone"], required: true,
        bad: fc.oneof(notAString, tooLong(64), loneSurrogateText, blank, fc.constantFrom("", "NaN", "Infinity", "+", "abc", "' OR 1=1 --", "8 (999) 123-45", "+7 999 123 45 67 8", "١٢٣٤٥٦٧٨٩٠", "+0 123 456 789", "8-800-DROP-TABLE", MEMBER_PHONE, "8 (999) 000-33-44")),
      },
      { at: ["email"], bad: fc.oneof(notAString, tooLong(320), fc.constantFrom("anna", "a@b", "a@@b.ru", "a b@c.ru", "' OR 1=1 --", "@example.ru", "anna@", "anna@example.ru\u0000", "anna\u200b@example.ru"), loneSurrogateText.map((s) => `${s}@example.ru`)) },
      { at: ["birthday"], bad: fc.oneof(notAString, fc.constantFrom("", "1990-02-30", "1990-5-17", "17.05.1990", "NaN", "1990-05-17T00:00:00Z", "' OR 1=1 --", "99999-01-01"), outOfRangeBirthday(latestToday(T0)), notARealDate) },
      { at: ["referralCode"], bad: fc.oneof(badText(64, { min: 0, nullable: true }), blank, fc.constantFrom("NOSUCHCODE", "' OR 1=1 --", "c1", "%", "_")) },
      { at: ["consent"], bad: fc.constantFrom<unknown>(false, "true", 1, null, "yes", [], {}, [true], { value: true }), required: true },
    ];
    // Both phones above that belong to the member are 409 duplicate_contact (naming phone), the rest 400.
    const spec = { base, fields, strict: [{ at: [], known: Object.keys(base).concat("email", "referralCode") }], status: 400, code: "invalid_request" };
    const body = bodyCases(target, spec, unknownKey, anyValue).map((c): Case => {
      const phone = (c.body as { phone?: unknown } | undefined)?.phone;
      const taken = phone === MEMBER_PHONE || phone === "8 (999) 000-33-44";
      return taken ? { ...c, status: 409, code: "duplicate_contact", cors: ORIGIN } : { ...c, cors: ORIGIN };
    });
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 6, arbitrary: body },
      { weight: 1, arbitrary: withCors(wholeBodyCases(target, base)) },
      { weight: 1, arbitrary: publishableKeyCases(target, suite.world, base) },
      { weight: 1, arbitrary: originCases(target, base) },
      // A valid token of a non-member would register that id: only tokens that must be refused here.
      { weight: 1, arbitrary: tokenCases({ ...target, headers: memberHeaders(suite.world) }, tokens, base, { members: false }) },
      { weight: 1, arbitrary: badIdempotencyKey(target, base) },
      // Birthdays as a class: years 0000–0099, before 1900, after today, 9999, 29 February of common years.
      { weight: 1, arbitrary: fc.oneof(outOfRangeBirthday(latestToday(T0)), notARealDate).map((birthday): Case => ({
        ...target, body: { ...base, birthday }, status: 400, code: "invalid_request", errorPath: "birthday", cors: ORIGIN, label: `birthday ${birthday}`,
      })) },
      { weight: 1, arbitrary: hostileIp.map((ip): Case => ({
        ...target, headers: { ...target.headers, "cf-connecting-ip": ip }, body: { ...base, phone: "abc" }, status: 400, errorPath: "phone", cors: ORIGIN,
        label: `CF-Connecting-IP ${JSON.stringify(ip).slice(0, 40)}`,
      })) },
    ), 250);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 90_000);

  it("POST /v1/public/verify/send", async () => {
    const endpoint = "POST /v1/public/verify/send";
    const target: Target = { method: "POST", path: "/v1/public/verify/send", headers: memberHeaders(suite.world) };
    // The member has no e-mail: 422 naming channel. (A phone code would be sent: never the base.)
    const base = { channel: "email" };
    const fields: Field[] = [
      { at: ["channel"], bad: fc.oneof(notAString, fc.constant<unknown>(null), anyText.filter((s) => s !== "email" && s !== "phone"), fc.constantFrom("EMAIL", "Phone", " phone", "sms", "")), required: true },
    ];
    const spec = { base, fields, strict: [{ at: [], known: ["channel"] }], status: 400, code: "invalid_request" };
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 4, arbitrary: withCors(bodyCases(target, spec, unknownKey, anyValue)) },
      { weight: 1, arbitrary: withCors(wholeBodyCases(target, base)) },
      { weight: 1, arbitrary: fc.constant<Case>({ ...target, body: base, status: 422, code: "invalid_state", errorPath: "channel", cors: ORIGIN, label: "no e-mail to confirm" }) },
      { weight: 2, arbitrary: tokenCases(target, tokens, base) },
      { weight: 1, arbitrary: publishableKeyCases(target, suite.world, base) },
      { weight: 1, arbitrary: originCases(target, base) },
    ), 160);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);

  it("POST /v1/public/verify", async () => {
    const endpoint = "POST /v1/public/verify";
    const target: Target = { method: "POST", path: "/v1/public/verify", headers: memberHeaders(suite.world) };
    // No code was ever sent to the member: a well-formed code is 422 naming code, on either channel.
    const base = { channel: "email", code: "123456" };
    const fields: Field[] = [
      { at: ["channel"], bad: fc.oneof(notAString, fc.constant<unknown>(null), fc.constantFrom("EMAIL", "sms", "", "phone ")), required: true },
      {
        at: ["code"], required: true,
        bad: fc.oneof(notAString, fc.constant<unknown>(null), fc.constantFrom<unknown>(123456, "12345", "1234567", "abcdef", "١٢٣٤٥٦", " 123456", "123456 ", "123456\n", "12 456", "+12345", "-12345", "1e5000", "000000000000", "' OR 1=1 --", ""), anyText.filter((s) => !/^\d{6}$/.test(s))),
      },
    ];
    const spec = { base, fields, strict: [{ at: [], known: ["channel", "code"] }], status: 400, code: "invalid_request" };
    const wellFormed = fc.tuple(fc.constantFrom("email", "phone"), fc.integer({ min: 0, max: 999_999 })).map(([channel, n]): Case => ({
      ...target, body: { channel, code: String(n).padStart(6, "0") }, status: 422, code: "invalid_state", errorPath: "code", cors: ORIGIN, label: "no code was sent",
    }));
    await fuzz(suite.world, endpoint, fc.oneof(
      { weight: 4, arbitrary: withCors(bodyCases(target, spec, unknownKey, anyValue)) },
      { weight: 1, arbitrary: withCors(wholeBodyCases(target, base)) },
      { weight: 1, arbitrary: wellFormed },
      // A non-member's valid token has no code either (422): only the tokens that must be refused.
      { weight: 2, arbitrary: tokenCases(target, tokens, base, { members: false }) },
      { weight: 1, arbitrary: publishableKeyCases(target, suite.world, base) },
      { weight: 1, arbitrary: originCases(target, base) },
    ), 180);
    await each(suite.world, endpoint, oversizedCases(target));
  }, 60_000);

  it("GET /v1/public/me", async () => {
    const target: Target = { method: "GET", path: "/v1/public/me", headers: memberHeaders(suite.world) };
    await fuzz(suite.world, "GET /v1/public/me", fc.oneof(
      { weight: 3, arbitrary: tokenCases(target, tokens) },
      { weight: 1, arbitrary: fc.constant<Case>({ ...target, headers: visitor(), status: 401, code: "unauthorized", cors: ORIGIN, label: "no token" }) },
      { weight: 1, arbitrary: publishableKeyCases(target, suite.world) },
      { weight: 1, arbitrary: originCases(target) },
    ), 160);
  }, 60_000);

  it("GET /v1/public/me/history", async () => {
    const endpoint = "GET /v1/public/me/history";
    const target: Target = { method: "GET", path: "/v1/public/me/history", headers: memberHeaders(suite.world) };
    const page = (q: string, extra: Partial<Case>): Case => ({ ...target, path: `${target.path}?${q}`, cors: ORIGIN, label: `?${q.slice(0, 60)}`, ...extra });
    await fuzz(suite.world, endpoint, fc.oneof(
      badHistoryLimit.map((s) => page(`limit=${encode(s)}`, { status: 400, errorPath: "limit" })),
      badHistoryCursor.map((s) => page(`cursor=${encode(s)}`, { status: 400, errorPath: "cursor" })),
      fc.constant(page("limit=1&limit=2", { status: 400, errorPath: "limit" })),
      tokenCases(target, tokens),
      publishableKeyCases(target, suite.world),
      originCases(target),
    ), 160);
  }, 60_000);

  it("POST /v1/public/me/rewards/{rewardId}", async () => {
    const endpoint = "POST /v1/public/me/rewards/{rewardId}";
    const target: Target = { method: "POST", path: `/v1/public/me/rewards/${REWARD_ID}`, headers: memberHeaders(suite.world) };
    const unknownReward = pathSegment.filter((s) => {
      try {
        const id = decodeURIComponent(s);
        // A dot segment (`%2e%2e`) is resolved away by the URL parser: that is another route, not a reward id.
        return id !== REWARD_ID && id.length <= 200 && !/^\.{1,2}$/.test(id);
      } catch {
        return false;
      }
    });
    await fuzz(suite.world, endpoint, fc.oneof(
      // The member has 200 points; the reward costs 300.
      fc.constant<Case>({ ...target, status: 422, code: "insufficient_points", errorPath: "rewardId", cors: ORIGIN, label: "not enough points" }),
      unknownReward.map((id): Case => ({ ...target, path: `/v1/public/me/rewards/${id}`, cors: ORIGIN, label: "unknown reward" })),
      fc.constantFrom("NoSuchReward", "coupon-21", "COUPON-20", "coupon-20 ", "__proto__", "constructor").map((id): Case => ({
        ...target, path: `/v1/public/me/rewards/${encode(id)}`, status: 404, code: "not_found", errorPath: "rewardId", cors: ORIGIN, label: `no reward ${id}`,
      })),
      tooLong(200).map((id): Case => ({ ...target, path: `/v1/public/me/rewards/${encode(id)}`, status: 400, errorPath: "rewardId", cors: ORIGIN, label: "reward id too long" })),
      badIdempotencyKey(target),
      tokenCases(target, tokens),
      publishableKeyCases(target, suite.world),
      originCases(target),
    ), 200);
  }, 60_000);

  it("OPTIONS /v1/public/* (preflight)", async () => {
    const endpoint = "OPTIONS /v1/public/*";
    const ask = (origin: string | undefined, method: string | undefined, headers: string | undefined, path = "/v1/public/register"): Case => {
      const h: Record<string, string> = {};
      if (origin !== undefined) h.origin = origin;
      if (method !== undefined) h["access-control-request-method"] = method;
      if (headers !== undefined) h["access-control-request-headers"] = headers;
      return { method: "OPTIONS", path, headers: h, cors: null, label: `preflight ${JSON.stringify([origin, method, headers]).slice(0, 80)}` };
    };
    const anyPath = fc.constantFrom("/v1/public/register", "/v1/public/me", "/v1/public/me/rewards/coupon-20", "/v1/public/nope", "/v1/public/me/../program");
    const token = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 30 });
    await fuzz(suite.world, endpoint, fc.oneof(
      fc.tuple(fc.constantFrom(ORIGIN, "https://evil.example"), anyPath).map(([origin, path]) => ({ ...ask(origin, undefined, undefined, path), status: 400 })),
      anyPath.map((path) => ({ ...ask(undefined, "POST", "content-type", path), status: 400 })),
      // Any well-formed origin gets its preflight (it grants nothing); `null` and what is not an origin do not.
      fc.tuple(fc.oneof(fc.constantFrom("null", `${ORIGIN}/`, "*"), token.filter((o) => readableBy(o) === null)), anyPath)
        .map(([origin, path]) => ({ ...ask(origin, "POST", "content-type", path), status: 403, code: "forbidden" })),
      fc.tuple(fc.oneof(fc.constantFrom("DELETE", "PUT", "PATCH", "CONNECT", "TRACE", "OPTIONS"), token.filter((m) => !["GET", "POST"].includes(m.toUpperCase()))), anyPath)
        .map(([method, path]) => ({ ...ask(ORIGIN, method, "content-type", path), status: 403, code: "forbidden" })),
      fc.tuple(fc.oneof(fc.constantFrom("x-evil", "cookie", "authorization, x-forwarded-for", "content-type,x-shop-id"), token.map((t) => `content-type, x-${t.toLowerCase()}`)), anyPath)
        .map(([headers, path]) => ({ ...ask(ORIGIN, "POST", headers, path), status: 403, code: "forbidden" })),
    ), 120);
  }, 60_000);

  it("rate limits answer 429 rate_limited with Retry-After, and change nothing", async () => {
    const endpoint = "rate limits (/v1/public/register, /v1/public/verify)";
    const ip = "203.0.113.77";
    // Registration: 10 per 10 minutes per IP. Ten invalid phones are refused with 400 after counting; the 11th is 429.
    const registrations: Case[] = Array.from({ length: 11 }, (_, i) => ({
      method: "POST", path: "/v1/public/register", headers: { ...visitor(), "cf-connecting-ip": ip },
      body: { name: "Fuzz", phone: `abc-${i}`, consent: true }, keepLimits: i > 0, cors: ORIGIN,
      ...(i < 10 ? { status: 400, errorPath: "phone" } : { status: 429, code: "rate_limited", errorPath: null }), label: `registration ${i + 1} from one IP`,
    }));
    // Code checks: 10 per hour per contact, from any IP. The 11th check for the member's phone is 429 whatever its IP.
    const checks: Case[] = Array.from({ length: 11 }, (_, i) => ({
      method: "POST", path: "/v1/public/verify", headers: { ...memberHeaders(suite.world), "cf-connecting-ip": FRESH_IP },
      body: { channel: "phone", code: String(100_000 + i) }, keepLimits: i > 0, cors: ORIGIN,
      ...(i < 10 ? { status: 422, code: "invalid_state", errorPath: "code" } : { status: 429, code: "rate_limited", errorPath: null }), label: `code check ${i + 1} for one phone`,
    }));
    // Registration per contact: 5 an hour, from different IPs; the same new phone, refused for another reason (no consent).
    const perContact: Case[] = Array.from({ length: 6 }, (_, i) => ({
      method: "POST", path: "/v1/public/register", headers: visitor(),
      body: { name: "Fuzz", phone: NEW_PHONE, referralCode: "NOSUCHCODE", consent: true }, keepLimits: i > 0, cors: ORIGIN,
      ...(i < 5 ? { status: 400, errorPath: "referralCode" } : { status: 429, code: "rate_limited", errorPath: null }), label: `registration ${i + 1} naming one phone`,
    }));
    await each(suite.world, endpoint, [...registrations, ...checks, ...perContact]);
  }, 60_000);
});
