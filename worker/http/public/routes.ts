/**
 * The widget's API (docs/api.md "Widget"): publishable key, the shop's storefront origins only (access.ts), and a
 * customer token for a known customer. What a visitor may see of the program, registration (welcome points at
 * once, or once a contact is verified), verification codes, the customer's own account, history and rewards. The
 * workflows are flows/registration.ts, flows/verification.ts and flows/customers.ts; handlers parse, call, render.
 *
 * Registration and verification are rate-limited per IP and per contact in the shop's RateLimiter object.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { now } from "../../lib/clock.ts";
import { clientIp } from "../../ratelimit/rules.ts";
import { shopObject } from "../../shop/shop.ts";
import { historyOf, meOf, readMe, redeemReward } from "../../flows/customers.ts";
import { currentProgram, publicProgram } from "../../flows/program.ts";
import type { Caller } from "../../flows/caller.ts";
import { joinFromWidget } from "../../flows/registration.ts";
import { maskContact, resendCode, verifyContact } from "../../flows/verification.ts";
import { historyQuery, historySchema } from "../routes/customer-schemas.ts";
import { corsForShop, preflight, requireCustomerToken, requirePublishableKey } from "./access.ts";
import {
  meSchema, publicProgramSchema, redeemedSchema, registerBody, registeredSchema, rewardParam, sendBody, sentSchema,
  verifiedSchema, verifyBody,
} from "./schemas.ts";

const widget = [{ publishableKey: [] }];
const customer = [{ publishableKey: [], customerToken: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** The request's IP (for rate limits) and the language the shopper reads (for the code's message). */
function callerOf(env: Env, request: Request, acceptLanguage: string | undefined): Caller {
  return { ip: clientIp(request, env.CLIENT_IP_HEADER), locale: acceptLanguage?.split(",")[0] };
}

const NOT_A_MEMBER = "Not a member yet: register first";

const auth = [requirePublishableKey];

const programRoute = createRoute({
  method: "get", operationId: "getPublicProgram", path: "/v1/public/program", tags: ["Widget"], security: widget,
  summary: "The program as a visitor sees it",
  description: "Currency, points, earn rate, tiers, bonuses, rewards and the campaigns anyone can get — enough for the widget to " +
    "explain the program and for the earn preview to run the engine in the browser. Promo-code campaigns and limits are left out.",
  middleware: auth,
  responses: { 200: json(publicProgramSchema, "The program"), ...errorResponses(["not_found", "no program has been published yet"]) },
});

const registerRoute = createRoute({
  method: "post", operationId: "register", path: "/v1/public/register", tags: ["Widget"], security: widget,
  summary: "Join the program",
  description: "With a shop-signed customer token, registers that customer; without one, creates a customer and answers a token " +
    "for it. Welcome points are granted at once (once per phone and per email, ever) — or, when the program verifies a contact, " +
    "a 6-digit code is sent through the shop's webhook and the points wait for POST /v1/public/verify. Rate-limited per IP and " +
    "per contact. Contacts are unique by identity (docs/api.md \"One person, one contact\"); a phone or email another member " +
    "claimed here without verifying it does not block the one the program verifies: the newcomer waits for it and takes it by " +
    "verifying it. Send an `Idempotency-Key` so that a retry answers the first answer instead of a duplicate_contact.",
  middleware: [...auth, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { headers: idempotencyHeaders, body: { content: { "application/json": { schema: registerBody } }, required: true } },
  responses: {
    201: json(registeredSchema, "Registered"),
    ...errorResponses(["duplicate_contact", "the phone or e-mail belongs to another member (`path`)"], ["conflict", "already a member, or referred before"], "idempotency_conflict", "rate_limited")
  },
});

const sendRoute = createRoute({
  method: "post", operationId: "sendVerificationCode", path: "/v1/public/verify/send", tags: ["Widget"], security: customer,
  summary: "Send a verification code (again)",
  description: "A new 6-digit code to the customer's phone or email (through the shop's webhook), valid 10 minutes; the previous one stops working.",
  middleware: [...auth, requireCustomerToken] as const,
  request: { body: { content: { "application/json": { schema: sendBody } }, required: true } },
  responses: { 202: json(sentSchema, "Sent"), ...errorResponses(["not_found", "not a member yet"], ["invalid_state", "no such contact, or already verified"], "rate_limited") },
});

const verifyRoute = createRoute({
  method: "post", operationId: "verifyContact", path: "/v1/public/verify", tags: ["Widget"], security: customer,
  summary: "Confirm a contact with its code",
  description: "The right code verifies the contact and grants the welcome bonus waiting for it. Five wrong codes end that code.",
  middleware: [...auth, requireCustomerToken] as const,
  request: { body: { content: { "application/json": { schema: verifyBody } }, required: true } },
  responses: {
    200: json(verifiedSchema, "Verified"),
    ...errorResponses(["not_found", "not a member yet"], ["duplicate_contact", "another member holds the contact and it does not yield (the shop gave it, or they verified it)"], ["invalid_state", "wrong code (the message says how many tries are left), expired, or no code sent"], "rate_limited")
  },
});

const meRoute = createRoute({
  method: "get", operationId: "getMe", path: "/v1/public/me", tags: ["Widget"], security: customer,
  summary: "My account", description: "Balance, pending points, tier and progress, expiring points, referral code, coupons.",
  middleware: [...auth, requireCustomerToken] as const,
  responses: { 200: json(meSchema, "The account"), ...errorResponses(["not_found", "not a member yet"]) },
});

const historyRoute = createRoute({
  method: "get", operationId: "getMyHistory", path: "/v1/public/me/history", tags: ["Widget"], security: customer,
  summary: "My points history", description: "Newest first, a page at a time (`nextCursor`).",
  middleware: [...auth, requireCustomerToken] as const,
  request: { query: historyQuery },
  responses: { 200: json(historySchema, "A page"), ...errorResponses(["not_found", "not a member yet"]) },
});

const redeemRoute = createRoute({
  method: "post", operationId: "redeemMyReward", path: "/v1/public/me/rewards/{rewardId}", tags: ["Widget"], security: customer,
  summary: "Buy a reward with points",
  description: "Spends the reward's cost and answers a single-use coupon code for the checkout's `codes`. Send an `Idempotency-Key`.",
  middleware: [...auth, requireCustomerToken, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: rewardParam, headers: idempotencyHeaders },
  responses: { 201: json(redeemedSchema, "The coupon"), ...errorResponses(["not_found", "not a member yet, or no such reward"], "idempotency_conflict", ["insufficient_points", "the reward costs more than the available points"], ["invalid_state", "the program is paused"]) },
});

export function publicRoutes(app: OpenAPIHono<AppEnv>): void {
  app.options("/v1/public/*", preflight);
  app.use("/v1/public/*", corsForShop);

  app.openapi(programRoute, async (c) => {
    const { version, program } = await currentProgram(c.env, c.var.shopId);
    return c.json({ shop: { name: c.var.shopName ?? "" }, programVersion: version, program: publicProgram(program) as unknown as Record<string, unknown> }, 200);
  });

  app.openapi(registerRoute, async (c) => {
    const { shopId } = c.var;
    const at = now();
    const joined = await joinFromWidget(
      c.env, shopId, c.var.secretKey!, c.var.customerId, c.req.valid("json"), callerOf(c.env, c.req.raw, c.req.header("accept-language")), at,
    );
    const { customerId, program, welcomePoints, token, verification } = joined;
    return c.json({
      customer: await meOf(c.env, shopId, customerId, program, at),
      token: token?.token ?? null,
      tokenExpiresAt: token?.expiresAt ?? null,
      welcomePoints,
      verification: verification === null ? null : {
        channel: verification.channel,
        to: maskContact(verification.channel, verification.sent.contact),
        expiresAt: new Date(verification.sent.expiresAt).toISOString(),
      },
    }, 201);
  });

  app.openapi(sendRoute, async (c) => {
    const { channel } = c.req.valid("json");
    const caller = callerOf(c.env, c.req.raw, c.req.header("accept-language"));
    const sent = await resendCode(c.env, c.var.shopId, c.var.customerId!, channel, caller, now());
    return c.json({ channel, to: maskContact(channel, sent.contact), expiresAt: new Date(sent.expiresAt).toISOString() }, 202);
  });

  app.openapi(verifyRoute, async (c) => {
    const { shopId } = c.var;
    const customerId = c.var.customerId!;
    const { channel, code } = c.req.valid("json");
    const at = now();
    const { welcomePoints, program } = await verifyContact(c.env, shopId, customerId, channel, code, callerOf(c.env, c.req.raw, undefined), at);
    return c.json({ customer: await meOf(c.env, shopId, customerId, program, at), welcomePoints }, 200);
  });

  app.openapi(meRoute, async (c) => c.json(await readMe(c.env, c.var.shopId, c.var.customerId!, now()), 200));

  app.openapi(historyRoute, async (c) => {
    return c.json(await historyOf(c.env, c.var.shopId, c.var.customerId!, c.req.valid("query"), now(), NOT_A_MEMBER), 200);
  });

  app.openapi(redeemRoute, async (c) => {
    const { rewardId } = c.req.valid("param");
    const coupon = await redeemReward(c.env, c.var.shopId, c.var.customerId!, rewardId, now(), c.req.header("idempotency-key"), NOT_A_MEMBER);
    return c.json(coupon, 201);
  });
}
