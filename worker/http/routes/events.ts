/**
 * The shop's events and daily figures (secret key, docs/api.md "Events and daily figures"): the events of the last
 * 30 days to reconcile with its webhooks, one event by id, and the analytics store's rollups per day
 * (worker/stream/analytics.ts). Events appear once the events queue has processed them, normally within seconds.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { isDateText } from "../../../engine/host/calendar.ts";
import { requireSecretKey } from "../auth.ts";
import type { AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { now } from "../../lib/clock.ts";
import { EVENT_TYPES, type EventType } from "../../lib/events.ts";
import { ID_MESSAGE, ID_PATTERN } from "../../lib/ids.ts";
import { refusal } from "../../lib/refusal.ts";
import { dailyStats, decodeCursor, listEvents, readEvent } from "../../stream/analytics.ts";
import { DAILY_FIGURES } from "../../stream/analytics-sql.ts";

const secret = [{ secretKey: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
/** The most days one `GET /v1/stats/daily` answers. */
export const MAX_STATS_DAYS = 366;
const DAY_MS = 86_400_000;

const EXAMPLE_EVENT = {
  id: "evt_0o61frl10z8k2m4q7r1t5v9x3b6d",
  type: "order.confirmed",
  version: 1,
  shopId: "shop_2kq8f1x9",
  customerId: "c-42",
  createdAt: "2030-01-15T09:00:00.000Z",
  data: { orderId: "A-1001", store: null, subtotal: 250000, discount: 0, amount: 250000, pointsSpent: 0, pointsEarned: 250, balance: 750, availableAt: "2030-01-15T09:00:00.000Z" },
};

export const eventEnvelopeSchema = z
  .object({
    id: z.string().describe("`evt_…`, unique: a receiver that sees an id again has seen that event"),
    type: z.enum(EVENT_TYPES as [EventType, ...EventType[]]),
    version: z.literal(1).describe("the payload's version"),
    shopId: z.string(),
    customerId: z.string().nullable(),
    createdAt: z.string().describe("when the change happened (RFC 3339)"),
    data: z.record(z.string(), z.unknown()).describe(
      "the type's payload (docs/events.md \"Event types\"); a stored `verification.code` has no `code`",
    ),
  })
  .meta({ id: "EventEnvelope", examples: [EXAMPLE_EVENT] });

const eventPageSchema = z
  .object({
    items: z.array(eventEnvelopeSchema).describe("newest first"),
    nextCursor: z.string().nullable().describe("pass as `cursor` for the next (older) page; null on the last"),
  })
  .meta({ id: "EventPage", examples: [{ items: [EXAMPLE_EVENT], nextCursor: null }] });

const eventsQuery = z.object({
  cursor: z.string().max(200).optional().meta({ description: "`nextCursor` of the previous page (opaque)" }),
  limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: "1 to 100, default 50", examples: [50] }),
  type: z
    .string()
    .max(1000)
    .refine((v) => v.split(",").every((t) => (EVENT_TYPES as readonly string[]).includes(t)), "must be event types, comma-separated")
    .optional()
    .meta({ description: "only these types: one, or several comma-separated", examples: ["order.confirmed,order.returned"] }),
  customerId: z.string().regex(ID_PATTERN, ID_MESSAGE).optional().meta({ description: "only this customer's events", examples: ["c-42"] }),
});

const eventIdParam = z.object({
  eventId: z.string().max(100).meta({ examples: ["evt_0o61frl10z8k2m4q7r1t5v9x3b6d"] }),
});

const dateText = z.string().refine(isDateText, "must be a date YYYY-MM-DD");
const statsQuery = z.object({
  from: dateText.meta({ description: "the first day (the program's timezone), inclusive", examples: ["2030-01-01"] }),
  to: dateText.meta({ description: `the last day, inclusive; at most ${MAX_STATS_DAYS} days after from`, examples: ["2030-01-31"] }),
});

const count = z.int().min(0);
const FIGURE_SCHEMAS: Record<(typeof DAILY_FIGURES)[number], z.ZodType> = {
  ordersPlaced: count.describe("order.placed events"),
  ordersConfirmed: count.describe("order.confirmed events"),
  ordersCancelled: count.describe("order.cancelled events (pending or confirmed orders)"),
  ordersReturned: count.describe("order.returned events (one per return)"),
  revenue: z.int().describe("minor units: Σ amount of order.confirmed − Σ amount of order.cancelled (of confirmed orders) − Σ amount of order.returned"),
  discounts: count.describe("minor units: Σ discount of order.confirmed"),
  pointsEarned: count.describe("Σ points of points.earned"),
  pointsSpent: count.describe("Σ points of points.spent"),
  pointsExpired: count.describe("Σ points of points.expired"),
  pointsAdjusted: z.int().describe("Σ points of points.adjusted (signed)"),
  pointsTakenBack: count.describe("Σ pointsTakenBack of order.cancelled and order.returned"),
  pointsGivenBack: count.describe("Σ pointsGivenBack of order.cancelled and order.returned"),
  newCustomers: count.describe("customer.created events"),
  verifications: count.describe("customer.verified events (a customer proving phone and e-mail counts twice)"),
  rewardsRedeemed: count.describe("reward.redeemed events"),
  tierUps: count.describe("tier.changed events up"),
  tierDowns: count.describe("tier.changed events down"),
  activeCustomers: count.describe("distinct customers who placed or confirmed an order or redeemed a reward that day"),
};

const EXAMPLE_FIGURES = { ...Object.fromEntries(DAILY_FIGURES.map((f) => [f, 0])), ordersPlaced: 1, ordersConfirmed: 1, revenue: 250000, pointsEarned: 250, activeCustomers: 1 };
const dayStatsSchema = z.object({ day: z.string().describe("YYYY-MM-DD in the program's timezone"), ...FIGURE_SCHEMAS });
const statsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    days: z.array(dayStatsSchema).describe("every day from `from` to `to`, in order; a day without events is all zeros"),
    totals: z.object(FIGURE_SCHEMAS).describe("the sums over the range, except `activeCustomers`: distinct customers active on any day of it"),
  })
  .meta({
    id: "DailyStats",
    examples: [{ from: "2030-01-15", to: "2030-01-15", days: [{ day: "2030-01-15", ...EXAMPLE_FIGURES }], totals: EXAMPLE_FIGURES }],
  });

const SEEN_AFTER_QUEUE = "Events appear once the events queue has processed them, normally within a couple of seconds of the change.";

const listRoute = createRoute({
  method: "get", operationId: "listEvents", path: "/v1/events", tags: ["Events"], security: secret,
  summary: "The shop's events of the last 30 days",
  description: `Newest first, a page at a time; filter by \`type\` (one or several, comma-separated) and \`customerId\`. ${SEEN_AFTER_QUEUE} ` +
    "Older events are not listed (the daily figures keep counting them).",
  middleware: [requireSecretKey] as const,
  request: { query: eventsQuery },
  responses: { 200: json(eventPageSchema, "A page"), ...errorResponses(["invalid_request", "a bad `cursor`, `limit`, `type` or `customerId`"]) },
});

const getRoute = createRoute({
  method: "get", operationId: "getEvent", path: "/v1/events/{eventId}", tags: ["Events"], security: secret,
  summary: "One event",
  description: `An event of the last 30 days. ${SEEN_AFTER_QUEUE}`,
  middleware: [requireSecretKey] as const,
  request: { params: eventIdParam },
  responses: { 200: json(eventEnvelopeSchema, "The event"), ...errorResponses(["not_found", "no such event in this shop in the last 30 days"]) },
});

const statsRoute = createRoute({
  method: "get", operationId: "getDailyStats", path: "/v1/stats/daily", tags: ["Events"], security: secret,
  summary: "The shop's figures per day",
  description: `Counted from the events, each once, on the shop's local day (the program's timezone; UTC before a program). ${SEEN_AFTER_QUEUE} ` +
    `At most ${MAX_STATS_DAYS} days.`,
  middleware: [requireSecretKey] as const,
  request: { query: statsQuery },
  responses: { 200: json(statsSchema, "Every day of the range"), ...errorResponses(["invalid_request", "a bad date, `from` after `to`, or more than 366 days"]) },
});

export function eventRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (before === null) throw refusal("invalid_request", "cursor is not one this API gave", "cursor");
    const page = await listEvents(c.env, c.var.shopId, {
      types: query.type?.split(","), customerId: query.customerId, before, limit: query.limit ?? 50,
    }, now());
    return c.json(page, 200);
  });

  app.openapi(getRoute, async (c) => {
    const event = await readEvent(c.env, c.var.shopId, c.req.valid("param").eventId);
    if (event === null) throw refusal("not_found", "No such event");
    return c.json(event, 200);
  });

  app.openapi(statsRoute, async (c) => {
    const { from, to } = c.req.valid("query");
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) throw refusal("invalid_request", "from must not be after to", "from");
    if (days > MAX_STATS_DAYS) throw refusal("invalid_request", `at most ${MAX_STATS_DAYS} days from from`, "to");
    return c.json({ from, to, ...(await dailyStats(c.env, c.var.shopId, from, to)) }, 200);
  });
}
