/**
 * Checkout's schemas (docs/api.md "Checkout"): the order request — the engine's receipt schema plus the order's own
 * fields — and what checkout answers (the evaluation, the order, a return).
 */
import { z } from "@hono/zod-openapi";
import { LIMITS } from "../../../engine/host/limits.ts";
import { makeReceiptSchema } from "../../../engine/host/validate.ts";
import { int, text } from "../../../engine/host/validate/schema-kit.ts";
import { ID_MESSAGE, ID_PATTERN } from "../../lib/ids.ts";

/** `POST /v1/checkout/quote`: the receipt, its customer id in the API's id grammar; omitted = anonymous. */
export const quoteRequestSchema = makeReceiptSchema(false, {
  customerId: z.string().regex(ID_PATTERN, ID_MESSAGE).optional().describe("the shop's customer id (docs/api.md \"Ids\"); omitted = anonymous"),
}).describe("A cart at checkout (docs/api.md); `at` defaults to now");

/** `POST /v1/orders`: the receipt plus the order's own id, the quote it was shown and the hold's length. */
export const orderRequestSchema = makeReceiptSchema(false, {
  customerId: z.string().regex(ID_PATTERN, ID_MESSAGE).optional().describe("the shop's customer id (docs/api.md \"Ids\")"),
  orderId: text().describe("the shop's order id: the idempotency key of the order"),
  quoteId: text().optional().describe("the quote shown to the shopper; a different evaluation now is 409 conflict"),
  holdMinutes: int(1, LIMITS.holdMinutes).optional().describe("how long the points stay held (default 30)"),
}).describe("A receipt placed as an order (docs/api.md)");

const money = z.int().describe("minor units of the program currency");
const points = z.int();

export const evaluationSchema = z
  .object({
    subtotal: money,
    discount: money,
    pointsSpent: points,
    pointsSpentAmount: money.describe("money covered by the points spent"),
    maxRedeemablePoints: points,
    shipping: money.describe("shipping charged (0 when free)"),
    total: money.describe("subtotal − discount − pointsSpentAmount + shipping"),
    pointsEarned: points,
    freeShipping: z.boolean(),
    lines: z.array(z.object({
      id: z.string(),
      amount: money,
      discount: money,
      discounts: z.array(z.object({ campaign: z.string().describe("campaign id, or tier:<id> for the tier discount"), amount: money })),
      pointsPaid: money.describe("money of this line covered by points"),
      pointsEarned: points,
    })),
    campaigns: z.array(z.object({ id: z.string(), discount: money, points })),
    earned: z.array(z.object({ source: z.string(), points })),
    nudges: z.array(z.object({
      type: z.enum(["tier", "campaign", "freeShipping"]),
      tier: z.string().optional(),
      campaign: z.string().optional(),
      amountLeft: money,
      qtyLeft: z.int().optional(),
    })),
    customer: z.object({ id: z.string().nullable(), tier: z.string().nullable(), balance: points }),
    currency: z.string().regex(/^[A-Z]{3}$/).describe("ISO 4217 code of every amount in this evaluation: the program's currency"),
    programVersion: z.int(),
    quoteId: z.string().describe("pass to POST /v1/orders to place exactly this evaluation"),
  })
  .meta({ id: "Evaluation" });

const returnSchema = z.object({
  returnId: z.string(),
  orderId: z.string(),
  at: z.string(),
  lines: z.array(z.object({ id: z.string(), qty: z.int(), pointsTakenBack: points, pointsGivenBack: points, amount: money })),
  pointsTakenBack: points,
  pointsGivenBack: points,
  amount: money.describe("qualifying spend taken off"),
}).meta({ id: "Return" });

export const orderSchema = z
  .object({
    orderId: z.string(),
    status: z.enum(["pending", "confirmed", "cancelled", "lapsed"]),
    evaluation: evaluationSchema,
    holdExpiresAt: z.string().describe("RFC 3339; a pending order's hold lapses then"),
    placedAt: z.string(),
    confirmedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    returns: z.array(returnSchema),
  })
  .meta({ id: "Order" });

/** What `POST /v1/orders/{orderId}/returns` answers: the return and the customer's balance after it. */
export const returnResultSchema = returnSchema.extend({ balance: points.describe("the customer's available points after the return") }).meta({ id: "ReturnResult" });
