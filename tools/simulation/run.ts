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
 * One program per variant: value 100, earn 10%, at most 30% paid with points, 50 points on the first order, the
 * bonuses and (but in one variant) the rewards of program.ts.
 */
const PROGRAMS: Program[] = VARIANTS.map(({ pendingDays, expiryDays, rewards }) => ({
  currency: "RUB",
  timezone: "Europe/Moscow",
  points: { value: 100, pendingDays, expiryDays },
  earn: { rateBps: 1000 },
  redeem: { maxShareBps: 3000 },
  bonuses: BONUSES,
  campaigns: [{ id: "first", when: { orderNumber: { eq: 1 } }, effect: { bonusPoints: FIRST_ORDER_BONUS } }],
  rewards: rewards ? [...REWARDS] : [],
}));
// Program versions unique to this run: the engine cache is keyed by (shop, version) per isolate.
const VERSION_BASE = 1_000_000 + Math.floor(Math.random() * 1_000_000) * 10;

export interface Tally {
  steps: number;
  /** Requests sent (each copy of a duplicate counts), ticks, alarms, reads and evictions. */
  operations: number;
  checks: number;
  outcomes: Record<string, number>;
  /** The model's rarer rules that fired: carried points, debt, expiries on return, coupons expired and released, birthdays… */
  events: Record<string, number>;
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
  const a: Account = { stub: env.CUSTOMER_ACCOUNT.getByName(name), model: new LedgerModel(), keys: new Map(), memory: newMemory(), at: now };
  a.model.birthday = rng.pick(BIRTHDAYS);
  const created = await a.stub.upsertProfile({ customerId: "sim", birthday: a.model.birthday }, now);
  if (!created.ok) throw new Error(`creating the profile: ${JSON.stringify(created.error)}`);
  return a;
}

function send(a: Account, r: Request, now: number): Promise<AccountResult<unknown>> {
  switch (r.type) {
    case "place": {
      const input: PlaceOrderInput = {
        shopId: SHOP, program: PROGRAMS[r.variant]!, programVersion: VERSION_BASE + r.variant, orderId: r.orderId, receipt: r.receipt, now,
      };
      if (r.holdMinutes !== undefined) input.holdMinutes = r.holdMinutes;
      if (r.quoteId !== undefined) input.quoteId = r.quoteId;
      return a.stub.placeOrder(input);
    }
    case "confirm": return a.stub.confirmOrder(r.orderId, now);
    case "cancel": return a.stub.cancelOrder(r.orderId, now);
    case "return": return a.stub.returnLines({ orderId: r.orderId, returnId: r.returnId, lines: r.lines }, now);
    case "adjust": {
      const input = { id: r.id, kind: r.kind, points: r.points, expiryDays: r.expiryDays, ...(r.reason === undefined ? {} : { reason: r.reason }) };
      return a.stub.adjust(input, now);
    }
    case "event": {
      const p = PROGRAMS[r.variant]!;
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
function settle(a: Account, r: Request, result: AccountResult<unknown>, now: number, tally: Tally): void {
  a.model.advance(now);
  const expected = expectationOf(a.model, a.keys, r, now);
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

async function step(accounts: Account[], op: Op, now: number, tally: Tally): Promise<Set<Account>> {
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
      settle(a, op.request, await send(a, op.request, at), Math.max(at, a.at), tally);
      tally.operations++;
      touched.add(a);
      return touched;
    }
    case "together": {
      const results = await Promise.all(op.requests.map((r) => send(accounts[r.acct]!, r, now)));
      op.requests.forEach((r, i) => {
        const a = accounts[r.acct]!;
        settle(a, r, results[i]!, now, tally);
        a.at = now;
        touched.add(a);
      });
      tally.operations += op.requests.length;
      return touched;
    }
    default: {
      const a = accounts[op.acct]!;
      const result = await send(a, op, now);
      settle(a, op, result, now, tally);
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
  const tally: Tally = { steps: 0, operations: 0, checks: 0, outcomes: {}, events: {} };
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
    const op = nextOp(rng, accounts, now, options.stale);
    if (op.type === "tick") now += op.ms;
    trail.push(`#${i} t+${((now - T0) / 3_600_000).toFixed(3)}h ${JSON.stringify(op)}`);
    if (trail.length > 12) trail.shift();
    try {
      const touched = await step(accounts, op, now, tally);
      for (const a of touched.size ? touched : [accounts[0]!]) {
        await checkInvariants(a.stub, a.model, a.keys, a.at, i % 4 === 0);
        tally.checks++;
      }
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
  return tally;
}

/** One line per stream for the test output: counts, outcomes, and how often the rarer rules fired. */
export function report(name: string, t: Tally, invariants: number): void {
  const outcomes = Object.entries(t.outcomes).sort().map(([k, n]) => `${k}: ${n}`).join(", ");
  const events = Object.entries(t.events).map(([k, n]) => `${k}: ${n}`).join(", ");
  console.log(`${name}: ${t.steps} steps, ${t.operations} operations, ${t.checks} × ${invariants} invariant checks\n  ${outcomes}\n  rules reached: ${events}`);
}
