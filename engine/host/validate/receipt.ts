/** The receipt (docs/api.md) and the customer snapshot. */
import { z } from "zod";
import type { Receipt } from "../types.ts";
import { crossCheck, field, items, reportDuplicateIds } from "./cross-check.ts";
import { AT_BEFORE_MS, AT_FROM_MS, AT_RANGE_MESSAGE } from "../calendar.ts";
import { DATE_LIMITS, LIMITS } from "../limits.ts";
import { date, flag, instant, instantOf, int, list, money, obj, say, text, texts } from "./schema-kit.ts";

/** A receipt before the API has filled in `at` (docs/api.md: "optional, default now"). */
export type ReceiptWithoutAt = Omit<Receipt, "at"> & { at?: string };

const MAX_SUBTOTAL = BigInt(LIMITS.subtotal);
const REDEEM_POINTS = 'must be "max" or an integer between 0 and 10^15';

const lineSchema = obj({
  id: text().describe("the caller's line id, unique in the receipt"),
  sku: text().optional(),
  categories: texts(50).default(() => []),
  tags: texts(50).default(() => []),
  price: money(0, LIMITS.price).describe("unit price in minor units"),
  qty: int(1, LIMITS.qty),
});

/** A receipt schema, with `at` required or not, and `extra` fields (the HTTP API adds an order's own). */
export function makeReceiptSchema<Extra extends z.ZodRawShape = Record<never, never>>(requireAt: boolean, extra?: Extra) {
  const at = instant()
    .refine((s) => {
      const ms = instantOf(s)?.[0];
      return ms === undefined || (ms >= AT_FROM_MS && ms < AT_BEFORE_MS);
    }, { error: say(AT_RANGE_MESSAGE) })
    .describe(`the time of the purchase, from ${DATE_LIMITS.atFrom} to before ${DATE_LIMITS.atBefore}`);
  return crossCheck(
    obj({
      customerId: text().optional().describe("the shop's customer id; omitted = anonymous"),
      store: text().optional().describe("the store or channel of the purchase; the customer's history shows it"),
      at: requireAt ? at : at.optional(),
      lines: list(lineSchema, LIMITS.lines, 1),
      shipping: money(0, LIMITS.shipping).default(0),
      codes: texts(20).default(() => []).describe("promo codes"),
      redeemPoints: z
        .union([int(0, LIMITS.points, REDEEM_POINTS), z.literal("max")], { error: say(REDEEM_POINTS) })
        .default(0)
        .describe('points to spend: a number or "max"'),
      ...(extra as Extra),
    }),
    (receipt, report) => {
      const lines = field(receipt, "lines");
      reportDuplicateIds(lines, (path, message) => report(["lines", ...path], message), "line");
      // price × qty can pass 2^53 within the limits, so the sum is exact in bigint.
      let subtotal = 0n;
      for (const line of items(lines)) {
        const price = field(line, "price");
        const qty = field(line, "qty");
        if (Number.isSafeInteger(price) && Number.isSafeInteger(qty)) subtotal += BigInt(price as number) * BigInt(qty as number);
      }
      if (subtotal > MAX_SUBTOTAL) report(["lines"], "the receipt's subtotal (sum of price × qty) must be at most 10^13");
    },
  );
}

/** The receipt the engine evaluates: `at` is required. */
export const receiptSchema = makeReceiptSchema(true).describe("A cart at checkout (docs/api.md)");

/** The receipt as the HTTP API accepts it: `at` may be omitted and the Worker fills in "now". */
export const apiReceiptSchema = makeReceiptSchema(false).describe("A cart at checkout (docs/api.md); `at` defaults to now");

/** What the engine needs to know about the customer. Every field is optional; no defaults are applied. */
export const customerSchema = obj({
  balance: int(-LIMITS.points, LIMITS.points).optional().describe("points; negative after a return (spending blocked)"),
  spend: money(0, LIMITS.spend).optional().describe("qualifying spend"),
  orders: int(0, 1e9).optional().describe("confirmed orders so far"),
  birthday: date().nullable().optional(),
  boughtSkus: texts(10_000).optional(),
  boughtCategories: texts(10_000).optional(),
  campaignUses: z
    .record(z.string({ error: "must be a campaign id" }), int(0, 1e9), { error: say("must be an object") })
    .optional()
    .describe("campaign id → this customer's recorded uses"),
  member: flag().optional().describe("a registered member of the program"),
}).describe("A customer snapshot");
