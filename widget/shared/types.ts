/**
 * The shapes of the public API (`/v1/public/*`, docs/api.md "Widget") as the widget reads them: the contract's types
 * (contract/public.ts) under the names the widget has always exported.
 * Money is integer minor units of the program's currency; points are integers.
 */
import type { RewardRedeemed, Registered, VerificationSent } from "../../contract/public.ts";

export type {
  Channel,
  Coupon,
  HistoryItem,
  HistoryPage,
  HistoryType,
  Me,
  Program,
  PublicProgram,
  RegisterRequest,
  Verified,
} from "../../contract/public.ts";

/** A code was sent: where to, and until when (VerificationSent). */
export type Verification = VerificationSent;

/** POST /v1/public/register → 201 (Registered). */
export type Registration = Registered;

/** POST /v1/public/me/rewards/{rewardId} → 201 (RewardRedeemed). */
export type RedeemedReward = RewardRedeemed;
