/**
 * The widget's API (api.md "Widget"): publishable key, the shop's storefront origins only (access.ts), and a
 * customer token for a known customer. What a visitor may see of the program, registration (welcome points at
 * once, or once a contact is verified), verification codes, the customer's own account, history and rewards.
 *
 * Registration and verification are rate-limited per IP and per contact in the shop's RateLimiter object.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { unwrap } from "../account/result.ts";
import { isWellFormed, maxUnits, UNPAIRED_SURROGATE_MESSAGE } from "../../engine/host/validate/schema-kit.ts";
import type { Program } from "../../engine/host/types.ts";
import { newKey } from "../auth.ts";
import { accountOf, currentProgram } from "../checkout.ts";
import { now } from "../clock.ts";
import {
  codeHash,
  grantWelcome,
  maskContact,
  referralMoment,
  sendVerificationCode,
  settleReferral,
} from "../engagement.ts";
import { HttpError, errorResponses, errorSchema, type AppEnv } from "../http.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { codeCheckKeys, codeCheckRules, codeSendRules, clientIp, registerRules } from "../ratelimit/rules.ts";
import { enforceRateLimit, resetRateLimit } from "../ratelimit/enforce.ts";
import { normaliseContact, type ContactKind } from "../shop/contacts.ts";
import { shopObject, type ValidProgram } from "../shop/shop.ts";
import { ISSUED_TOKEN_TTL_SECONDS, signCustomerToken } from "../tokens.ts";
import { corsForShop, preflight, requireCustomerToken, requirePublishableKey } from "./access.ts";
import { customerSchema, historyQuery, historySchema, redeemRewardFor } from "../routes/customers.ts";

const widget = [{ publishableKey: [] }];
const customer = [{ publishableKey: [], customerToken: [] }];
const points = z.int();
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
const text = (max: number) => z.string().max(max).refine(...maxUnits(max)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE);

const channelSchema = z.enum(["phone", "email"]);

/** The account as the widget shows it: what the shop sees (GET /v1/customers/{id}) and a little more. */
const meSchema = customerSchema
  .extend({
    referrals: z.object({ invited: z.int(), rewarded: z.int() }).describe("friends who joined with this customer's code; rewarded: bonuses paid"),
    contacts: z.object({ phone: z.string().nullable(), email: z.string().nullable() }).describe("masked"),
    verification: z
      .object({ channel: channelSchema, verified: z.boolean() })
      .nullable()
      .describe("the contact the program verifies before the welcome bonus; null when it verifies none"),
  })
  .openapi("Me");

const registerBody = z
  .strictObject({
    name: text(200).pipe(z.string().trim().min(1, "must not be empty")).openapi({ example: "Анна" }),
    phone: text(64).nullish().openapi({ example: "8 (999) 123-45-67" }),
    email: text(320).nullish().openapi({ example: "anna@example.com" }),
    birthday: z.iso.date().nullish().openapi({ example: "1990-05-17" }),
    referralCode: text(64).nullish().openapi({ description: "a friend's referral code" }),
    consent: z.literal(true, { error: "the shopper must accept the program's terms (true)" }),
  })
  .openapi("Registration");

const registeredSchema = z
  .object({
    customer: meSchema,
    token: z.string().nullable().describe("a customer token for the new customer (send it as Bearer from now on); null when the shop signed one"),
    tokenExpiresAt: z.string().nullable(),
    welcomePoints: points.describe("welcome bonus granted now (0 while verification is pending)"),
    verification: z.object({ channel: channelSchema, to: z.string().describe("masked contact"), expiresAt: z.string() }).nullable(),
  })
  .openapi("Registered");

const sendBody = z.strictObject({ channel: channelSchema }).openapi("VerificationSend");
const sentSchema = z.object({ channel: channelSchema, to: z.string(), expiresAt: z.string() }).openapi("VerificationSent");
const verifyBody = z
  .strictObject({ channel: channelSchema, code: z.string().regex(/^\d{6}$/, "must be the 6 digits of the code") })
  .openapi("Verification");
const verifiedSchema = z.object({ customer: meSchema, welcomePoints: points }).openapi("Verified");

const rewardParam = z.object({
  rewardId: z.string().min(1).max(200).refine(...maxUnits(200)).openapi({ param: { name: "rewardId", in: "path" }, example: "coupon-20" }),
});

const redeemedSchema = z
  .object({ code: z.string(), rewardId: z.string(), name: z.string(), cost: points, expiresAt: z.string(), balance: points })
  .openapi("RewardRedeemed");

const publicProgramSchema = z
  .object({
    shop: z.object({ name: z.string() }),
    programVersion: z.int(),
    program: z.record(z.string(), z.unknown()).describe("the program (program.md) without campaigns that need a promo code and without limits"),
  })
  .openapi("PublicProgram");

const auth = [requirePublishableKey];

const programRoute = createRoute({
  method: "get", path: "/v1/public/program", tags: ["Widget"], security: widget,
  summary: "The program as a visitor sees it",
  description: "Currency, points, earn rate, tiers, bonuses, rewards and the campaigns anyone can get — enough for the widget to " +
    "explain the program and for the earn preview to run the engine in the browser. Promo-code campaigns and limits are left out.",
  middleware: auth,
  responses: { 200: json(publicProgramSchema, "The program"), ...errorResponses(401, 403, 404) },
});

const registerRoute = createRoute({
  method: "post", path: "/v1/public/register", tags: ["Widget"], security: widget,
  summary: "Join the program",
  description: "With a shop-signed customer token, registers that customer; without one, creates a customer and answers a token " +
    "for it. Welcome points are granted at once (once per phone and per email, ever) — or, when the program verifies a contact, " +
    "a 6-digit code is sent through the shop's webhook and the points wait for POST /v1/public/verify. Rate-limited per IP and " +
    "per contact. Send an `Idempotency-Key` so that a retry answers the first answer instead of a duplicate_contact.",
  middleware: [...auth, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { headers: idempotencyHeaders, body: { content: { "application/json": { schema: registerBody } }, required: true } },
  responses: {
    201: json(registeredSchema, "Registered"),
    ...errorResponses(400, 401, 403, 413, 429),
    409: errors("duplicate_contact: the phone or email belongs to another member (`path`); conflict: already a member, or referred before"),
  },
});

const sendRoute = createRoute({
  method: "post", path: "/v1/public/verify/send", tags: ["Widget"], security: customer,
  summary: "Send a verification code (again)",
  description: "A new 6-digit code to the customer's phone or email (through the shop's webhook), valid 10 minutes; the previous one stops working.",
  middleware: [...auth, requireCustomerToken] as const,
  request: { body: { content: { "application/json": { schema: sendBody } }, required: true } },
  responses: { 202: json(sentSchema, "Sent"), ...errorResponses(400, 401, 403, 404, 429), 422: errors("invalid_state: no such contact, or already verified") },
});

const verifyRoute = createRoute({
  method: "post", path: "/v1/public/verify", tags: ["Widget"], security: customer,
  summary: "Confirm a contact with its code",
  description: "The right code verifies the contact and grants the welcome bonus waiting for it. Five wrong codes end that code.",
  middleware: [...auth, requireCustomerToken] as const,
  request: { body: { content: { "application/json": { schema: verifyBody } }, required: true } },
  responses: {
    200: json(verifiedSchema, "Verified"),
    ...errorResponses(400, 401, 403, 404, 429),
    422: errors("invalid_state: wrong code (the message says how many tries are left), expired, or no code sent"),
  },
});

const meRoute = createRoute({
  method: "get", path: "/v1/public/me", tags: ["Widget"], security: customer,
  summary: "My account", description: "Balance, pending points, tier and progress, expiring points, referral code, coupons.",
  middleware: [...auth, requireCustomerToken] as const,
  responses: { 200: json(meSchema, "The account"), ...errorResponses(401, 403, 404) },
});

const historyRoute = createRoute({
  method: "get", path: "/v1/public/me/history", tags: ["Widget"], security: customer,
  summary: "My points history", description: "Newest first, a page at a time (`nextCursor`).",
  middleware: [...auth, requireCustomerToken] as const,
  request: { query: historyQuery },
  responses: { 200: json(historySchema, "A page"), ...errorResponses(400, 401, 403, 404) },
});

const redeemRoute = createRoute({
  method: "post", path: "/v1/public/me/rewards/{rewardId}", tags: ["Widget"], security: customer,
  summary: "Buy a reward with points",
  description: "Spends the reward's cost and answers a single-use coupon code for the checkout's `codes`. Send an `Idempotency-Key`.",
  middleware: [...auth, requireCustomerToken, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: rewardParam, headers: idempotencyHeaders },
  responses: { 201: json(redeemedSchema, "The coupon"), ...errorResponses(400, 401, 403, 404, 409), 422: errors("insufficient_points") },
});

/** The program without what only the shop should know: promo-code campaigns and campaign limits. */
export function publicProgram(program: ValidProgram): Program {
  const campaigns = (program.campaigns ?? [])
    .filter((c) => !(c.when?.codes && c.when.codes.length > 0))
    .map(({ limits: _limits, ...campaign }) => campaign);
  return { ...(program as Program), campaigns };
}

function welcomeChannel(program: ValidProgram): ContactKind | null {
  const welcome = program.bonuses?.welcome;
  return welcome && welcome.verify ? welcome.verify : null;
}

const CONTACT_PROBLEM: Record<ContactKind, string> = {
  phone: "this does not look like a phone number: write it with the country code, e.g. +7 999 123-45-67",
  email: "this does not look like an e-mail address",
};

function contact(kind: ContactKind, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value.trim() === "") return null;
  const normal = normaliseContact[kind](value);
  if (normal === null) throw new HttpError(400, "invalid_request", `${kind}: ${CONTACT_PROBLEM[kind]}`, kind);
  return normal;
}

const DUPLICATE_MESSAGE: Record<ContactKind, string> = {
  phone: "This phone number is already registered. Sign in with it, or use another number.",
  email: "This e-mail is already registered. Sign in with it, or use another address.",
};

/** The customer's account as the widget shows it. 404 when the shop does not know the customer. */
export async function meOf(env: Env, shopId: string, customerId: string, program: ValidProgram | null, at: number): Promise<z.infer<typeof meSchema>> {
  // Two calls side by side: the Shop's card (code, referrals, contacts, verification) and the account itself.
  const [card, result] = await Promise.all([
    shopObject(env, shopId).customerCard(customerId, at),
    accountOf(env, shopId, customerId).getAccount(at, program ?? undefined),
  ]);
  if (!card.exists) throw new HttpError(404, "not_found", "Not a member yet: register first");
  const view = unwrap(result);
  const channel = program ? welcomeChannel(program) : null;
  return {
    id: customerId,
    name: view.name,
    balance: view.balance,
    pending: view.pending,
    tier: view.tier,
    nextTier: view.nextTier,
    expiring: view.expiring,
    referralCode: card.referralCode,
    referrals: card.referrals,
    orders: view.orders,
    spend: view.spend,
    coupons: view.coupons,
    contacts: {
      phone: card.contacts.phone === null ? null : maskContact("phone", card.contacts.phone),
      email: card.contacts.email === null ? null : maskContact("email", card.contacts.email),
    },
    verification: channel === null ? null : { channel, verified: card.verified[channel] === true },
  };
}

async function programOrNull(env: Env, shopId: string): Promise<ValidProgram | null> {
  try {
    return (await currentProgram(env, shopId)).program as ValidProgram;
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) return null;
    throw e;
  }
}

export function publicRoutes(app: OpenAPIHono<AppEnv>): void {
  app.options("/v1/public/*", preflight);
  app.use("/v1/public/*", corsForShop);

  app.openapi(programRoute, async (c) => {
    const { version, program } = await currentProgram(c.env, c.var.shopId);
    return c.json({ shop: { name: c.var.shopName ?? "" }, programVersion: version, program: publicProgram(program as ValidProgram) as unknown as Record<string, unknown> }, 200);
  });

  app.openapi(registerRoute, async (c) => {
    const { shopId } = c.var;
    const body = c.req.valid("json");
    const at = now();
    await enforceRateLimit(c.env, shopId, registerRules({ ip: clientIp(c.req.raw), phone: body.phone, email: body.email }), at);
    const phone = contact("phone", body.phone);
    const email = contact("email", body.email);
    if (phone === null && email === null) throw new HttpError(400, "invalid_request", "Give a phone number or an e-mail", "phone");
    const program = await programOrNull(c.env, shopId);
    const channel = program ? welcomeChannel(program) : null;
    if (channel !== null && (channel === "phone" ? phone : email) === null) {
      throw new HttpError(400, "invalid_request", `${channel}: required — the program confirms it with a code`, channel);
    }
    const shop = shopObject(c.env, shopId);
    const signed = c.var.customerId;
    const customerId = signed ?? `kw_${newKey("publishable", "x").slice(5)}`;
    if (signed !== undefined && (await shop.customerCard(signed, at)).consent) {
      throw new HttpError(409, "conflict", "You are already a member", undefined);
    }
    // Every refusal comes before the first write.
    let referrerId: string | null = null;
    if (body.referralCode) {
      referrerId = await shop.findReferralCode(body.referralCode);
      if (referrerId === null) throw new HttpError(400, "invalid_request", "referralCode: no member has this referral code", "referralCode");
      if (referrerId === customerId) throw new HttpError(400, "invalid_request", "referralCode: this is your own referral code", "referralCode");
    }
    if (channel !== null) {
      const to = channel === "phone" ? phone : email;
      await enforceRateLimit(c.env, shopId, codeSendRules({ ip: clientIp(c.req.raw), [channel]: to }), at);
    }

    const welcome = program?.bonuses?.welcome;
    const welcomeNow = welcome != null && welcome.points > 0 && channel === null;
    const claim = await shop.claimContacts({ customerId, phone, email, welcome: welcomeNow, consent: true }, at);
    if (!claim.ok) {
      if (claim.reason === "taken") throw new HttpError(409, "duplicate_contact", DUPLICATE_MESSAGE[claim.field], claim.field);
      throw new HttpError(400, "invalid_request", `${claim.field}: ${CONTACT_PROBLEM[claim.field]}`, claim.field);
    }
    const account = accountOf(c.env, shopId, customerId);
    unwrap(await account.upsertProfile({ customerId, name: body.name, phone, email, birthday: body.birthday ?? null, referralCode: null }, at));

    let welcomePoints = 0;
    if (welcomeNow && claim.welcomeMine && program && (await grantWelcome(c.env, shopId, customerId, program, at))) {
      welcomePoints = welcome.points;
    }
    if (body.referralCode && program) {
      const attached = await shop.attachReferral(customerId, body.referralCode, at);
      if (!attached.ok && attached.reason === "already_referred") {
        throw new HttpError(409, "conflict", "referralCode: you were already referred by another member", "referralCode");
      }
      if (attached.ok && referralMoment(program) === "registration") await settleReferral(c.env, shopId, customerId, program, at);
    }
    let verification: z.infer<typeof registeredSchema>["verification"] = null;
    if (channel !== null) {
      const sent = await sendVerificationCode(c.env, shopId, customerId, channel, at, c.req.header("accept-language")?.split(",")[0]);
      if (sent.ok) verification = { channel, to: maskContact(channel, sent.contact), expiresAt: new Date(sent.expiresAt).toISOString() };
    }
    let token: string | null = null;
    let tokenExpiresAt: string | null = null;
    if (signed === undefined) {
      const exp = Math.floor(at / 1000) + ISSUED_TOKEN_TTL_SECONDS;
      token = await signCustomerToken(c.var.secretKey!, customerId, exp);
      tokenExpiresAt = new Date(exp * 1000).toISOString();
    }
    const me = await meOf(c.env, shopId, customerId, program, at);
    return c.json({ customer: me, token, tokenExpiresAt, welcomePoints, verification }, 201);
  });

  app.openapi(sendRoute, async (c) => {
    const { shopId } = c.var;
    const customerId = c.var.customerId!;
    const { channel } = c.req.valid("json");
    const at = now();
    const shop = shopObject(c.env, shopId);
    const [contacts, card] = await Promise.all([shop.contactsOf(customerId), shop.customerCard(customerId, at)]);
    const to = contacts[channel];
    if (!card.exists) throw new HttpError(404, "not_found", "Not a member yet: register first");
    if (to === null) throw new HttpError(422, "invalid_state", `You have no ${channel === "phone" ? "phone number" : "e-mail"} to confirm`, "channel");
    if (card.verified[channel]) throw new HttpError(422, "invalid_state", `Your ${channel} is already confirmed`, "channel");
    await enforceRateLimit(c.env, shopId, codeSendRules({ ip: clientIp(c.req.raw), [channel]: to }), at);
    const sent = await sendVerificationCode(c.env, shopId, customerId, channel, at, c.req.header("accept-language")?.split(",")[0]);
    if (!sent.ok) {
      throw new HttpError(422, "invalid_state", sent.reason === "already_verified" ? `Your ${channel} is already confirmed` : `You have no ${channel} to confirm`, "channel");
    }
    return c.json({ channel, to: maskContact(channel, sent.contact), expiresAt: new Date(sent.expiresAt).toISOString() }, 202);
  });

  app.openapi(verifyRoute, async (c) => {
    const { shopId } = c.var;
    const customerId = c.var.customerId!;
    const { channel, code } = c.req.valid("json");
    const at = now();
    const shop = shopObject(c.env, shopId);
    const contacts = await shop.contactsOf(customerId);
    const to = contacts[channel];
    await enforceRateLimit(c.env, shopId, codeCheckRules({ ip: clientIp(c.req.raw), [channel]: to }), at);
    const program = await programOrNull(c.env, shopId);
    const welcomeHere = program !== null && welcomeChannel(program) === channel;
    const checked = await shop.checkVerification({ customerId, channel, codeHash: await codeHash(shopId, customerId, channel, code), now: at, welcome: welcomeHere });
    if (!checked.ok) {
      switch (checked.reason) {
        case "wrong":
          throw new HttpError(422, "invalid_state", `The code is not right; ${checked.attemptsLeft} ${checked.attemptsLeft === 1 ? "try" : "tries"} left`, "code", { attemptsLeft: checked.attemptsLeft });
        case "expired":
          throw new HttpError(422, "invalid_state", "The code has expired: ask for a new one", "code");
        case "locked":
          throw new HttpError(422, "invalid_state", "Too many wrong codes: ask for a new one", "code");
        case "changed":
        case "none":
          throw new HttpError(422, "invalid_state", "No code was sent to this contact: ask for one", "code");
      }
    }
    if (to !== null) await resetRateLimit(c.env, shopId, codeCheckKeys({ [channel]: to }));
    let welcomePoints = 0;
    if (welcomeHere && checked.welcomeMine && program) {
      // The grant has a fixed id, so running it again after an interruption grants nothing twice.
      const granted = await grantWelcome(c.env, shopId, customerId, program, at);
      // What this verification granted. A second contact verified later (the shop changed the phone) brings no
      // second bonus and says so.
      if (granted) welcomePoints = program.bonuses?.welcome?.points ?? 0;
    }
    if (checked.replay && checked.answeredWelcome !== null) {
      welcomePoints = checked.answeredWelcome; // a retry of the right code answers what the first answer said
    } else {
      await shop.noteVerificationWelcome(customerId, channel, welcomePoints);
    }
    return c.json({ customer: await meOf(c.env, shopId, customerId, program, at), welcomePoints }, 200);
  });

  app.openapi(meRoute, async (c) => {
    const at = now();
    const program = await programOrNull(c.env, c.var.shopId);
    return c.json(await meOf(c.env, c.var.shopId, c.var.customerId!, program, at), 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { shopId } = c.var;
    const customerId = c.var.customerId!;
    const { cursor, limit } = c.req.valid("query");
    const at = now();
    if (!(await shopObject(c.env, shopId).hasCustomer(customerId))) throw new HttpError(404, "not_found", "Not a member yet: register first");
    return c.json(unwrap(await accountOf(c.env, shopId, customerId).history({ cursor, limit }, at)), 200);
  });

  app.openapi(redeemRoute, async (c) => {
    const { shopId } = c.var;
    const customerId = c.var.customerId!;
    const { rewardId } = c.req.valid("param");
    const at = now();
    if (!(await shopObject(c.env, shopId).hasCustomer(customerId))) throw new HttpError(404, "not_found", "Not a member yet: register first");
    return c.json(await redeemRewardFor(c.env, shopId, customerId, rewardId, at, c.req.header("idempotency-key")), 201);
  });
}
