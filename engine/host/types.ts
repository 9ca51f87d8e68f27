/**
 * The shapes that cross Kopilka's boundaries: the program document (docs/program.md), the receipt and customer
 * snapshot (docs/api.md, docs/cli.md) and the evaluation the engine returns (docs/api.md's quote without `quoteId`).
 * Money is integer minor units, points are integers, rates are basis points (1% = 100).
 */

export type Bps = number;
export type Money = number;

export interface Program {
  currency: string;
  timezone: string;
  status?: "active" | "paused";
  points: { value: number; expiryDays?: number | null; pendingDays?: number; remindDays?: number[] };
  earn: {
    rateBps: Bps;
    step?: { every: Money; points: number } | null;
    onPointsPaid?: boolean;
    excludeTags?: string[];
  };
  redeem: {
    maxShareBps: Bps;
    minOrder?: Money;
    excludeTags?: string[];
    minPoints?: number;
  };
  tiers?: {
    basis?: "spend";
    windowDays?: number | null;
    levels: TierLevel[];
  } | null;
  bonuses?: Bonuses;
  campaigns?: Campaign[];
  rewards?: Reward[];
}

export interface TierLevel {
  id: string;
  name: string;
  from: Money;
  rateBps?: Bps;
  discountBps?: Bps;
  freeShipping?: boolean;
}

export interface Bonuses {
  welcome?: { points: number; verify?: "email" | "phone" | null } | null;
  referral?: { referrer: number; referee: number; on: "first_order" | "registration" } | null;
  review?: number;
  rating?: number;
  survey?: number;
  birthday?: { points: number; daysBefore: number; daysAfter: number; auto?: boolean } | null;
}

export interface Reward {
  id: string;
  name: string;
  cost: number;
  coupon: { discountBps: Bps; target: "item" | "order"; validDays: number };
}

export interface TargetFilter {
  skus?: string[];
  categories?: string[];
  tags?: string[];
  excludeTags?: string[];
}

export interface BundleItem {
  skus?: string[];
  categories?: string[];
  tags?: string[];
  qty: number;
}

export interface Campaign {
  id: string;
  name?: string;
  priority?: number;
  stacking?: "stack" | "exclusive";
  basis?: "discounted" | "original";
  audience?: { tiers?: string[]; members?: boolean };
  when?: {
    from?: string;
    to?: string;
    weekdays?: number[];
    hours?: { from: string; to: string };
    orderNumber?: { eq: number } | { every: number; offset?: number };
    minSubtotal?: Money;
    minQty?: number;
    codes?: string[];
    birthday?: { daysBefore: number; daysAfter: number };
    boughtTargetBefore?: boolean;
  };
  target?: TargetFilter;
  effect: {
    discountBps?: Bps;
    discountAmount?: Money;
    cheapestFree?: number;
    bundle?: { items: BundleItem[]; discountBps: Bps };
    pointsMultiplierBps?: Bps;
    bonusPoints?: number;
    freeShipping?: boolean;
  };
  limits?: { totalUses?: number; perCustomer?: number; budget?: Money };
}

/** A cart at checkout (docs/api.md). `at` is required by the engine; the API fills in "now". */
export interface Receipt {
  customerId?: string;
  /** Where the purchase was made (a store or channel); the engine ignores it, the history shows it. */
  store?: string;
  at: string;
  lines: ReceiptLine[];
  shipping?: Money;
  codes?: string[];
  redeemPoints?: number | "max";
}

export interface ReceiptLine {
  id: string;
  sku?: string;
  categories?: string[];
  tags?: string[];
  price: Money;
  qty: number;
}

/** What the engine needs to know about the customer (docs/cli.md). Every field is optional. */
export interface CustomerSnapshot {
  balance?: number;
  spend?: Money;
  orders?: number;
  birthday?: string | null;
  boughtSkus?: string[];
  boughtCategories?: string[];
  campaignUses?: Record<string, number>;
  member?: boolean;
}

/** Shop-wide counters the Worker keeps: what is left of each campaign's `totalUses` and `budget`. */
export type CampaignCounters = Record<string, { usesLeft?: number; budgetLeft?: Money }>;

export interface LineEvaluation {
  id: string;
  amount: Money;
  discount: Money;
  discounts: { campaign: string; amount: Money }[];
  /** Money of this line covered by points. */
  pointsPaid: Money;
  pointsEarned: number;
}

export type Nudge =
  | { type: "tier"; tier: string; amountLeft: Money }
  | { type: "campaign"; campaign: string; amountLeft: Money; qtyLeft: number }
  | { type: "freeShipping"; campaign: string; amountLeft: Money; qtyLeft: number };

export interface Evaluation {
  subtotal: Money;
  discount: Money;
  pointsSpent: number;
  pointsSpentAmount: Money;
  maxRedeemablePoints: number;
  shipping: Money;
  total: Money;
  pointsEarned: number;
  freeShipping: boolean;
  lines: LineEvaluation[];
  campaigns: { id: string; discount: Money; points: number }[];
  earned: { source: string; points: number }[];
  nudges: Nudge[];
  customer: { id: string | null; tier: string | null; balance: number };
}

/** One problem found in an input, with the JSON path of the field at fault (e.g. `lines[2].price`). */
export interface Problem {
  path: string;
  message: string;
}
