/** The program (docs/program.md): its schema and the rules that span its fields. */
import { z } from "zod";
import { crossCheck, field, isRecord, items, reportDuplicateIds } from "./cross-check.ts";
import {
  bps,
  clockTime,
  compareInstants,
  flag,
  formatted,
  id,
  instant,
  instantOf,
  int,
  list,
  money,
  obj,
  oneOf,
  say,
  text,
  texts,
  timeZone,
} from "./schema-kit.ts";

const tierLevelSchema = obj({
  id: id().describe("tier id; its discount is reported as campaign `tier:<id>`"),
  name: text(),
  from: money(0, 1e15).describe("qualifying spend (minor units) from which this level applies"),
  rateBps: bps(0).optional().describe("replaces earn.rateBps for members of this tier"),
  discountBps: bps(0).optional().describe("automatic member discount"),
  freeShipping: flag().optional(),
});

const tiersSchema = crossCheck(
  obj(
    {
      basis: oneOf(["spend"]).default("spend"),
      windowDays: int(1, 36_500, "must be null (lifetime) or an integer between 1 and 36500")
        .nullable()
        .default(null)
        .describe("rolling window of qualifying spend in days; null = lifetime"),
      levels: list(tierLevelSchema, 100, 1).describe("in strictly ascending `from`"),
    },
    "must be null or an object",
  ),
  (tiers, report) => {
    const levels = field(tiers, "levels");
    reportDuplicateIds(levels, (path, message) => report(["levels", ...path], message), "tier");
    let previous: number | undefined;
    items(levels).forEach((level, index) => {
      const from = field(level, "from");
      if (typeof from !== "number" || !Number.isSafeInteger(from)) return;
      if (previous !== undefined && from <= previous) {
        report(["levels", index, "from"], `must be greater than the previous level's from (${previous})`);
      }
      previous = from;
    });
  },
);

const bonusPoints = () => int(0, 1e9);

const bonusesSchema = obj({
  welcome: obj({ points: bonusPoints(), verify: oneOf(["email", "phone"], true).nullable().default(null) }, "must be null or an object")
    .nullable()
    .default(null),
  referral: obj(
    { referrer: bonusPoints(), referee: bonusPoints(), on: oneOf(["first_order", "registration"]) },
    "must be null or an object",
  )
    .nullable()
    .default(null),
  review: bonusPoints().default(0),
  rating: bonusPoints().default(0),
  survey: bonusPoints().default(0),
  birthday: obj(
    {
      points: bonusPoints(),
      daysBefore: int(0, 31),
      daysAfter: int(0, 31),
      auto: flag().optional().describe("absent or true: granted automatically when the window opens; false: only by the event"),
    },
    "must be null or an object",
  )
    .nullable()
    .default(null)
    .describe("granted once per year"),
});

const filterList = () => texts(10_000);

const targetSchema = obj({
  skus: filterList(),
  categories: filterList(),
  tags: filterList(),
  excludeTags: filterList(),
}).partial().describe("which lines the campaign touches: lists OR-ed within, AND-ed across; default every line");

const bundleItemSchema = crossCheck(
  obj({ skus: filterList().optional(), categories: filterList().optional(), tags: filterList().optional(), qty: int(1, 1e6) }),
  (item, report, failed) => {
    const named = ["skus", "categories", "tags"].some((key) => items(field(item, key)).length > 0 || failed([key]));
    if (isRecord(item) && !named) report([], "must name at least one of skus, categories or tags");
  },
);

const DISCOUNTS = ["discountBps", "discountAmount", "cheapestFree", "bundle"] as const;

const effectSchema = crossCheck(
  obj({
    discountBps: bps(1).optional().describe("percent off each target line"),
    discountAmount: money(1, 1e13).optional().describe("fixed amount off the target lines, allocated pro rata"),
    cheapestFree: int(2, 1e6).optional().describe("with u target units, the floor(u / N) cheapest units are free"),
    bundle: obj({ items: list(bundleItemSchema, 10, 1), discountBps: bps(1) }).optional(),
    pointsMultiplierBps: int(0, 100_000).optional().describe("points multiplier on target lines, 10000 = x1"),
    bonusPoints: int(0, 1e9).optional().describe("fixed extra points for the receipt"),
    freeShipping: flag().optional(),
  }).describe("at most one of discountBps, discountAmount, cheapestFree, bundle; plus any of the others"),
  (effect, report, failed) => {
    if (!isRecord(effect)) return;
    const discounts = DISCOUNTS.filter((key) => effect[key] !== undefined);
    if (discounts.length > 1) {
      report([], `use only one of discountBps, discountAmount, cheapestFree or bundle (found ${discounts.join(", ")})`);
    }
    const bonus = typeof effect.bonusPoints === "number" && effect.bonusPoints > 0;
    const doesSomething =
      discounts.length > 0 || effect.pointsMultiplierBps !== undefined || bonus || effect.freeShipping === true;
    if (!doesSomething && !failed([])) {
      report([], "does nothing: give a discount, pointsMultiplierBps, bonusPoints or freeShipping: true");
    }
  },
);

const orderNumberSchema = z
  .union(
    [
      obj({ eq: int(1, 1e9).describe("this order's number n = snapshot orders + 1") }),
      obj({ every: int(1, 1e9), offset: int(0, 1e9).default(0) }).describe(
        "holds when n >= every + offset and (n - offset) % every == 0",
      ),
    ],
    { error: say('must be { "eq": n } or { "every": n, "offset": n }') },
  );

const whenSchema = crossCheck(
  obj({
    from: instant().optional().describe("inclusive"),
    to: instant().optional().describe("exclusive"),
    weekdays: list(int(1, 7, "must be a weekday from 1 (Monday) to 7 (Sunday)"), 7, 1).optional(),
    hours: crossCheck(obj({ from: clockTime(), to: clockTime() }), (hours, report) => {
      const from = field(hours, "from");
      if (typeof from === "string" && from === field(hours, "to")) report(["to"], "must differ from hours.from");
    })
      .optional()
      .describe("from inclusive, to exclusive; wraps past midnight when to < from"),
    orderNumber: orderNumberSchema.optional(),
    minSubtotal: money(0, 1e13).optional().describe("target lines' original amounts"),
    minQty: int(1, 1e9).optional().describe("target lines' units"),
    codes: list(text(64), 1000, 1).optional().describe("the receipt must carry one of these (case-insensitive)"),
    birthday: obj({ daysBefore: int(0, 31), daysAfter: int(0, 31) }).optional(),
    boughtTargetBefore: flag().optional(),
  }),
  (when, report) => {
    const from = field(when, "from");
    const to = field(when, "to");
    const start = typeof from === "string" ? instantOf(from) : null;
    const end = typeof to === "string" ? instantOf(to) : null;
    if (start && end && compareInstants(start, end) >= 0) report(["to"], "must be later than when.from");
    const days = items(field(when, "weekdays"));
    days.forEach((day, index) => {
      if (days.indexOf(day) !== index) report(["weekdays", index], `weekday ${String(day)} is listed twice`);
    });
  },
);

const campaignSchema = obj({
  id: id().describe("unique; `tier:<id>` is reserved for tier discounts"),
  name: text().optional(),
  priority: int(-1e6, 1e6).default(0).describe("higher first; ties by id"),
  stacking: oneOf(["stack", "exclusive"]).default("stack"),
  basis: oneOf(["discounted", "original"]).default("discounted"),
  audience: obj({
    tiers: list(text(), 100, 1).optional().describe("the customer's current tier must be listed"),
    members: flag().optional().describe("true: members only; false: non-members only; absent: everyone"),
  }).optional(),
  when: whenSchema.optional(),
  target: targetSchema.optional(),
  effect: effectSchema,
  limits: obj({
    totalUses: int(1, 1e9).optional(),
    perCustomer: int(1, 1e9).optional(),
    budget: money(1, 1e15).optional().describe("discount money the campaign may give away"),
  }).optional(),
});

const rewardSchema = obj({
  id: id(),
  name: text(),
  cost: int(1, 1e9).describe("points"),
  coupon: obj({ discountBps: bps(1), target: oneOf(["item", "order"]), validDays: int(1, 3650) }),
});

/** The program document (docs/program.md). Parsing applies the defaults listed at the top of validate.ts. */
export const programSchema = crossCheck(
  obj({
    currency: formatted(/^[A-Z]{3}$/, 'must be 3 capital letters (ISO 4217), like "RUB"'),
    timezone: timeZone().describe("IANA time zone for weekday, hour and birthday rules"),
    status: oneOf(["active", "paused"]).default("active"),
    points: obj({
      value: int(1, 1e6).describe("minor units one point is worth when spent"),
      expiryDays: int(1, 36_500, "must be null (never) or an integer between 1 and 36500").nullable().default(null),
      pendingDays: int(0, 3650).default(0).describe("earned points become spendable after N days"),
      remindDays: crossCheck(
        list(int(1, 365, "must be a number of days between 1 and 365"), 3),
        (days, report) => {
          const listed = items(days);
          listed.forEach((day, index) => {
            if (listed.indexOf(day) !== index) report([index], `${String(day)} days is listed twice`);
          });
        },
      )
        .optional()
        .describe("`points.expiring` (and `coupon.expiring`) reminders this many days before the expiry; absent: none"),
    }),
    earn: obj({
      rateBps: bps(0),
      step: obj(
        { every: money(1, 1e13), points: int(1, 1e9) },
        "must be null or an object",
      )
        .nullable()
        .default(null)
        .describe("instead of the rate: `points` per full `every` minor units"),
      onPointsPaid: flag().default(false),
      excludeTags: texts(1000).default(() => []),
    }),
    redeem: obj({
      maxShareBps: bps(0),
      minOrder: money(0, 1e13).default(0),
      excludeTags: texts(1000).default(() => []),
      minPoints: int(1, 1e9).default(1),
    }),
    tiers: tiersSchema.nullable().default(null),
    bonuses: bonusesSchema.prefault({}),
    campaigns: crossCheck(list(campaignSchema, 1000), (campaigns, report) =>
      reportDuplicateIds(campaigns, report, "campaign"),
    ).default(() => []),
    rewards: crossCheck(list(rewardSchema, 1000), (rewards, report) => reportDuplicateIds(rewards, report, "reward")).default(
      () => [],
    ),
  }),
  (program, report, failed) => {
    // audience.tiers must name existing tiers. When the tier list itself is broken, that is the problem to fix.
    if (failed(["tiers"], true) || failed(["tiers", "levels"], true)) return;
    const known = new Set(items(field(field(program, "tiers"), "levels")).map((level) => field(level, "id")));
    items(field(program, "campaigns")).forEach((campaign, c) => {
      items(field(field(campaign, "audience"), "tiers")).forEach((tier, t) => {
        if (typeof tier === "string" && !known.has(tier)) {
          report(["campaigns", c, "audience", "tiers", t], `unknown tier "${tier}"`);
        }
      });
    });
  },
).describe("A shop's loyalty program (docs/program.md)");
