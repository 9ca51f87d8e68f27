/**
 * What the CustomerAccount's RPC methods take and give. Times in answers are RFC 3339 strings (UTC), as the
 * HTTP API shows them; times passed in (`now`) are epoch milliseconds from the Worker's clock.
 */
import type { Coupon, CouponState } from "../../contract/public.ts";
import type { CampaignCounters, CustomerSnapshot, Evaluation, Program, Receipt } from "../../engine/host/types.ts";

/** A receipt as the API accepts it: `at` may be left out (the account fills in `now`). */
export type OrderReceipt = Omit<Receipt, "at"> & { at?: string; store?: string };

/** The evaluation as docs/api.md shows it: the engine's, plus the program version and the quote id. */
/** An evaluation as the API answers it: with the currency of its amounts (the program's), its program version and quote id. */
export type QuotedEvaluation = Evaluation & { currency: string; programVersion: number; quoteId: string };

export type OrderStatus = "pending" | "confirmed" | "cancelled" | "lapsed";

/** A limited campaign (shop-wide `totalUses` or `budget`) the evaluation applied: the caller reserves/commits/releases it. */
export interface LimitedCampaign {
  campaignId: string;
  /** Money given away by this campaign on this order: the budget to reserve. */
  discount: number;
}

export interface PlaceOrderInput {
  shopId: string;
  /**
   * The program of `programVersion`. Optional: without it the account uses its isolate's copy of that version, or
   * reads it from the Shop once (a version's program never changes), so it need not cross RPC with every order.
   */
  program?: Program;
  programVersion: number;
  orderId: string;
  receipt: OrderReceipt;
  /** When given, the fresh evaluation must still have this quote id (else 409 `conflict` with the evaluation). */
  quoteId?: string;
  /** How long the hold lasts; default 30. */
  holdMinutes?: number;
  now: number;
}

export interface ReturnLineView {
  id: string;
  qty: number;
  pointsTakenBack: number;
  pointsGivenBack: number;
  /** Qualifying spend taken off (the returned units' share of the line's paid amount). */
  amount: number;
}

export interface ReturnView {
  returnId: string;
  orderId: string;
  at: string;
  lines: ReturnLineView[];
  pointsTakenBack: number;
  pointsGivenBack: number;
  amount: number;
}

export interface OrderView {
  orderId: string;
  status: OrderStatus;
  evaluation: QuotedEvaluation;
  holdExpiresAt: string;
  placedAt: string;
  confirmedAt: string | null;
  cancelledAt: string | null;
  limitedCampaigns: LimitedCampaign[];
  returns: ReturnView[];
}

export interface ReturnLinesInput {
  orderId: string;
  returnId: string;
  lines: { id: string; qty: number }[];
}

export interface AdjustInput {
  id: string;
  /**
   * "adjust" (default): a manual adjustment by the shop. "bonus": points the program grants (welcome,
   * events); positive only. Each kind has its own ids, so a shop's adjustment id never meets a bonus id.
   */
  kind?: "adjust" | "bonus";
  /** Non-zero; negative takes points away (never more than the available balance). */
  points: number;
  reason?: string;
  /** Expiry of added points (the program's `points.expiryDays`); null/absent = never. */
  expiryDays?: number | null;
  /** A referral's bonus (flows/referrals.ts): also a `referral.rewarded` event. */
  referral?: { role: "referrer" | "referee"; otherCustomerId: string; trigger: "registration" | "first_order" };
}

export interface AdjustView {
  id: string;
  points: number;
  reason: string | null;
  at: string;
  balance: number;
}

export interface ProfileInput {
  customerId: string;
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  birthday?: string | null;
  referralCode?: string | null;
}

export interface ProfileView {
  id: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  birthday: string | null;
  referralCode: string | null;
  createdAt: string;
  registeredAt: string | null;
}

/** GET /v1/customers/{id}. */
export interface AccountView {
  id: string | null;
  name: string | null;
  member: boolean;
  balance: number;
  pending: number;
  held: number;
  tier: string | null;
  nextTier: { id: string; amountLeft: number } | null;
  expiring: { points: number; at: string }[];
  referralCode: string | null;
  orders: number;
  spend: number;
  /** Coupons still to be used: active, or held by a pending order. Newest first. */
  coupons: CouponView[];
}

/** History entries are what the API answers (the contract's shapes: the widget reads the same). */
export type { HistoryItem, HistoryPage } from "../../contract/public.ts";

/** Part of the program the account needs for reads: tiers (and their window). */
export type TierProgram = Pick<Program, "tiers">;

/** A reward coupon as the API shows it: the contract's shape (the widget reads the same). */
export type CouponView = Coupon;
export type { CouponState };

/** What redeeming a reward needs: the reward as the program has it now, and the program's points expiry. */
export interface RedeemRewardInput {
  rewardId: string;
  name: string;
  cost: number;
  /** The coupon is valid this many days from now. */
  validDays: number;
  /** Expiry of the points given back if the coupon expires unused (`points.expiryDays`); null = never. */
  expiryDays: number | null;
  /** Makes a retry answer the first answer (derived from the request's Idempotency-Key). */
  requestId?: string;
}

/** POST /v1/customers/{id}/rewards/{rewardId}: the coupon issued and the balance after it. */
export interface CouponIssued {
  code: string;
  rewardId: string;
  name: string;
  cost: number;
  expiresAt: string;
  balance: number;
}

/** The snapshot for a checkout evaluation and the rewards whose coupons the receipt presents (for `Engine.quote`). */
export interface CheckoutSnapshot {
  snapshot: CustomerSnapshot;
  rewards: string[];
}

export type EventType = "review" | "rating" | "survey" | "birthday" | "custom";

/** The parts of the program an event needs (null: no program published). */
export type EventProgram = Pick<Program, "timezone" | "status" | "bonuses" | "points">;

/** POST /v1/customers/{id}/events. */
export interface EventInput {
  id: string;
  type: EventType;
  /** custom only: a positive integer. */
  points?: number;
  reason?: string;
  program: EventProgram | null;
}

export interface EventView {
  id: string;
  type: EventType;
  points: number;
  reason: string;
  at: string;
  balance: number;
}
