/**
 * The secret-key customer API's request and answer schemas (docs/api.md "Customers"): validation and the OpenAPI
 * document come from the same zod schemas. The widget's schemas (public/schemas.ts) extend the account's.
 */
import { z } from "@hono/zod-openapi";
import { isWellFormed, maxUnits, UNPAIRED_SURROGATE_MESSAGE } from "../../../engine/host/validate/schema-kit.ts";
import { ID_MESSAGE, ID_PATTERN } from "../../lib/ids.ts";
import { DATE_LIMITS, LIMITS } from "../../../engine/host/limits.ts";
import { BIRTHDAY_RANGE_MESSAGE, isBirthdayInRange } from "../../../engine/host/calendar.ts";
import { now } from "../../lib/clock.ts";

/**
 * A birthday: a real date from DATE_LIMITS.birthdayFrom to today (the latest date on Earth), or null. Years
 * 0000–0099 and dates in the future are refused here, so no stored birthday can break a later quote.
 */
export const birthdaySchema = () =>
  z.iso.date()
    .refine((b) => isBirthdayInRange(b, now()), { error: BIRTHDAY_RANGE_MESSAGE })
    .nullish()
    .meta({ examples: ["1990-05-17"], description: `from ${DATE_LIMITS.birthdayFrom} to today` });

const points = z.int();


export const customerIdParam = z.object({
  customerId: z
    .string()
    .regex(ID_PATTERN, ID_MESSAGE)
    .meta({ examples: ["c-42"] }),
});

export const profileBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).refine(...maxUnits(200)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish(),
    phone: z.string().max(64).refine(...maxUnits(64)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish().meta({ examples: ["8 (999) 123-45-67"], description: "stored in E.164: +79991234567" }),
    email: z.string().max(320).refine(...maxUnits(320)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish().meta({ examples: ["Anna@Example.com"], description: "stored trimmed and lower-cased" }),
    birthday: birthdaySchema(),
    referralCode: z.string().trim().min(1).max(64).refine(...maxUnits(64)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish()
      .meta({ description: "the referral code of the customer who referred this one (once per customer; the program's referral bonuses follow)" }),
  })
  .meta({
    id: "CustomerProfile",
    description: "The whole profile: PUT replaces it, so a field left out (or null) is cleared, and a contact left out is released.",
  });

export const customerSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    balance: points.describe("points available to spend now"),
    pending: points.describe("points earned but not yet available (points.pendingDays)"),
    tier: z.string().nullable(),
    nextTier: z.object({ id: z.string(), amountLeft: z.int().describe("qualifying spend still needed, minor units") }).nullable(),
    expiring: z.array(z.object({ points, at: z.string().describe("RFC 3339") })).describe("points expiring in the next 30 days"),
    referralCode: z.string().nullable().describe("this customer's own code to share"),
    orders: z.int(),
    spend: z.int().describe("qualifying spend for tiers, minor units"),
    coupons: z.array(z.lazy(() => couponSchema)).describe("coupons still to be used (active, or held by a pending order), newest first"),
  })
  .meta({ id: "Customer" });

export const couponSchema = z
  .object({
    code: z.string().meta({ examples: ["K-7Q4M-XR2D-9HWT"] }),
    rewardId: z.string(),
    name: z.string().describe("the reward's name when it was redeemed"),
    cost: points.describe("points paid for it"),
    state: z.enum(["active", "held", "used", "expired"]).describe("held: by a pending order; expired: its cost came back as points"),
    issuedAt: z.string(),
    expiresAt: z.string(),
    orderId: z.string().nullable().describe("the order holding or having used it"),
  })
  .meta({ id: "Coupon" });

export const upsertedSchema = customerSchema.extend({ welcomePoints: points.describe("the welcome bonus granted by this request") }).meta({ id: "CustomerUpserted" });

export const historySchema = z
  .object({
    items: z.array(
      z.object({
        at: z.string(),
        type: z.string(),
        points,
        orderId: z.string().nullable(),
        returnId: z.string().nullable(),
        store: z.string().nullable(),
        amount: z.int().nullable(),
        pointsSpent: points.nullable(),
        pointsEarned: points.nullable(),
        expiresAt: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable().describe("pass as `cursor` for the next (older) page; null on the last"),
  })
  .meta({ id: "CustomerHistory" });

export const historyQuery = z.object({
  cursor: z.string().max(64).refine(...maxUnits(64)).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: "1 to 100, default 50" }),
});

export const lookupQuery = z.object({
  phone: z.string().max(64).refine(...maxUnits(64)).optional(),
  email: z.string().max(320).refine(...maxUnits(320)).optional(),
});

export const adjustmentBody = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, ID_MESSAGE).meta({ examples: ["adj1"] }),
    points: z.int().min(-LIMITS.points).max(LIMITS.points).refine((p) => p !== 0, "must not be 0").meta({ examples: [-50] }),
    reason: z.string().trim().min(1).max(500).refine(...maxUnits(500)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).optional(),
  })
  .meta({ id: "AdjustmentRequest" });

export const adjustmentSchema = z
  .object({ id: z.string(), points, reason: z.string().nullable(), at: z.string(), balance: points.describe("available after it") })
  .meta({ id: "Adjustment" });

export const EVENT_TYPES = ["review", "rating", "survey", "birthday", "custom"] as const;

export const eventBody = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, ID_MESSAGE).meta({ examples: ["ev1"] }),
    type: z.enum(EVENT_TYPES),
    points: z.int().min(1).max(LIMITS.points).optional().meta({ description: "custom only (required there)", examples: [100] }),
    reason: z.string().trim().min(1).max(500).refine(...maxUnits(500)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).optional()
      .meta({ description: "custom only; the history shows it (default: the type)" }),
  })
  .meta({ id: "EventRequest" });

export const eventSchema = z
  .object({ id: z.string(), type: z.enum(EVENT_TYPES), points, reason: z.string(), at: z.string(), balance: points.describe("available after it") })
  .meta({ id: "Event" });

export const rewardParams = customerIdParam.extend({
  rewardId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1 to 64 letters, digits, '_', '.' or '-'")
    .meta({ examples: ["coupon-20"] }),
});

export const couponIssuedSchema = z
  .object({
    code: z.string().meta({ examples: ["K-7Q4M-XR2D-9HWT"], description: "present it in a receipt's `codes`" }),
    rewardId: z.string(),
    name: z.string(),
    cost: points,
    expiresAt: z.string().describe("RFC 3339; unused by then, it expires and its cost comes back as points"),
    balance: points.describe("available after it"),
  })
  .meta({ id: "CouponIssued" });
