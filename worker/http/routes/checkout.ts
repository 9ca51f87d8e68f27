/**
 * Checkout (secret key, docs/api.md): quote a cart, place an order that holds points and campaign uses, confirm it
 * when paid, cancel it, return lines, read it. Orders carry their own ids, which make every write retry-safe.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
// The ids of a return are text as the receipt's are: 1 to 200 UTF-16 code units of well-formed Unicode.
import { maxUnits, text } from "../../../engine/host/validate/schema-kit.ts";
import type { OrderView } from "../../account/types.ts";
import { requireSecretKey } from "../auth.ts";
import { DEFAULT_HOLD_MINUTES, LIMITS } from "../../../engine/host/limits.ts";
import { cancelOrder, confirmOrder, getOrder, placeOrder, quote, returnLines, withTime } from "../../flows/checkout.ts";
import { now } from "../../lib/clock.ts";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { evaluationSchema, orderRequestSchema, orderSchema, quoteRequestSchema, returnResultSchema } from "./schemas.ts";
import { refusal } from "../../lib/refusal.ts";

const secret = [{ secretKey: [] }];
const receiptBody = quoteRequestSchema.meta({ id: "Receipt" });
const orderBody = orderRequestSchema.meta({ id: "OrderRequest" });
const orderIdParam = z.object({
  orderId: z.string().min(1).max(200).refine(...maxUnits(200)).meta({ examples: ["o-1001"] }),
});
const returnBody = z
  .strictObject({
    returnId: text(200),
    lines: z.array(z.strictObject({ id: text(200), qty: z.int().min(1).max(LIMITS.qty) })).min(1).max(LIMITS.lines),
  })
  .meta({ id: "ReturnRequest" });
/** The README's cart: two packs of coffee and a mug, paying as many points as the program allows. */
const CART_EXAMPLE = {
  customerId: "c-42",
  store: "web",
  redeemPoints: "max",
  lines: [
    { id: "1", sku: "coffee-beans", categories: ["coffee"], price: 89000, qty: 2 },
    { id: "2", sku: "mug", price: 45000, qty: 1 },
  ],
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

/** The order as docs/api.md shows it (the counters bookkeeping stays inside). */
function publicOrder(order: OrderView) {
  const { limitedCampaigns: _internal, ...visible } = order;
  return visible;
}

const quoteRoute = createRoute({
  method: "post", operationId: "quote", path: "/v1/checkout/quote", tags: ["Checkout"], security: secret,
  summary: "Quote a cart", description: "Evaluates the receipt for the customer now. Changes nothing.",
  middleware: [requireSecretKey] as const,
  request: { body: { content: { "application/json": { schema: receiptBody, example: CART_EXAMPLE } }, required: true } },
  responses: { 200: json(evaluationSchema, "The evaluation"), ...errorResponses(["not_found", "no program has been published yet"]) },
});

const placeRoute = createRoute({
  method: "post", operationId: "placeOrder", path: "/v1/orders", tags: ["Orders"], security: secret,
  summary: "Place an order (hold)",
  description: "Re-evaluates and holds the points to spend and the campaign uses; the hold lapses after `holdMinutes` " +
    "(default 30). `orderId` makes it idempotent. A `quoteId` that no longer matches is 409 conflict with the fresh evaluation.",
  middleware: [requireSecretKey] as const,
  request: { body: { content: { "application/json": { schema: orderBody, example: { orderId: "o-1001", ...CART_EXAMPLE } } }, required: true } },
  responses: { 201: json(orderSchema, "The pending order"), ...errorResponses(["not_found", "no program has been published yet"], ["conflict", "the evaluation no longer matches `quoteId` (with `evaluation`), or limited campaigns kept changing (retry)"], ["idempotency_conflict", "the order id was used with a different request or by another customer"], ["insufficient_points", "`redeemPoints` beyond the spendable balance"], "invalid_state") },
});

const confirmRoute = createRoute({
  method: "post", operationId: "confirmOrder", path: "/v1/orders/{orderId}/confirm", tags: ["Orders"], security: secret,
  summary: "Confirm a paid order",
  description: "Spends the held points (soonest-expiring lots first), issues the earned points, records the purchase.",
  middleware: [requireSecretKey] as const,
  request: { params: orderIdParam },
  responses: { 200: json(orderSchema, "The confirmed order"), ...errorResponses(["not_found", "no such order"], ["invalid_state", "the order is cancelled, or its points would take the balance beyond 10^15"], ["hold_expired", "the hold lapsed and its points, coupons or campaign uses are gone: place the order again"]) },
});

const cancelRoute = createRoute({
  method: "post", operationId: "cancelOrder", path: "/v1/orders/{orderId}/cancel", tags: ["Orders"], security: secret,
  summary: "Cancel an order", description: "Pending: releases the hold. Confirmed: reverses the whole order.",
  middleware: [requireSecretKey] as const,
  request: { params: orderIdParam },
  responses: { 200: json(orderSchema, "The cancelled order"), ...errorResponses(["not_found", "no such order"], "invalid_state") },
});

const returnRoute = createRoute({
  method: "post", operationId: "returnLines", path: "/v1/orders/{orderId}/returns", tags: ["Orders"], security: secret,
  summary: "Return lines",
  description: "Takes back the points earned on the returned units, gives back the points spent on them (to their " +
    "original lots) and lowers qualifying spend. `returnId` makes it idempotent.",
  middleware: [requireSecretKey] as const,
  request: { params: orderIdParam, body: { content: { "application/json": { schema: returnBody, example: { returnId: "r-1", lines: [{ id: "1", qty: 1 }] } } }, required: true } },
  responses: { 200: json(returnResultSchema, "The return"), ...errorResponses(["not_found", "no such order"], ["idempotency_conflict", "the returnId was used with different lines"], ["invalid_state", "the order is not confirmed, has no such line, or fewer units are left"]) },
});

const getRoute = createRoute({
  method: "get", operationId: "getOrder", path: "/v1/orders/{orderId}", tags: ["Orders"], security: secret,
  summary: "An order", description: "Its status, evaluation and returns.",
  middleware: [requireSecretKey] as const,
  request: { params: orderIdParam },
  responses: { 200: json(orderSchema, "The order"), ...errorResponses(["not_found", "no such order"]) },
});

export function checkoutRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(quoteRoute, async (c) => {
    const at = now();
    return c.json(await quote(c.env, c.var.shopId, withTime(c.req.valid("json"), at), at), 200);
  });

  app.openapi(placeRoute, async (c) => {
    const at = now();
    const { orderId, quoteId, holdMinutes, ...receipt } = c.req.valid("json");
    if (!receipt.customerId) throw refusal("invalid_request", "customerId: an order needs a customer", "customerId");
    const order = await placeOrder(c.env, c.var.shopId, {
      orderId, customerId: receipt.customerId, receipt, quoteId, holdMinutes: holdMinutes ?? DEFAULT_HOLD_MINUTES, now: at,
    });
    return c.json(publicOrder(order), 201);
  });

  app.openapi(confirmRoute, async (c) => {
    const order = await confirmOrder(c.env, c.var.shopId, c.req.valid("param").orderId, now());
    return c.json(publicOrder(order), 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const order = await cancelOrder(c.env, c.var.shopId, c.req.valid("param").orderId, now());
    return c.json(publicOrder(order), 200);
  });

  app.openapi(returnRoute, async (c) => {
    const { orderId } = c.req.valid("param");
    const { returnId, lines } = c.req.valid("json");
    return c.json(await returnLines(c.env, c.var.shopId, { orderId, returnId, lines }, now()), 200);
  });

  app.openapi(getRoute, async (c) => {
    const order = await getOrder(c.env, c.var.shopId, c.req.valid("param").orderId, now());
    return c.json(publicOrder(order), 200);
  });
}
