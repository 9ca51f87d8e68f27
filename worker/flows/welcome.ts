/**
 * The welcome bonus (program.md `bonuses.welcome`), granted once per contact identity, ever: at registration, or
 * when the contact the program verifies is confirmed (registration.ts, verification.ts both grant it here).
 */
import { accountOf } from "../account/account.ts";
import { unwrap } from "../lib/refusal.ts";
import type { ValidProgram } from "../shop/types.ts";

/** The welcome bonus's fixed id: granting it again after an interruption grants nothing twice. */
export const WELCOME_BONUS_ID = "welcome";

/** Grants the welcome bonus once (its fixed id); true when this call granted it. */
export async function grantWelcome(env: Env, shopId: string, customerId: string, program: ValidProgram, at: number): Promise<boolean> {
  const welcome = program.bonuses?.welcome;
  if (!welcome || welcome.points <= 0) return false;
  const bonus = unwrap(await accountOf(env, shopId, customerId).grantBonus(
    { id: WELCOME_BONUS_ID, points: welcome.points, reason: "welcome", expiryDays: program.points.expiryDays ?? null }, at));
  return bonus.granted;
}
