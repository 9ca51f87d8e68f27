/**
 * The shapes of the public API (`/v1/public/*`, api.md "Widget") as the widget reads them.
 * Money is integer minor units of the program's currency; points are integers.
 */
import type { Program } from "../../engine/host/types.ts";
import type { AccountView } from "../../worker/account/types.ts";

export type { Program };

/** GET /v1/public/program. `program` is validated with defaults applied; campaigns that need a code are left out. */
export interface PublicProgram {
  shop: { name: string };
  programVersion: number;
  program: Program;
}

export interface Coupon {
  code: string;
  rewardId: string;
  name: string;
  cost: number;
  state: string;
  issuedAt: string;
  expiresAt: string | null;
}

export type Channel = "phone" | "email";

/** GET /v1/public/me: the account the shop sees (the Worker's view, type-only) and the widget's extras. */
export type Me = Omit<AccountView, "id" | "member" | "held" | "coupons"> & {
  id: string;
  coupons: Coupon[];
  verification: { channel: Channel; verified: boolean } | null;
};

export interface Verification {
  channel: Channel;
  /** The masked contact the code went to, e.g. "+7 *** ***-45-67". */
  to: string;
  expiresAt: string;
}

export interface RegisterRequest {
  name: string;
  phone?: string;
  email?: string;
  birthday?: string;
  referralCode?: string;
  consent: true;
}

/** POST /v1/public/register → 201. */
export interface Registration {
  customer: Me;
  token: string | null;
  tokenExpiresAt: string | null;
  welcomePoints: number;
  verification: Verification | null;
}

/** POST /v1/public/verify → 200. */
export interface Verified {
  customer: Me;
  welcomePoints: number;
}

export type HistoryType =
  | "order" | "cancel" | "return" | "available" | "expire" | "adjust" | "bonus" | "reward" | "reward_expired";

/** GET /v1/public/me/history: the same items and page the Worker answers (type-only: nothing is bundled). */
export type { HistoryItem, HistoryPage } from "../../worker/account/types.ts";

/** POST /v1/public/me/rewards/{rewardId} → 201. */
export interface RedeemedReward {
  code: string;
  rewardId: string;
  name: string;
  cost: number;
  expiresAt: string | null;
  balance: number;
}
