/**
 * Customers (secret key, api.md): create or update a customer (contacts are unique in the shop; creation grants
 * the welcome bonus once per phone and per email, ever), read the account, look a customer up by contact, page
 * through the history, adjust points by hand, record events that earn the program's bonuses, redeem rewards for
 * coupons and list them. `redeemRewardFor` and `couponsOf` serve the widget's routes too.
 *
 * Customer ids are the shop's own and live in the shop's namespace: the account is
 * `CUSTOMER_ACCOUNT.idFromName(shopId + ":" + customerId)` with the shop id of the verified key, so another
 * shop's customer is simply not found (404, never 403 — the id means nothing outside its shop).
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { unwrap } from "../account/result.ts";
import type { AccountView, CouponIssued, CouponView } from "../account/types.ts";
import { requireSecretKey, sha256Hex } from "../auth.ts";
import { isWellFormed, maxUnits, UNPAIRED_SURROGATE_MESSAGE } from "../../engine/host/validate/schema-kit.ts";
import { accountOf } from "../checkout.ts";
import { referralMoment, settleReferral } from "../engagement.ts";
import { now } from "../clock.ts";
import { HttpError, errorResponses, errorSchema, type AppEnv } from "../http.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { normaliseContact, type ContactKind } from "../shop/contacts.ts";
import { shopObject, type ProgramVersion } from "../shop/shop.ts";

const secret = [{ secretKey: [] }];
const points = z.int();
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,200}$/;

const customerIdParam = z.object({
  customerId: z
    .string()
    .regex(ID_PATTERN, "must be 1 to 200 letters, digits or _ . : @ -")
    .openapi({ param: { name: "customerId", in: "path" }, example: "c-42" }),
});

const profileBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).refine(...maxUnits(200)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish(),
    phone: z.string().max(64).refine(...maxUnits(64)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish().openapi({ example: "8 (999) 123-45-67", description: "stored in E.164: +79991234567" }),
    email: z.string().max(320).refine(...maxUnits(320)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish().openapi({ example: "Anna@Example.com", description: "stored trimmed and lower-cased" }),
    birthday: z.iso.date().nullish().openapi({ example: "1990-05-17" }),
    referralCode: z.string().trim().min(1).max(64).refine(...maxUnits(64)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).nullish()
      .openapi({ description: "the referral code of the customer who referred this one (once per customer; the program's referral bonuses follow)" }),
  })
  .openapi("CustomerProfile", {
    description: "The whole profile: PUT replaces it, so a field left out (or null) is cleared, and a contact left out is released.",
  });

export const customerSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    balance: points.describe("points available to spend now"),
    pending: points.describe("points earned but not yet available (points.pendingDays)"),
    tier: z.string().nullable(),
    nextTier: z.object({ id: z.string(), amountLeft: z.int().describe("qualifying spend still needed, minor units") }).nullable(),
    expiring: z.array(z.object({ points, at: z.string().describe("RFC 3339") })).describe("points expiring in the next 30 days"),
    referralCode: z.string().nullable().describe("this customer's own code to share"),
    orders: z.int(),
    spend: z.int().describe("qualifying spend for tiers, minor units"),
    coupons: z.array(z.lazy(() => couponSchema)).describe("coupons still to be used (active, or held by a pending order), newest first"),
  })
  .openapi("Customer");

export const couponSchema = z
  .object({
    code: z.string().openapi({ example: "K-7Q4M-XR2D-9HWT" }),
    rewardId: z.string(),
    name: z.string().describe("the reward's name when it was redeemed"),
    cost: points.describe("points paid for it"),
    state: z.enum(["active", "held", "used", "expired"]).describe("held: by a pending order; expired: its cost came back as points"),
    issuedAt: z.string(),
    expiresAt: z.string(),
    orderId: z.string().nullable().describe("the order holding or having used it"),
  })
  .openapi("Coupon");

const upsertedSchema = customerSchema.extend({ welcomePoints: points.describe("the welcome bonus granted by this request") }).openapi("CustomerUpserted");

export const historySchema = z
  .object({
    items: z.array(
      z.object({
        at: z.string(),
        type: z.string(),
        points,
        orderId: z.string().nullable(),
        returnId: z.string().nullable(),
        store: z.string().nullable(),
        amount: z.int().nullable(),
        pointsSpent: points.nullable(),
        pointsEarned: points.nullable(),
        expiresAt: z.string().nullable(),
        reason: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable().describe("pass as `cursor` for the next (older) page; null on the last"),
  })
  .openapi("CustomerHistory");

export const historyQuery = z.object({
  cursor: z.string().max(64).refine(...maxUnits(64)).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: "1 to 100, default 50" }),
});

const lookupQuery = z.object({
  phone: z.string().max(64).refine(...maxUnits(64)).optional(),
  email: z.string().max(320).refine(...maxUnits(320)).optional(),
});

const adjustmentBody = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, "must be 1 to 200 letters, digits or _ . : @ -").openapi({ example: "adj1" }),
    points: z.int().min(-1e15).max(1e15).refine((p) => p !== 0, "must not be 0").openapi({ example: -50 }),
    reason: z.string().trim().min(1).max(500).refine(...maxUnits(500)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).optional(),
  })
  .openapi("AdjustmentRequest");

const adjustmentSchema = z
  .object({ id: z.string(), points, reason: z.string().nullable(), at: z.string(), balance: points.describe("available after it") })
  .openapi("Adjustment");

const EVENT_TYPES = ["review", "rating", "survey", "birthday", "custom"] as const;

const eventBody = z
  .strictObject({
    id: z.string().regex(ID_PATTERN, "must be 1 to 200 letters, digits or _ . : @ -").openapi({ example: "ev1" }),
    type: z.enum(EVENT_TYPES),
    points: z.int().min(1).max(1e15).optional().openapi({ description: "custom only (required there)", example: 100 }),
    reason: z.string().trim().min(1).max(500).refine(...maxUnits(500)).refine(isWellFormed, UNPAIRED_SURROGATE_MESSAGE).optional()
      .openapi({ description: "custom only; the history shows it (default: the type)" }),
  })
  .openapi("EventRequest");

const eventSchema = z
  .object({ id: z.string(), type: z.enum(EVENT_TYPES), points, reason: z.string(), at: z.string(), balance: points.describe("available after it") })
  .openapi("Event");

const rewardParams = customerIdParam.extend({
  rewardId: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1 to 64 letters, digits, '_', '.' or '-'")
    .openapi({ param: { name: "rewardId", in: "path" }, example: "coupon-20" }),
});

const couponIssuedSchema = z
  .object({
    code: z.string().openapi({ example: "K-7Q4M-XR2D-9HWT", description: "present it in a receipt's `codes`" }),
    rewardId: z.string(),
    name: z.string(),
    cost: points,
    expiresAt: z.string().describe("RFC 3339; unused by then, it expires and its cost comes back as points"),
    balance: points.describe("available after it"),
  })
  .openapi("CouponIssued");

const duplicateContact = {
  409: {
    description: "duplicate_contact: another customer holds the phone or email (`path` says which); idempotency_conflict",
    content: { "application/json": { schema: errorSchema } },
  },
};

const putRoute = createRoute({
  method: "put", path: "/v1/customers/{customerId}", tags: ["Customers"], security: secret,
  summary: "Create or update a customer",
  description: "Replaces the profile. Phones are stored in E.164, emails lower-cased; another customer holding either is " +
    "409 duplicate_contact. Creation grants the program's welcome bonus, once per phone and per email in the shop, ever. " +
    "A retry without `Idempotency-Key` is an update (200, no bonus); with one it answers the first answer.",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: customerIdParam, headers: idempotencyHeaders, body: { content: { "application/json": { schema: profileBody } }, required: true } },
  responses: {
    200: json(upsertedSchema, "Updated"),
    201: json(upsertedSchema, "Created"),
    ...errorResponses(400, 401, 413),
    ...duplicateContact,
  },
});

const getRoute = createRoute({
  method: "get", path: "/v1/customers/{customerId}", tags: ["Customers"], security: secret,
  summary: "A customer's account", description: "Balance, pending points, tier, what expires soon, orders and spend.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam },
  responses: { 200: json(customerSchema, "The account"), ...errorResponses(400, 401, 404) },
});

const lookupRoute = createRoute({
  method: "get", path: "/v1/customers", tags: ["Customers"], security: secret,
  summary: "Find a customer by phone or email",
  description: "Exactly one of `phone` (any accepted form) or `email`. The account of the customer holding it.",
  middleware: [requireSecretKey] as const,
  request: { query: lookupQuery },
  responses: { 200: json(customerSchema, "The account"), ...errorResponses(400, 401, 404) },
});

const historyRoute = createRoute({
  method: "get", path: "/v1/customers/{customerId}/history", tags: ["Customers"], security: secret,
  summary: "A customer's points history", description: "Newest first, a page at a time.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam, query: historyQuery },
  responses: { 200: json(historySchema, "A page"), ...errorResponses(400, 401, 404) },
});

const adjustRoute = createRoute({
  method: "post", path: "/v1/customers/{customerId}/adjustments", tags: ["Customers"], security: secret,
  summary: "Add or take points by hand",
  description: "Positive: points available now (expiring after the program's `points.expiryDays`). Negative: taken from " +
    "the available points (422 insufficient_points beyond them). `id` makes it idempotent: the same id and body answer " +
    "the first answer, another body is 409 idempotency_conflict.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam, body: { content: { "application/json": { schema: adjustmentBody } }, required: true } },
  responses: { 201: json(adjustmentSchema, "The adjustment"), ...errorResponses(400, 401, 404, 409, 413, 422) },
});

const eventRoute = createRoute({
  method: "post", path: "/v1/customers/{customerId}/events", tags: ["Customers"], security: secret,
  summary: "Record an event that earns a bonus",
  description: "`review`, `rating`, `survey`: the program's bonus for it (422 invalid_state when it grants none). `birthday`: " +
    "the program's birthday bonus, inside its window around the profile's birthday (program timezone), once per year " +
    "(409 conflict for a second one). `custom`: `points` (and an optional `reason`). Points expire after the program's " +
    "`points.expiryDays`. `id` makes it idempotent forever: the same id and body answer the first answer, another body is 409 " +
    "idempotency_conflict.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam, body: { content: { "application/json": { schema: eventBody } }, required: true } },
  responses: { 201: json(eventSchema, "The bonus granted"), ...errorResponses(400, 401, 404, 409, 413, 422) },
});

const rewardRoute = createRoute({
  method: "post", path: "/v1/customers/{customerId}/rewards/{rewardId}", tags: ["Customers"], security: secret,
  summary: "Redeem a reward for a coupon",
  description: "Spends the reward's cost (soonest-expiring points first) and issues a single-use coupon code for this customer, " +
    "valid the reward's `coupon.validDays`. The customer presents it in a receipt's `codes`; for anyone else it does nothing. " +
    "Unused by its expiry, its cost comes back as points. 422 insufficient_points beyond the available balance. Send an " +
    "`Idempotency-Key` to make retries safe.",
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { params: rewardParams, headers: idempotencyHeaders },
  responses: { 201: json(couponIssuedSchema, "The coupon"), ...errorResponses(400, 401, 404, 409, 422) },
});

const couponsRoute = createRoute({
  method: "get", path: "/v1/customers/{customerId}/coupons", tags: ["Customers"], security: secret,
  summary: "A customer's coupons", description: "Every coupon in every state, newest first.",
  middleware: [requireSecretKey] as const,
  request: { params: customerIdParam },
  responses: { 200: json(z.object({ items: z.array(couponSchema) }).openapi("CouponList"), "The coupons"), ...errorResponses(400, 401, 404) },
});

/** The account as api.md shows it (the path's id; internal fields such as `member` and `held` stay inside). */
function customerView(customerId: string, view: AccountView): z.infer<typeof customerSchema> {
  const { name, balance, pending, tier, nextTier, expiring, referralCode, orders, spend, coupons } = view;
  return { id: customerId, name, balance, pending, tier, nextTier, expiring, referralCode, orders, spend, coupons };
}

const CONTACT_PROBLEM: Record<ContactKind, string> = {
  phone: "not a phone number: give it with its country code (+44 20 7946 0958) or as a Russian number (8 999 123-45-67)",
  email: "not an email address",
};

const invalidContact = (kind: ContactKind) => new HttpError(400, "invalid_request", `${kind}: ${CONTACT_PROBLEM[kind]}`, kind);

/** The contact normalised (phone E.164, email lower-case); null when absent; 400 naming the field when malformed. */
function contact(kind: ContactKind, value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const normal = normaliseContact[kind](value);
  if (normal === null) throw invalidContact(kind);
  return normal;
}

/** 404 unless the customer exists in this shop (created here, or named by an order). */
async function requireCustomer(env: Env, shopId: string, customerId: string): Promise<void> {
  if (!(await shopObject(env, shopId).hasCustomer(customerId))) throw new HttpError(404, "not_found", `No customer ${customerId}`);
}

/**
 * Redeems one of the program's rewards for the customer: 404 for a customer the shop does not have or a reward
 * the current program does not have, 422 `invalid_state` while the program is paused, 422 `insufficient_points`
 * beyond the available balance. `idempotencyKey` (the request's Idempotency-Key) makes the account answer a retry
 * with the first coupon. Used by `POST /v1/customers/{id}/rewards/{rewardId}` and the widget's
 * `POST /v1/public/me/rewards/{rewardId}`.
 */
export async function redeemRewardFor(
  env: Env, shopId: string, customerId: string, rewardId: string, now: number, idempotencyKey?: string,
): Promise<CouponIssued> {
  const shop = shopObject(env, shopId);
  const [, current] = await Promise.all([requireCustomer(env, shopId, customerId), shop.getProgram()]);
  const reward = current?.program.rewards.find((r) => r.id === rewardId);
  if (!current || !reward) throw new HttpError(404, "not_found", `The program has no reward ${rewardId}`, "rewardId");
  if (current.program.status === "paused") throw new HttpError(422, "invalid_state", "The program is paused: no rewards can be redeemed", "rewardId");
  const requestId = idempotencyKey === undefined ? undefined : await sha256Hex(`kopilka reward request\u0000${idempotencyKey}`);
  return unwrap(await accountOf(env, shopId, customerId).redeemReward({
    rewardId, name: reward.name, cost: reward.cost, validDays: reward.coupon.validDays,
    expiryDays: current.program.points.expiryDays ?? null, requestId,
  }, now));
}

/** A customer's coupons, every state, newest first (an unknown customer has none). For the widget's `GET /v1/public/me` too. */
export async function couponsOf(env: Env, shopId: string, customerId: string, now: number): Promise<CouponView[]> {
  return unwrap(await accountOf(env, shopId, customerId).listCoupons(now));
}

/** The account, with the customer's own referral code (kept by the Shop, created on first need). */
async function readAccount(env: Env, shopId: string, customerId: string, current: ProgramVersion | null, at: number) {
  const [view, card] = await Promise.all([
    accountOf(env, shopId, customerId).getAccount(at, current?.program),
    shopObject(env, shopId).customerCard(customerId, at),
  ]);
  return { ...customerView(customerId, unwrap(view)), referralCode: card.referralCode };
}

export function customerRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(putRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    const body = c.req.valid("json");
    // Bad input changes nothing: every check comes before the first write.
    const phone = contact("phone", body.phone);
    const email = contact("email", body.email);
    const at = now();
    const shop = shopObject(c.env, shopId);
    const current = await shop.getProgram();
    // `referralCode` is the code of the member who referred this customer (their own is in the answer).
    if (body.referralCode) {
      const referrer = await shop.findReferralCode(body.referralCode);
      if (referrer === null) throw new HttpError(400, "invalid_request", "referralCode: no customer has this referral code", "referralCode");
      if (referrer === customerId) throw new HttpError(400, "invalid_request", "referralCode: this is the customer's own referral code", "referralCode");
    }
    const welcome = current?.program.bonuses.welcome;
    // With `verify` set the bonus waits for the contact's verification in the widget (POST /v1/public/verify, the
    // widget issue): nothing is granted or marked here.
    const welcomeNow = welcome != null && welcome.points > 0 && welcome.verify == null;
    // The Shop marks the contacts' welcome as this customer's in the same step that creates the customer, so a
    // registration interrupted anywhere after it resumes on retry, and no other customer can take the bonus.
    const claim = await shop.claimContacts({ customerId, phone, email, welcome: welcomeNow }, at);
    if (!claim.ok && claim.reason === "taken") {
      throw new HttpError(409, "duplicate_contact", `Another customer already has this ${claim.field}`, claim.field);
    }
    if (!claim.ok) throw invalidContact(claim.field); // normalised above, so not reached

    const account = accountOf(c.env, shopId, customerId);
    const profile = { customerId, name: body.name, phone, email, birthday: body.birthday, referralCode: body.referralCode };
    const { created } = unwrap(await account.upsertProfile(profile, at));

    let welcomePoints = 0;
    // Owed: the contacts' welcome is this customer's, or — a customer with no contacts — once per customer id.
    const owed = welcomeNow && (claim.welcomeMine || (created && phone == null && email == null));
    if (owed) {
      const expiryDays = current?.program.points.expiryDays ?? null;
      const bonus = unwrap(await account.grantBonus({ id: "welcome", points: welcome.points, reason: "welcome", expiryDays }, at));
      // The bonus is granted once: a later update (or a retry after it landed) gets the first answer and reports 0.
      if (bonus.granted) welcomePoints = welcome.points;
    }
    if (body.referralCode && current) {
      const attached = await shop.attachReferral(customerId, body.referralCode, at);
      if (!attached.ok && attached.reason === "already_referred") {
        throw new HttpError(409, "conflict", "referralCode: this customer was already referred by another customer", "referralCode");
      }
      if (attached.ok && referralMoment(current.program) === "registration") await settleReferral(c.env, shopId, customerId, current.program, at);
    }
    const view = await readAccount(c.env, shopId, customerId, current, at);
    return created ? c.json({ ...view, welcomePoints }, 201) : c.json({ ...view, welcomePoints }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    const [, current] = await Promise.all([requireCustomer(c.env, shopId, customerId), shopObject(c.env, shopId).getProgram()]);
    return c.json(await readAccount(c.env, shopId, customerId, current, now()), 200);
  });

  app.openapi(lookupRoute, async (c) => {
    const { shopId } = c.var;
    const query = c.req.valid("query");
    if ((query.phone === undefined) === (query.email === undefined)) {
      throw new HttpError(400, "invalid_request", "Give exactly one of phone or email");
    }
    const shop = shopObject(c.env, shopId);
    const kind: ContactKind = query.phone !== undefined ? "phone" : "email";
    const value = contact(kind, query[kind]) as string;
    const [customerId, current] = await Promise.all([
      shop.findCustomer(kind === "phone" ? { phone: value } : { email: value }),
      shop.getProgram(),
    ]);
    if (customerId === null) throw new HttpError(404, "not_found", `No customer has this ${kind}`);
    return c.json(await readAccount(c.env, shopId, customerId, current, now()), 200);
  });

  app.openapi(historyRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    const { cursor, limit } = c.req.valid("query");
    await requireCustomer(c.env, shopId, customerId);
    return c.json(unwrap(await accountOf(c.env, shopId, customerId).history({ cursor, limit }, now())), 200);
  });

  app.openapi(adjustRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    const { id, points: change, reason } = c.req.valid("json");
    const shop = shopObject(c.env, shopId);
    const [, current] = await Promise.all([requireCustomer(c.env, shopId, customerId), shop.getProgram()]);
    // Points added by hand expire like any others (the program's rule); the id alone keys the retry.
    const expiryDays = current?.program.points.expiryDays ?? null;
    const adjustment = unwrap(await accountOf(c.env, shopId, customerId).adjust({ id, points: change, reason, expiryDays }, now()));
    // Always 201, first answer or replay: a retry must see the status the first request saw.
    return c.json(adjustment, 201);
  });

  app.openapi(eventRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    const { id, type, points: given, reason } = c.req.valid("json");
    const [, current] = await Promise.all([requireCustomer(c.env, shopId, customerId), shopObject(c.env, shopId).getProgram()]);
    const program = current ? { timezone: current.program.timezone, status: current.program.status, bonuses: current.program.bonuses, points: current.program.points } : null;
    const event = unwrap(await accountOf(c.env, shopId, customerId).recordEvent({ id, type, points: given, reason, program }, now()));
    return c.json(event, 201);
  });

  app.openapi(rewardRoute, async (c) => {
    const { customerId, rewardId } = c.req.valid("param");
    const coupon = await redeemRewardFor(c.env, c.var.shopId, customerId, rewardId, now(), c.req.header("idempotency-key"));
    return c.json(coupon, 201);
  });

  app.openapi(couponsRoute, async (c) => {
    const { shopId } = c.var;
    const { customerId } = c.req.valid("param");
    await requireCustomer(c.env, shopId, customerId);
    return c.json({ items: await couponsOf(c.env, shopId, customerId, now()) }, 200);
  });
}
