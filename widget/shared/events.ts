/**
 * The events Kopilka's components dispatch. All bubble and are composed (they cross shadow roots), and are
 * typed through GlobalEventHandlersEventMap, so `widget.addEventListener("kopilka-registered", (e) => e.detail…)`
 * is checked by TypeScript.
 */
import type { ApiError } from "./api.ts";
import type { Me, RedeemedReward, Verification } from "./types.ts";

export interface RegisteredDetail {
  customer: Me;
  /** Points granted now (0 while a verification is pending). */
  welcomePoints: number;
  /** Where the code went when the program grants the welcome points only after verification; else null. */
  verification: Verification | null;
}

export interface BalanceChangedDetail {
  balance: number;
  pending: number;
  /** The balance shown before; null when there was none (the customer just registered or signed in). */
  previous: number | null;
}

export interface RewardRedeemedDetail {
  reward: RedeemedReward;
}

export interface KopilkaErrorDetail {
  /**
   * docs/api.md's error code (`duplicate_contact`, `rate_limited`…), `network` for no answer, `engine` for the
   * preview, `origin_not_allowed` for a page whose origin the shop has not registered (the API's 403 `forbidden`).
   */
  code: string;
  message: string;
  /** HTTP status; 0 for a network failure or a local one. */
  status: number;
  /** The field at fault, when the API named one. */
  path?: string;
  /** What the component was doing: `program`, `register`, `verify`, `me`, `history`, `redeem`, `preview`. */
  operation: string;
}

export type KopilkaRegisteredEvent = CustomEvent<RegisteredDetail>;
export type KopilkaBalanceChangedEvent = CustomEvent<BalanceChangedDetail>;
export type KopilkaRewardRedeemedEvent = CustomEvent<RewardRedeemedDetail>;
export type KopilkaErrorEvent = CustomEvent<KopilkaErrorDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    "kopilka-registered": KopilkaRegisteredEvent;
    "kopilka-balance-changed": KopilkaBalanceChangedEvent;
    "kopilka-reward-redeemed": KopilkaRewardRedeemedEvent;
    "kopilka-error": KopilkaErrorEvent;
  }
}

export function emit<K extends "kopilka-registered" | "kopilka-balance-changed" | "kopilka-reward-redeemed" | "kopilka-error">(
  target: EventTarget, type: K, detail: GlobalEventHandlersEventMap[K]["detail"],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** The detail of a `kopilka-error` for any failure (ApiError or not). */
export function errorDetail(error: unknown, operation: string): KopilkaErrorDetail {
  const e = error as Partial<ApiError> | undefined;
  const detail: KopilkaErrorDetail = {
    code: typeof e?.code === "string" ? e.code : "internal",
    message: typeof e?.message === "string" ? e.message : String(error),
    status: typeof e?.status === "number" ? e.status : 0,
    operation,
  };
  if (typeof e?.path === "string") detail.path = e.path;
  return detail;
}
