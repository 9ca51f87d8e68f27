/**
 * The events as the OpenAPI document's `webhooks` section describes them (docs/events.md): the envelope and each
 * type's payload (worker/lib/events.ts `EventPayloads`, version 1). The type check at the end holds every schema
 * equal to its TypeScript type, so the document cannot drift from what the Worker sends.
 */
import { z } from "@hono/zod-openapi";
import { EVENT_VERSION, type EventPayloads, type EventType } from "../../lib/events.ts";

const money = z.int().describe("minor units of the program currency");
const points = z.int();
const instant = z.string().meta({ format: "date-time", examples: ["2026-12-02T12:00:00.000Z"] });
const balance = points.describe("the customer's available points after the change");

const orderFigures = {
  orderId: z.string(),
  store: z.string().nullable(),
  subtotal: money,
  discount: money,
  amount: money.describe("paid in money"),
  pointsSpent: points,
  pointsEarned: points,
  balance,
};

/** Every type's payload, version 1. */
export const PAYLOAD_SCHEMAS = {
  "customer.created": z.object({ referralCode: z.string().nullable(), birthday: z.string().nullable().describe("YYYY-MM-DD") }),
  "customer.verified": z.object({ channel: z.enum(["phone", "email"]) }),
  "order.placed": z.object({ ...orderFigures, holdExpiresAt: instant, programVersion: z.int() }),
  "order.confirmed": z.object({ ...orderFigures, availableAt: instant.nullable().describe("when the earned points become spendable") }),
  "order.cancelled": z.object({
    orderId: z.string(), wasConfirmed: z.boolean(), amount: money, pointsGivenBack: points, pointsTakenBack: points, balance,
  }),
  "order.lapsed": z.object({ orderId: z.string(), pointsReleased: points, balance }),
  "order.returned": z.object({
    orderId: z.string(), returnId: z.string(), amount: money, pointsGivenBack: points, pointsTakenBack: points,
    full: z.boolean().describe("every unit of the order is back"),
    lines: z.array(z.object({ id: z.string(), qty: z.int() })), balance,
  }),
  "points.earned": z.object({
    points, source: z.enum(["order", "bonus", "event", "reward_refund"]), orderId: z.string().nullable(), reason: z.string().nullable(),
    availableAt: instant, expiresAt: instant.nullable(), balance,
  }),
  "points.spent": z.object({ points, orderId: z.string().nullable(), rewardId: z.string().nullable(), balance }),
  "points.adjusted": z.object({ adjustmentId: z.string(), points: points.describe("negative: taken"), reason: z.string().nullable(), balance }),
  "points.expiring": z.object({ points, expiresAt: instant, daysBefore: z.int(), balance }),
  "points.expired": z.object({ points, orderId: z.string().nullable(), balance }),
  "tier.changed": z.object({ from: z.string().nullable(), to: z.string().nullable(), direction: z.enum(["up", "down"]) }),
  "reward.redeemed": z.object({ rewardId: z.string(), name: z.string(), cost: points, code: z.string(), expiresAt: instant, balance }),
  "coupon.expiring": z.object({ code: z.string(), rewardId: z.string(), name: z.string(), expiresAt: instant, daysBefore: z.int() }),
  "coupon.expired": z.object({ code: z.string(), rewardId: z.string(), name: z.string(), cost: points, balance }),
  "birthday.upcoming": z.object({ birthday: z.string().describe("the date the coming birthday falls on, YYYY-MM-DD"), daysBefore: z.int() }),
  "referral.rewarded": z.object({
    role: z.enum(["referrer", "referee"]), points, otherCustomerId: z.string(), trigger: z.enum(["registration", "first_order"]), balance,
  }),
  "verification.code": z.object({
    channel: z.enum(["phone", "email"]), code: z.string().meta({ examples: ["482913"] }), to: z.string().describe("the phone (E.164) or e-mail to send it to"),
    locale: z.string().nullable(), expiresAt: instant,
  }),
} as const;

/** What each type means: the first line of its doc comment in worker/lib/events.ts. */
export const EVENT_SUMMARIES: Record<EventType, string> = {
  "customer.created": "A customer registered",
  "customer.verified": "A customer proved a contact with a code",
  "order.placed": "An order was placed and holds its points",
  "order.confirmed": "An order was paid: points spent and issued",
  "order.cancelled": "An order was cancelled",
  "order.lapsed": "A pending order's hold ran out unconfirmed",
  "order.returned": "Lines of a confirmed order came back",
  "points.earned": "Points were issued",
  "points.spent": "Points were spent",
  "points.adjusted": "The shop adjusted the balance",
  "points.expiring": "Points will expire soon unless spent",
  "points.expired": "Points expired",
  "tier.changed": "The customer's tier changed",
  "reward.redeemed": "The customer bought a reward coupon",
  "coupon.expiring": "A reward coupon will expire unused",
  "coupon.expired": "A reward coupon expired unused",
  "birthday.upcoming": "The customer's birthday is coming",
  "referral.rewarded": "A referral paid a bonus",
  "verification.code": "A verification code to send",
};

/** The envelope of one type: what a webhook's body is (`PointsEarnedEventV1`: version 1 of its payload). */
export function eventSchema<K extends EventType>(type: K) {
  const id = `${type.split(".").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("")}EventV1`;
  return z
    .object({
      id: z.string().meta({ examples: ["evt_01JF8ZK3Q2"], description: "unique: a receiver that sees an id again has seen that event" }),
      type: z.literal(type),
      version: z.literal(EVENT_VERSION).describe("the payload's version"),
      shopId: z.string(),
      customerId: z.string().nullable(),
      createdAt: instant.describe("when the change happened"),
      data: PAYLOAD_SCHEMAS[type] as (typeof PAYLOAD_SCHEMAS)[K],
    })
    .meta({ id });
}

// ---- the schemas cannot drift from EventPayloads ----------------------------------------------------------------

/** Mutual assignability: every field of each side is in the other, with the same type (no optional fields here). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Drifted = { [K in EventType]: Same<z.output<(typeof PAYLOAD_SCHEMAS)[K]>, EventPayloads[K]> extends true ? never : K }[EventType];
/** A compile error here names the event types whose schema differs from `EventPayloads`. */
const noDrift: [Drifted] extends [never] ? true : Drifted = true;
const everyType: Same<keyof typeof PAYLOAD_SCHEMAS, EventType> = true;
void noDrift;
void everyType;
