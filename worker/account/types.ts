/**
 * What the CustomerAccount's RPC methods take and give. Times in answers are RFC 3339 strings (UTC), as the
 * HTTP API shows them; times passed in (`now`) are epoch milliseconds from the Worker's clock.
 */
import type { CampaignCounters, Evaluation, Program, Receipt } from "../../engine/host/types.ts";

/** A receipt as the API accepts it: `at` may be left out (the account fills in `now`). */
export type OrderReceipt = Omit<Receipt, "at"> & { at?: string; store?: string };

/** The evaluation as api.md shows it: the engine's, plus the program version and the quote id. */
export type QuotedEvaluation = Evaluation & { programVersion: number; quoteId: string };

export type OrderStatus = "pending" | "confirmed" | "cancelled" | "lapsed";

/** A limited campaign (shop-wide `totalUses` or `budget`) the evaluation applied: the caller reserves/commits/releases it. */
export interface LimitedCampaign {
  campaignId: string;
  /** Money given away by this campaign on this order: the budget to reserve. */
  discount: number;
}

export interface PlaceOrderInput {
  shopId: string;
  program: Program;
  programVersion: number;
  orderId: string;
  receipt: OrderReceipt;
  /** When given, the fresh evaluation must still have this quote id (else 409 `conflict` with the evaluation). */
  quoteId?: string;
  /** How long the hold lasts; default 30. */
  holdMinutes?: number;
  /** What is left of limited campaigns (CampaignCounter); default: the full limits. */
  counters?: CampaignCounters;
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
}

export interface HistoryItem {
  at: string;
  type: string;
  points: number;
  orderId: string | null;
  returnId: string | null;
  store: string | null;
  amount: number | null;
  pointsSpent: number | null;
  pointsEarned: number | null;
  expiresAt: string | null;
  reason: string | null;
}

export interface HistoryPage {
  items: HistoryItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Part of the program the account needs for reads: tiers (and their window). */
export type TierProgram = Pick<Program, "tiers">;
