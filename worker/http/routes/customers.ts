/**
 * Customers (secret key, docs/api.md "Customers"): create or update a customer (contacts are unique in the shop;
 * creation grants the welcome bonus once per phone and per email, ever), read the account, look a customer up by
 * contact, page through the history, adjust points by hand, record events that earn the program's bonuses, redeem
 * rewards for coupons and list them. The workflows are flows/registration.ts and flows/customers.ts; handlers
 * parse, call and render.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { requireSecretKey } from "../auth.ts";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { now } from "../../lib/clock.ts";
import { refusal } from "../../lib/refusal.ts";
import { shopObject } from "../../shop/shop.ts";
import {
  adjustPoints, couponsOf, customerView, findCustomer, historyOf, readCustomer, recordEvent, redeemReward,
} from "../../flows/customers.ts";
import { normalisedContact, upsertCustomer } from "../../flows/registration.ts";
import {
  adjustmentBody, adjustmentSchema, couponIssuedSchema, couponSchema, customerIdParam, customerSchema,
  eventBody, eventSchema, historyQuery, historySchema, lookupQuery, profileBody, rewardParams, upsertedSchema,
} from "./customer-schemas.ts";

const secret = [{ secretKey: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const putRoute = createRoute({
  method: "put", operationId: "upsertCustomer", path: "/v1/customers/{customerId}", tags: ["Customers"], security: secret,
  summary: "Create or update a customer",
  description: "Replaces the profile. Phones are stored in E.164, emails lower-cased; another customer holding either is " +
    "409 duplicate_contact. Creation grants the program's welcome bonus, once per phone and per email in the shop, ever. " +
    "A retry without `Idempotency-Key` is an update (200, no bonus); with one it answers the first answer.",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: customerIdParam, headers: idempotencyHeaders, body: { content: { "application/json": { schema: profileBody } }, required: true } },
  responses: {
    200: json(upsertedSchema, "Updated"),
    201: json(upsertedSchema, "Created"),
    ...errorResponses("duplicate_contact", ["conflict", "the customer was referred before, or the referral code would make a loop"], "idempotency_conflict"),
  },
});

const getRoute = createRoute({
  method: "get", operationId: "getCustomer", path: "/v1/customers/{customerId}", tags: ["Customers"], security: secret,
  summary: "A customer's account", description: "Balance, pending points, tier, what expires soon, orders and spend.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam },
  responses: { 200: json(customerSchema, "The account"), ...errorResponses(["not_found", "no such customer"]) },
});

const lookupRoute = createRoute({
  method: "get", operationId: "findCustomer", path: "/v1/customers", tags: ["Customers"], security: secret,
  summary: "Find a customer by phone or email",
  description: "Exactly one of `phone` (any accepted form) or `email`. The account of the customer holding it.",
  middleware: [requireSecretKey] as const,
  request: { query: lookupQuery },
  responses: { 200: json(customerSchema, "The account"), ...errorResponses(["not_found", "no customer has this contact"]) },
});

const historyRoute = createRoute({
  method: "get", operationId: "getCustomerHistory", path: "/v1/customers/{customerId}/history", tags: ["Customers"], security: secret,
  summary: "A customer's points history", description: "Newest first, a page at a time.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam, query: historyQuery },
  responses: { 200: json(historySchema, "A page"), ...errorResponses(["not_found", "no such customer"]) },
});

const adjustRoute = createRoute({
  method: "post", operationId: "adjustPoints", path: "/v1/customers/{customerId}/adjustments", tags: ["Customers"], security: secret,
  summary: "Add or take points by hand",
  description: "Positive: points available now (expiring after the program's `points.expiryDays`). Negative: taken from " +
    "the available points (422 insufficient_points beyond them). `id` makes it idempotent: the same id and body answer " +
    "the first answer, another body is 409 idempotency_conflict.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam, body: { content: { "application/json": { schema: adjustmentBody } }, required: true } },
  responses: { 201: json(adjustmentSchema, "The adjustment"), ...errorResponses(["not_found", "no such customer"], ["idempotency_conflict", "the adjustment id was used with a different body"], ["insufficient_points", "a negative adjustment beyond the available points"], ["invalid_state", "the balance would go beyond 10^15"]) },
});

const eventRoute = createRoute({
  method: "post", operationId: "recordEvent", path: "/v1/customers/{customerId}/events", tags: ["Customers"], security: secret,
  summary: "Record an event that earns a bonus",
  description: "`review`, `rating`, `survey`: the program's bonus for it (422 invalid_state when it grants none). `birthday`: " +
    "the program's birthday bonus, inside its window around the profile's birthday (program timezone), once per year " +
    "(409 conflict for a second one). `custom`: `points` (and an optional `reason`). Points expire after the program's " +
    "`points.expiryDays`. `id` makes it idempotent forever: the same id and body answer the first answer, another body is 409 " +
    "idempotency_conflict.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam, body: { content: { "application/json": { schema: eventBody } }, required: true } },
  responses: { 201: json(eventSchema, "The bonus granted"), ...errorResponses(["not_found", "no such customer"], ["idempotency_conflict", "the event id was used with a different body"], ["conflict", "this year's birthday bonus was already granted"], ["invalid_state", "the program grants nothing for this event, is paused or missing, or the birthday is outside its window"]) },
});

const rewardRoute = createRoute({
  method: "post", operationId: "redeemReward", path: "/v1/customers/{customerId}/rewards/{rewardId}", tags: ["Customers"], security: secret,
  summary: "Redeem a reward for a coupon",
  description: "Spends the reward's cost (soonest-expiring points first) and issues a single-use coupon code for this customer, " +
    "valid the reward's `coupon.validDays`. The customer presents it in a receipt's `codes`; for anyone else it does nothing. " +
    "Unused by its expiry, its cost comes back as points. 422 insufficient_points beyond the available balance. Send an " +
    "`Idempotency-Key` to make retries safe.",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: rewardParams, headers: idempotencyHeaders },
  responses: { 201: json(couponIssuedSchema, "The coupon"), ...errorResponses(["not_found", "no such customer or reward"], "idempotency_conflict", ["insufficient_points", "the reward costs more than the available points"], ["invalid_state", "the program is paused"]) },
});

const couponsRoute = createRoute({
  method: "get", operationId: "listCoupons", path: "/v1/customers/{customerId}/coupons", tags: ["Customers"], security: secret,
  summary: "A customer's coupons", description: "Every coupon in every state, newest first.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam },
  responses: { 200: json(z.object({ items: z.array(couponSchema) }).meta({ id: "CouponList" }), "The coupons"), ...errorResponses(["not_found", "no such customer"]) },
});

export function customerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(putRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    const at = now();
    const { created, welcomePoints, program } = await upsertCustomer(c.env, shopId, customerId, c.req.valid("json"), at);
    const view = { ...(await customerView(c.env, shopId, customerId, program, at)), welcomePoints };
    return created ? c.json(view, 201) : c.json(view, 200);
  });

  app.openapi(getRoute, async (c) => {
    return c.json(await readCustomer(c.env, c.var.shopId, c.req.valid("param").customerId, now()), 200);
  });

  app.openapi(lookupRoute, async (c) => {
    const query = c.req.valid("query");
    if ((query.phone === undefined) === (query.email === undefined)) throw refusal("invalid_request", "Give exactly one of phone or email");
    const contact = query.phone !== undefined
      ? { phone: normalisedContact("phone", query.phone, "shop")! }
      : { email: normalisedContact("email", query.email, "shop")! };
    return c.json(await findCustomer(c.env, c.var.shopId, contact, now()), 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { customerId } = c.req.valid("param");
    return c.json(await historyOf(c.env, c.var.shopId, customerId, c.req.valid("query"), now()), 200);
  });

  app.openapi(adjustRoute, async (c) => {
    const { customerId } = c.req.valid("param");
    const { id, points, reason } = c.req.valid("json");
    // Always 201, first answer or replay: a retry must see the status the first request saw.
    return c.json(await adjustPoints(c.env, c.var.shopId, customerId, { id, points, reason }, now()), 201);
  });

  app.openapi(eventRoute, async (c) => {
    const { customerId } = c.req.valid("param");
    const { id, type, points, reason } = c.req.valid("json");
    return c.json(await recordEvent(c.env, c.var.shopId, customerId, { id, type, points, reason }, now()), 201);
  });

  app.openapi(rewardRoute, async (c) => {
    const { customerId, rewardId } = c.req.valid("param");
    return c.json(await redeemReward(c.env, c.var.shopId, customerId, rewardId, now(), c.req.header("idempotency-key")), 201);
  });

  app.openapi(couponsRoute, async (c) => {
    return c.json({ items: await couponsOf(c.env, c.var.shopId, c.req.valid("param").customerId, now()) }, 200);
  });
}
