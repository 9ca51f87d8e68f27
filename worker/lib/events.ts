/**
 * The events of the ledger (docs/events.md): what each type means and carries. Version 1 of every payload; a
 * change that is not purely additive is a new version, and the envelope says which one it carries.
 *
 * Money is integer minor units of the program's currency, points are integers, instants are ISO 8601 in UTC.
 * Events carry ids, not contacts: a shop looks its customer up by `customerId` (the only contact in an event is the
 * `to` of `verification.code`, which the shop needs to send the code).
 */

export interface EventPayloads {
  /** The customer registered (the first `PUT /v1/customers/{id}` or widget registration). */
  "customer.created": { referralCode: string | null; birthday: string | null };
  /** The customer proved a contact with a code. */
  "customer.verified": { channel: "phone" | "email" };
  /** An order was placed and holds its points until `holdExpiresAt`. */
  "order.placed": OrderFigures & { holdExpiresAt: string; programVersion: number };
  /** An order was paid: its points were spent and its earned points issued. */
  "order.confirmed": OrderFigures & { availableAt: string | null };
  /** An order was cancelled; a confirmed one is reversed (what its returns had not reversed yet). */
  "order.cancelled": { orderId: string; wasConfirmed: boolean; amount: number; pointsGivenBack: number; pointsTakenBack: number; balance: number };
  /** A pending order's hold ran out unconfirmed: its points are free again (a late confirmation may still come). */
  "order.lapsed": { orderId: string; pointsReleased: number; balance: number };
  /** Lines of a confirmed order came back. `full`: every unit of the order is back. */
  "order.returned": {
    orderId: string; returnId: string; amount: number; pointsGivenBack: number; pointsTakenBack: number; full: boolean;
    lines: { id: string; qty: number }[]; balance: number;
  };
  /**
   * Points were issued: for an order (`source: order`, spendable from `availableAt`), as a bonus (welcome,
   * birthday, an event, a referral, a manual bonus), or as the cost of a coupon that expired unused.
   */
  "points.earned": {
    points: number; source: "order" | "bonus" | "event" | "reward_refund"; orderId: string | null; reason: string | null;
    availableAt: string; expiresAt: string | null; balance: number;
  };
  /** Points were spent: on an order when it was confirmed, or on a reward. */
  "points.spent": { points: number; orderId: string | null; rewardId: string | null; balance: number };
  /** The shop adjusted the balance (`POST /v1/customers/{id}/adjustments`), or took a bonus back (`points` < 0). */
  "points.adjusted": { adjustmentId: string; points: number; reason: string | null; balance: number };
  /** Points will expire at `expiresAt` unless spent: sent `daysBefore` days ahead (the program's `points.remindDays`). */
  "points.expiring": { points: number; expiresAt: string; daysBefore: number; balance: number };
  /** Points expired. */
  "points.expired": { points: number; orderId: string | null; balance: number };
  /** The customer's tier changed: `up` after spend, `down` after a return, cancellation or the window moving on. */
  "tier.changed": { from: string | null; to: string | null; direction: "up" | "down" };
  /** The customer bought a reward: a coupon `code` valid until `expiresAt`. */
  "reward.redeemed": { rewardId: string; name: string; cost: number; code: string; expiresAt: string; balance: number };
  /** A reward coupon will expire unused at `expiresAt` (its cost then comes back as points). */
  "coupon.expiring": { code: string; rewardId: string; name: string; expiresAt: string; daysBefore: number };
  /** A reward coupon expired unused; its cost came back as points. */
  "coupon.expired": { code: string; rewardId: string; name: string; cost: number; balance: number };
  /** The customer's birthday is `daysBefore` days away (`birthday`: the date it falls on, YYYY-MM-DD; 29 February is 28 February in common years). */
  "birthday.upcoming": { birthday: string; daysBefore: number };
  /** A referral paid a bonus: to the referrer or to the friend who came (`role`), for `trigger`. */
  "referral.rewarded": { role: "referrer" | "referee"; points: number; otherCustomerId: string; trigger: "registration" | "first_order"; balance: number };
  /** A verification code to send to the shopper (the shop's SMS or e-mail provider sends it). */
  "verification.code": { channel: "phone" | "email"; code: string; to: string; locale: string | null; expiresAt: string };
}

export type EventType = keyof EventPayloads;

/** The figures of an order every order event shares. */
interface OrderFigures {
  orderId: string;
  store: string | null;
  subtotal: number;
  discount: number;
  /** Paid in money. */
  amount: number;
  pointsSpent: number;
  pointsEarned: number;
  balance: number;
}

/** Every type, in the order docs/events.md lists them. */
export const EVENT_TYPES: readonly EventType[] = [
  "customer.created", "customer.verified",
  "order.placed", "order.confirmed", "order.cancelled", "order.lapsed", "order.returned",
  "points.earned", "points.spent", "points.adjusted", "points.expiring", "points.expired",
  "tier.changed", "reward.redeemed", "coupon.expiring", "coupon.expired", "birthday.upcoming",
  "referral.rewarded", "verification.code",
];

export const EVENT_VERSION = 1;

/** The envelope: every event, on the queue, in a webhook's body and in `GET /v1/events`. */
export interface KopilkaEvent<T extends EventType = EventType> {
  /** `evt_…`: unique; a receiver that sees an id again has seen that event. */
  id: string;
  type: T;
  /** The payload's version. */
  version: typeof EVENT_VERSION;
  shopId: string;
  customerId: string | null;
  /** When the change happened. */
  createdAt: string;
  data: EventPayloads[T];
}
