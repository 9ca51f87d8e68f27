/**
 * The widget API (`/v1/public/*`, docs/api.md "Widget"): what each route takes and answers, field for field as the
 * Worker renders it (worker/http/public/routes.ts). Plain types, no runtime: the storefront widget reads them, and the
 * Worker's routes are meant to type-check against them. Names in parentheses are the OpenAPI components.
 *
 * Money is integer minor units of the program's currency; points are integers; times are RFC 3339 strings (UTC).
 */
import type { Problem, Program } from "../engine/host/types.ts";

export type { Problem, Program };

/** The contact the program verifies with a 6-digit code. */
export type Channel = "phone" | "email";

// ---- GET /v1/public/program ---------------------------------------------------------------------

/** 200 (PublicProgram). */
export interface PublicProgram {
  shop: { name: string };
  programVersion: number;
  /** Validated, defaults applied; without campaigns that need a promo code, and without campaign limits. */
  program: Program;
}

// ---- the account: GET /v1/public/me, and the `customer` of register and verify -------------------

export type CouponState = "active" | "held" | "used" | "expired";

/** A reward coupon (Coupon). */
export interface Coupon {
  code: string;
  rewardId: string;
  /** The reward's name when it was redeemed. */
  name: string;
  /** Points paid for it. */
  cost: number;
  /** held: by a pending order; expired: its cost came back as points. */
  state: CouponState;
  issuedAt: string;
  expiresAt: string;
  /** The order holding (held) or having used (used) it. */
  orderId: string | null;
}

/** 200 of GET /v1/public/me (Me): what the shop sees of the account (GET /v1/customers/{id}) and a little more. */
export interface Me {
  id: string;
  name: string | null;
  /** Points available to spend now. */
  balance: number;
  /** Points earned but not yet available (points.pendingDays). */
  pending: number;
  tier: string | null;
  /** `amountLeft`: qualifying spend still needed. */
  nextTier: { id: string; amountLeft: number } | null;
  /** Points expiring in the next 30 days. */
  expiring: { points: number; at: string }[];
  /** This customer's own code to share. */
  referralCode: string | null;
  /** Friends who joined with this customer's code; `rewarded`: bonuses paid. */
  referrals: { invited: number; rewarded: number };
  orders: number;
  /** Qualifying spend for tiers. */
  spend: number;
  /** Coupons still to be used (active, or held by a pending order), newest first. */
  coupons: Coupon[];
  /** Masked, e.g. "+7 *** ***-45-67". */
  contacts: { phone: string | null; email: string | null };
  /** The contact the program verifies before the welcome bonus; null when it verifies none. */
  verification: { channel: Channel; verified: boolean } | null;
}

/** The account as the shop's backend sees it (`GET /v1/customers/{id}`, OpenAPI "Customer"): `Me` without what only the widget adds. */
export type Customer = Omit<Me, "referrals" | "contacts" | "verification">;

// ---- POST /v1/public/register ------------------------------------------------------------------

/** The body (Registration). A phone or an e-mail is required; the one the program verifies always is. */
export interface RegisterRequest {
  name: string;
  /** Any way a person writes it; the Worker normalises it (contract/contacts.ts). */
  phone?: string | null;
  email?: string | null;
  /** YYYY-MM-DD. */
  birthday?: string | null;
  /** A friend's referral code. */
  referralCode?: string | null;
  /** The shopper accepts the program's terms. */
  consent: true;
}

/** A code was sent (VerificationSent): also the `verification` of Registered. */
export interface VerificationSent {
  channel: Channel;
  /** The masked contact the code went to, e.g. "+7 *** ***-45-67". */
  to: string;
  expiresAt: string;
}

/** 201 (Registered). */
export interface Registered {
  customer: Me;
  /** A customer token for the new customer (send it as Bearer from now on); null when the shop signed one. */
  token: string | null;
  tokenExpiresAt: string | null;
  /** The welcome bonus granted now (0 while verification is pending). */
  welcomePoints: number;
  /** null when the program verifies no contact, or the code could not be sent. */
  verification: VerificationSent | null;
}

// ---- POST /v1/public/verify/send, POST /v1/public/verify -----------------------------------------

/** The body of POST /v1/public/verify/send (VerificationSend); it answers 202 VerificationSent. */
export interface VerificationSendRequest {
  channel: Channel;
}

/** The body of POST /v1/public/verify (Verification). */
export interface VerifyRequest {
  channel: Channel;
  /** The 6 digits of the code. */
  code: string;
}

/** 200 of POST /v1/public/verify (Verified). */
export interface Verified {
  customer: Me;
  /** What this verification granted (0 when the welcome bonus was had before). */
  welcomePoints: number;
}

// ---- GET /v1/public/me/history -----------------------------------------------------------------

/** The query: `cursor` from the previous page, `limit` 1 to 100 (default 50). */
export interface HistoryQuery {
  cursor?: string;
  limit?: number;
}

/** The `type`s the ledger writes today; the Worker answers a plain string, so a newer one may appear. */
export type HistoryType =
  | "order" | "cancel" | "return" | "available" | "expire" | "adjust" | "bonus" | "reward" | "reward_expired";

export interface HistoryItem {
  at: string;
  /** One of HistoryType today. */
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

/** 200: newest first. */
export interface HistoryPage {
  items: HistoryItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

// ---- POST /v1/public/me/rewards/{rewardId} -----------------------------------------------------

/** 201 (RewardRedeemed): the coupon issued and the balance after it. */
export interface RewardRedeemed {
  code: string;
  rewardId: string;
  name: string;
  cost: number;
  expiresAt: string;
  balance: number;
}

// ---- errors ------------------------------------------------------------------------------------

/**
 * Every non-2xx answer (Error). A 429 carries `Retry-After` (seconds) as a header. Codes the widget routes
 * answer: invalid_request (400, `path` names the field), unauthorized (401), forbidden (403, origin not the
 * shop's), not_found (404), duplicate_contact / conflict / idempotency_conflict (409), payload_too_large (413),
 * invalid_state / insufficient_points (422), rate_limited (429).
 */
export interface ErrorBody {
  error: {
    code: string;
    message: string;
    /** The field at fault, if any (`phone`, `referralCode`, `code`…). */
    path?: string;
    /** 422 program_invalid: every problem found. */
    problems?: Problem[];
    /** 422 invalid_state of a wrong verification code: tries left for this code. */
    attemptsLeft?: number;
  };
}
