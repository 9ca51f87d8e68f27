/**
 * Full validation of the program, the receipt and the customer snapshot (docs/program.md, docs/api.md and the limits
 * in engine/README.md), built on zod v4 so that the same schemas later generate the OpenAPI document.
 *
 * Every problem is reported at once, each with the JSON path of the field at fault (`lines[2].price`).
 * Unknown fields are problems too: a typo in a rule must never be silently ignored.
 * Only standard JavaScript is used (no Node APIs): this runs in Workers, browsers and Node alike.
 *
 * Defaults applied to a valid program (fields the types mark optional):
 *   status "active"; points.expiryDays null (never), points.pendingDays 0; earn.step null, earn.onPointsPaid
 *   false, earn.excludeTags []; redeem.minOrder 0, redeem.excludeTags [], redeem.minPoints 1; tiers null,
 *   tiers.basis "spend", tiers.windowDays null (lifetime); bonuses {} with welcome/referral/birthday null,
 *   review/rating/survey 0 and welcome.verify null; campaigns [], rewards []; per campaign priority 0,
 *   stacking "stack", basis "discounted", when.orderNumber.offset 0.
 *   A campaign's `audience`, `when`, `target` and `limits` stay absent when absent (absent = no condition).
 * Defaults applied to a valid receipt: shipping 0, codes [], redeemPoints 0, per line categories [] and tags [].
 * The customer snapshot gets no defaults: every field is optional and the engine decides what absent means.
 */
import type { CustomerSnapshot, Program, Receipt } from "./types.ts";
import { toProblems, type Validation } from "./validate/problems.ts";
import { programSchema } from "./validate/program.ts";
import { apiReceiptSchema, customerSchema, receiptSchema, type ReceiptWithoutAt } from "./validate/receipt.ts";

export { formatPath, toProblems, type Validation } from "./validate/problems.ts";
export { programSchema } from "./validate/program.ts";
export { apiReceiptSchema, customerSchema, makeReceiptSchema, receiptSchema, type ReceiptWithoutAt } from "./validate/receipt.ts";

/** Validates a program document fully; on success returns it with defaults applied. */
export function validateProgram(input: unknown): Validation<"program", Program> {
  const result = programSchema.safeParse(input);
  return result.success ? { ok: true, program: result.data } : { ok: false, problems: toProblems(result.error.issues) };
}

/**
 * Validates a receipt; on success returns it with defaults applied. `at` is required unless
 * `requireAt: false` (the API's receipt, where the Worker fills in "now").
 */
export function validateReceipt(input: unknown, options?: { requireAt?: true }): Validation<"receipt", Receipt>;
export function validateReceipt(input: unknown, options: { requireAt: boolean }): Validation<"receipt", ReceiptWithoutAt>;
export function validateReceipt(input: unknown, options: { requireAt?: boolean } = {}): Validation<"receipt", ReceiptWithoutAt> {
  const schema = options.requireAt === false ? apiReceiptSchema : receiptSchema;
  const result = schema.safeParse(input);
  return result.success ? { ok: true, receipt: result.data } : { ok: false, problems: toProblems(result.error.issues) };
}

/** Validates a customer snapshot; returns it unchanged on success. */
export function validateCustomer(input: unknown): Validation<"customer", CustomerSnapshot> {
  const result = customerSchema.safeParse(input);
  return result.success ? { ok: true, customer: result.data } : { ok: false, problems: toProblems(result.error.issues) };
}
