/**
 * The widget API's request and answer schemas (docs/api.md "Widget"); the account's own come from the
 * secret-key API's (routes/customer-schemas.ts), which the widget's extend.
 */
import { z } from "@hono/zod-openapi";
import { isWellFormed, maxUnits, UNPAIRED_SURROGATE_MESSAGE } from "../../../engine/host/validate/schema-kit.ts";
import { birthdaySchema, customerSchema } from "../routes/customer-schemas.ts";

const points = z.int();
const text = (max: number) => z.string().max(max).refine(...maxUnits(max)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE);

export const channelSchema = z.enum(["phone", "email"]);

/** The account as the widget shows it: what the shop sees (GET /v1/customers/{id}) and a little more. */
export const meSchema = customerSchema
  .extend({
    referrals: z.object({ invited: z.int(), rewarded: z.int() }).describe("friends who joined with this customer's code; rewarded: bonuses paid"),
    contacts: z.object({ phone: z.string().nullable(), email: z.string().nullable() }).describe("masked"),
    verification: z
      .object({ channel: channelSchema, verified: z.boolean() })
      .nullable()
      .describe("the contact the program verifies before the welcome bonus; null when it verifies none"),
  })
  .meta({ id: "Me" });

export const registerBody = z
  .strictObject({
    name: text(200).pipe(z.string().trim().min(1, "must not be empty")).meta({ examples: ["Анна"] }),
    phone: text(64).nullish().meta({ examples: ["8 (999) 123-45-67"] }),
    email: text(320).nullish().meta({ examples: ["anna@example.com"] }),
    birthday: birthdaySchema(),
    referralCode: text(64).nullish().meta({ description: "a friend's referral code" }),
    consent: z.literal(true, { error: "the shopper must accept the program's terms (true)" }),
  })
  .meta({ id: "Registration" });

export const registeredSchema = z
  .object({
    customer: meSchema,
    token: z.string().nullable().describe("a customer token for the new customer (send it as Bearer from now on); null when the shop signed one"),
    tokenExpiresAt: z.string().nullable(),
    welcomePoints: points.describe("welcome bonus granted now (0 while verification is pending)"),
    verification: z.object({ channel: channelSchema, to: z.string().describe("masked contact"), expiresAt: z.string() }).nullable(),
  })
  .meta({ id: "Registered" });

export const sendBody = z.strictObject({ channel: channelSchema }).meta({ id: "VerificationSend" });
export const sentSchema = z.object({ channel: channelSchema, to: z.string(), expiresAt: z.string() }).meta({ id: "VerificationSent" });
export const verifyBody = z
  .strictObject({ channel: channelSchema, code: z.string().regex(/^\d{6}$/, "must be the 6 digits of the code") })
  .meta({ id: "Verification" });
export const verifiedSchema = z.object({ customer: meSchema, welcomePoints: points }).meta({ id: "Verified" });

export const rewardParam = z.object({
  rewardId: z.string().min(1).max(200).refine(...maxUnits(200)).meta({ examples: ["coupon-20"] }),
});

export const redeemedSchema = z
  .object({ code: z.string(), rewardId: z.string(), name: z.string(), cost: points, expiresAt: z.string(), balance: points })
  .meta({ id: "RewardRedeemed" });

export const publicProgramSchema = z
  .object({
    shop: z.object({ name: z.string() }),
    programVersion: z.int(),
    program: z.record(z.string(), z.unknown()).describe("the program (docs/program.md) without campaigns that need a promo code and without limits"),
  })
  .meta({ id: "PublicProgram" });

