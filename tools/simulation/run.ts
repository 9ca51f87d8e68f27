/**
 * Runs one seeded stream of operations against real CustomerAccount objects and their reference models,
 * checking every answer and, after every step, every invariant (invariants.ts). A failure throws with the
 * seed, the step, the operation and the last steps, and the command that replays it.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Program } from "../../engine/host/types.ts";
import type { CustomerAccount } from "../../worker/account/account.ts";
import type { Result as AccountResult } from "../../worker/lib/refusal.ts";
import type { PlaceOrderInput } from "../../worker/account/types.ts";
import { commitCounters, releaseCounters } from "../../worker/flows/checkout.ts";
import { rememberProgram } from "../../worker/lib/engine-cache.ts";
import { campaignId, checkCounters, EPOCH_STEPS, LIMITED_KINDS, limitedCampaigns, ShopModel } from "./campaigns.ts";
import { expectationOf, keyOf, Mismatch, type Keys } from "./expect.ts";
import { checkInvariants } from "./invariants.ts";
import { FIRST_ORDER_BONUS, LedgerModel } from "./model.ts";
import { newMemory, nextOp, VARIANTS, type Memory, type Op, type Request } from "./operations.ts";
import { BIRTHDAYS, BONUSES, REWARDS } from "./program.ts";
import { Prng } from "./prng.ts";

/** 2030: no alarm the simulation sets is ever due in real time. */
const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const SHOP = "simshop";

/**
 * One program per variant and epoch: value 100, earn 10%, at most 30% paid with points, 50 points on the first
 * order, the epoch's limited campaigns (campaigns.ts), the bonuses and (but in one variant) the rewards of
 * program.ts.
 */
function programOf(run: string, variant: number, epoch: number): Program {
  const { pendingDays, expiryDays, rewards } = VARIANTS[variant]!;
  return {
    currency: "RUB",
    timezone: "Europe/Moscow",
    points: { value: 100, pendingDays, expiryDays },
    earn: { rateBps: 1000 },
    redeem: { maxShareBps: 3000 },
    bonuses: BONUSES,
    campaigns: [{ id: "first", when: { orderNumber: { eq: 1 } }, effect: { bonusPoints: FIRST_ORDER_BONUS } }, ...limitedCampaigns(run, epoch)],
    rewards: rewards ? [...REWARDS] : [],
  };
}
// Program versions unique to each stream: the engine cache is keyed by (shop, version) per isolate.
const VERSION_BASE = 1_000_000 + Math.floor(Math.random() * 1_000_000) * 1_000_000;
const MAX_EPOCHS = 10_000;
let streams = 0;

/** The programs of one stream, by variant and epoch, and their versions. */
class Programs {
  private readonly made = new Map<number, Program>();
  readonly base = VERSION_BASE + ++streams * MAX_EPOCHS * VARIANTS.length;
  readonly run: string;
  constructor(run: string) {
    this.run = run;
  }
  version(variant: number, epoch: number): number {
    if (epoch >= MAX_EPOCHS) throw new Error(`more than ${MAX_EPOCHS} epochs`);
    return this.base + epoch * VARIANTS.length + variant;
  }
  program(variant: number, epoch: number): Program {
    const version = this.version(variant, epoch);
    let p = this.made.get(version);
    if (!p) this.made.set(version, (p = programOf(this.run, variant, epoch)));
    return p;
  }
}

export interface Tally {
  steps: number;
  /** Requests sent (each copy of a duplicate counts), ticks, alarms, reads and evictions. */
  operations: number;
  checks: number;
  outcomes: Record<string, number>;
  /** The model's rarer rules that fired: carried points, debt, expiries on return, coupons expired and released, birthdays… */
  events: Record<string, number>;
  /** Limited campaigns (campaigns.ts): counter checks, late confirmations of orders holding them, and per kind the epochs whose counter filled up. */
  limits: {
    counterChecks: number;
    lateConfirms: { accepted: number; refusedForCampaign: number; refusedOtherwise: number };
    /** Per kind: the epochs whose counter was asked for, and those whose committed uses (or budget) reached the limit exactly. */
    filled: Record<string, { counters: number; filled: number }>;
  };
}

interface Account {
  stub: DurableObjectStub<CustomerAccount>;
  model: LedgerModel;
  keys: Keys;
  memory: Memory;
  /** The time of the last call or alarm: invariants are read at it, so reading never moves the object on. */
  at: number;
}

let accountsMade = 0;
/** A fresh account whose profile has a birthday from BIRTHDAYS (or none), created at `now`. */
async function newAccount(seed: number, rng: Prng, now: number): Promise<Account> {
  const name = `${SHOP}:sim-${seed}-${++accountsMade}-${Math.random().toString(36).slice(2, 8)}`;
  const a: Account = { stub: env.CUSTOMER_ACCOUNT.getByName(name), model: new LedgerModel(), keys: new Map(), memory: newMemory(`a${accountsMade}`), at: now };
  a.model.birthday = rng.pick(BIRTHDAYS);
  const created = await a.stub.upsertProfile({ customerId: "sim", birthday: a.model.birthday }, now);
  if (!created.ok) throw new Error(`creating the profile: ${JSON.stringify(created.error)}`);
  return a;
}

/**
 * A request to the account, as the Worker's flows send it: after a confirmation the order's limited campaigns are
 * committed at their counters, after a cancellation given back (worker/flows/checkout.ts, the same functions).
 */
async function send(a: Account, r: Request, now: number, programs: Programs): Promise<AccountResult<unknown>> {
  switch (r.type) {
    case "place": {
      const input: PlaceOrderInput = {
        shopId: SHOP, program: programs.program(r.variant, r.epoch), programVersion: programs.version(r.variant, r.epoch),
        orderId: r.orderId, receipt: r.receipt, now,
      };
      if (r.holdMinutes !== undefined) input.holdMinutes = r.holdMinutes;
      if (r.quoteId !== undefined) input.quoteId = r.quoteId;
      return a.stub.placeOrder(input);
    }
    case "confirm": {
      // A late confirmation reads its order's program by version: this isolate's copy (the Shop has none here).
      const order = a.model.orders.get(r.orderId);
      if (order) rememberProgram(SHOP, programs.version(order.variant, order.epoch), programs.program(order.variant, order.epoch));
      const result = await a.stub.confirmOrder(r.orderId, now);
      if (result.ok) await commitCounters(env, SHOP, result.value, now);
      return result;
    }
    case "cancel": {
      const result = await a.stub.cancelOrder(r.orderId, now);
      if (result.ok) await releaseCounters(env, SHOP, result.value, now);
      return result;
    }
    case "return": return a.stub.returnLines({ orderId: r.orderId, returnId: r.returnId, lines: r.lines }, now);
    case "adjust": {
      const input = { id: r.id, kind: r.kind, points: r.points, expiryDays: r.expiryDays, ...(r.reason === undefined ? {} : { reason: r.reason }) };
      return a.stub.adjust(input, now);
    }
    case "event": {
      const p = programs.program(r.variant, 0);
      const program = r.program === "none" ? null : { timezone: p.timezone, status: r.program, bonuses: p.bonuses, points: p.points };
      return a.stub.recordEvent({
        id: r.id, type: r.eventType, program, ...(r.points === undefined ? {} : { points: r.points }), ...(r.reason === undefined ? {} : { reason: r.reason }),
      }, now);
    }
    case "redeem": {
      const reward = REWARDS.find((w) => w.id === r.rewardId)!;
      return a.stub.redeemReward({
        rewardId: reward.id, name: reward.name, cost: r.cost ?? reward.cost, validDays: reward.coupon.validDays,
        expiryDays: VARIANTS[r.variant]!.expiryDays, ...(r.requestId === undefined ? {} : { requestId: r.requestId }),
      }, now);
    }
  }
}

/** Compares one answer with the model's expectation and, when accepted, steps the model and stores the key. */
function settle(a: Account, r: Request, result: AccountResult<unknown>, now: number, tally: Tally, shop: ShopModel): void {
  a.model.advance(now);
  const expected = expectationOf(a.model, a.keys, r, now, shop);
  const outcome = `${r.type} ${expected.kind === "refuse" ? expected.code : expected.kind}`;
  tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
  if (expected.kind === "refuse") {
    if (result.ok) throw new Mismatch(`expected ${expected.code}, got ok ${JSON.stringify(result.value).slice(0, 400)}`);
    if (result.error.code !== expected.code) throw new Mismatch(`expected ${expected.code}, got ${JSON.stringify(result.error).slice(0, 400)}`);
    return;
  }
  if (!result.ok) throw new Mismatch(`expected ${expected.kind}, got ${JSON.stringify(result.error).slice(0, 400)}`);
  const answer = JSON.stringify(result.value);
  if (expected.kind === "replay") {
    if (answer !== expected.answer) throw new Mismatch(`a replay answered differently:\n  first ${expected.answer}\n  now   ${answer}`);
    return;
  }
  expected.check(result.value);
  const keyed = keyOf(r);
  if (keyed) a.keys.set(keyed.key, { body: keyed.body, answer });
}

interface Stream {
  shop: ShopModel;
  programs: Programs;
}

async function step(accounts: Account[], op: Op, now: number, tally: Tally, { shop, programs }: Stream): Promise<Set<Account>> {
  const touched = new Set<Account>();
  switch (op.type) {
    case "tick":
      tally.operations++;
      return touched;
    case "alarm": {
      const a = accounts[op.acct]!;
      for (let i = 0; i < op.times; i++) {
        await runInDurableObject(a.stub, (instance: CustomerAccount) => {
          instance.clock = () => now;
        });
        const ran = await runDurableObjectAlarm(a.stub);
        tally.outcomes[`alarm ${ran ? "ran" : "none set"}`] = (tally.outcomes[`alarm ${ran ? "ran" : "none set"}`] ?? 0) + 1;
        if (ran) a.at = now;
        a.model.advance(a.at);
        tally.operations++;
      }
      touched.add(a);
      return touched;
    }
    case "evict": {
      const a = accounts[op.acct]!;
      await evictDurableObject(a.stub);
      tally.operations++;
      touched.add(a);
      return touched;
    }
    case "read": {
      const a = accounts[op.acct]!;
      const order = await a.stub.getOrder(op.orderId, now);
      a.at = now;
      a.model.advance(now);
      const known = a.model.orders.get(op.orderId);
      if (!known) {
        if (order.ok || order.error.code !== "not_found") throw new Mismatch(`getOrder of an unknown order: ${JSON.stringify(order).slice(0, 300)}`);
      } else if (!order.ok || order.value.status !== known.status) {
        throw new Mismatch(`getOrder ${op.orderId}: ${JSON.stringify(order).slice(0, 300)}, model ${known.status}`);
      }
      const page = await a.stub.history({ limit: 20 }, now);
      if (!page.ok || page.value.items.length > 20) throw new Mismatch(`history: ${JSON.stringify(page).slice(0, 300)}`);
      const coupons = await a.stub.listCoupons(now);
      const seen = coupons.ok ? coupons.value.map((c) => `${c.code} ${c.state} ${c.orderId}`).sort().join() : JSON.stringify(coupons);
      const modelled = [...a.model.coupons.values()].map((c) => `${c.code} ${c.state} ${c.orderId}`).sort().join();
      if (seen !== modelled) throw new Mismatch(`listCoupons: ${seen}, model ${modelled}`);
      tally.operations += 3;
      touched.add(a);
      return touched;
    }
    case "stale": {
      const a = accounts[op.request.acct]!;
      // A clock a little behind the account's: just before the latest instant that fell due, if that is recent.
      const recent = a.at - a.model.lastEventAt <= 5_000;
      const at = Math.max(T0, recent ? a.model.lastEventAt - (op.ms % 1_000) - 1 : a.at - op.ms);
      // Time never runs backwards inside the account: it serves the request at the latest instant it reached.
      settle(a, op.request, await send(a, op.request, at, programs), Math.max(at, a.at), tally, shop);
      tally.operations++;
      touched.add(a);
      return touched;
    }
    case "together": {
      const results = await Promise.all(op.requests.map((r) => send(accounts[r.acct]!, r, now, programs)));
      op.requests.forEach((r, i) => {
        const a = accounts[r.acct]!;
        settle(a, r, results[i]!, now, tally, shop);
        a.at = now;
        touched.add(a);
      });
      tally.operations += op.requests.length;
      return touched;
    }
    default: {
      const a = accounts[op.acct]!;
      const result = await send(a, op, now, programs);
      settle(a, op, result, now, tally, shop);
      a.at = now;
      tally.operations++;
      touched.add(a);
      return touched;
    }
  }
}

export interface SimOptions {
  seed: number;
  /** Operations in the stream (steps; duplicates and double alarms make the operation count a little higher). */
  steps: number;
  /** Accounts the stream runs against at once. */
  accounts: number;
  /** Each account is replaced by a fresh one after this many steps (keeps a soak's objects a realistic size). */
  accountSteps?: number;
  /**
   * Also send requests whose `now` is a little behind the account's last call or alarm (the account serves them
   * at the latest instant it reached: README.md "Simulation"). On in CI and soaks; `SIM_STALE=0` turns it off.
   */
  stale?: boolean;
}

/** Runs one stream; throws a replayable report on the first mismatch. */
export async function simulate(options: SimOptions): Promise<Tally> {
  const { seed, steps, accountSteps = Infinity } = options;
  const rng = new Prng(seed);
  const fresh = async (now: number) => {
    const made: Account[] = [];
    for (let i = 0; i < options.accounts; i++) made.push(await newAccount(seed, rng, now));
    return made;
  };
  let accounts = await fresh(T0);
  const tally: Tally = {
    steps: 0, operations: 0, checks: 0, outcomes: {}, events: {},
    limits: { counterChecks: 0, lateConfirms: { accepted: 0, refusedForCampaign: 0, refusedOtherwise: 0 }, filled: {} },
  };
  const run = `${seed}-${Math.random().toString(36).slice(2, 8)}`;
  const stream: Stream = { shop: new ShopModel(run), programs: new Programs(run) };
  const count = (done: Account[]) => {
    for (const a of done) for (const [k, n] of Object.entries(a.model.events)) tally.events[k] = (tally.events[k] ?? 0) + n;
  };
  const trail: string[] = [];
  let now = T0;
  for (let i = 0; i < steps; i++) {
    if (i > 0 && i % accountSteps === 0) {
      count(accounts);
      accounts = await fresh(now);
    }
    if (rng.chance(0.6)) now += rng.int(0, 180_000);
    const epoch = Math.floor(i / EPOCH_STEPS);
    const op = nextOp(rng, accounts, now, { epoch }, options.stale);
    if (op.type === "tick") now += op.ms;
    trail.push(`#${i} t+${((now - T0) / 3_600_000).toFixed(3)}h ${JSON.stringify(op)}`);
    if (trail.length > 12) trail.shift();
    try {
      const touched = await step(accounts, op, now, tally, stream);
      for (const a of touched.size ? touched : [accounts[0]!]) {
        await checkInvariants(a.stub, a.model, a.keys, a.at, i % 4 === 0);
        tally.checks++;
      }
      // The counters this step reached (only a call changes a counter's storage), and every 8th step all of the epoch's.
      const counters = stream.shop.touched;
      if (i % 8 === 0) for (const kind of LIMITED_KINDS) if (stream.shop.counters.has(campaignIdOf(stream.shop, epoch, kind))) counters.add(campaignIdOf(stream.shop, epoch, kind));
      tally.limits.counterChecks += await checkCounters(stream.shop, counters, now);
      counters.clear();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(
        `ledger simulation failed: seed ${seed}, step ${i}\n  ${why}\nlast steps:\n  ${trail.join("\n  ")}\n` +
          `replay: SIM_SEED=${seed} SIM_OPS=${steps} SIM_ACCOUNTS=${options.accounts}${options.stale ? "" : " SIM_STALE=0"} npx vitest run --project worker tools/simulation/replay.test.ts`,
        { cause: e },
      );
    }
    tally.steps++;
  }
  count(accounts);
  tally.limits.lateConfirms = { ...stream.shop.lateConfirms };
  for (const kind of LIMITED_KINDS) {
    const all = [...stream.shop.counters.values()].filter((c) => c.kind === kind);
    const full = all.filter((c) => (c.limits.totalUses !== undefined ? c.maxCommitted === c.limits.totalUses : c.maxCommittedBudget === c.limits.budget));
    tally.limits.filled[kind] = { counters: all.length, filled: full.length };
  }
  return tally;
}

const campaignIdOf = (shop: ShopModel, epoch: number, kind: (typeof LIMITED_KINDS)[number]) => campaignId(shop.run, epoch, kind);

/** One line per stream for the test output: counts, outcomes, and how often the rarer rules fired. */
export function report(name: string, t: Tally, invariants: number): void {
  const outcomes = Object.entries(t.outcomes).sort().map(([k, n]) => `${k}: ${n}`).join(", ");
  const events = Object.entries(t.events).map(([k, n]) => `${k}: ${n}`).join(", ");
  const l = t.limits;
  const limits = `limited campaigns: ${l.counterChecks} counter checks; late confirms accepted ${l.lateConfirms.accepted}, ` +
    `refused for a campaign ${l.lateConfirms.refusedForCampaign}, refused otherwise ${l.lateConfirms.refusedOtherwise}; ` +
    `epochs whose counter filled to its limit exactly: ${Object.entries(l.filled).map(([k, v]) => `${k} ${v.filled} of ${v.counters}`).join(", ")}`;
  console.log(`${name}: ${t.steps} steps, ${t.operations} operations, ${t.checks} × ${invariants} invariant checks\n  ${outcomes}\n  rules reached: ${events}\n  ${limits}`);
}
