import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CustomerAccount } from "./account.ts";
import { presentedCoupons } from "./coupons.ts";
import { account, DAY, HOUR, MINUTE, ok, order, program, receipt, T0 } from "./test-helpers.ts";
import type { OrderView, TierProgram } from "./types.ts";
import { snapshotOf } from "./views.ts";

/**
 * Quotes read the account through its preview memo (preview-memo.ts): the snapshot and coupon lookups kept in
 * memory between writes. Whatever happened to the account and however much time passed, a quote must see exactly
 * what storage says at its instant.
 */
const TIERINGS: (TierProgram | undefined)[] = [undefined, { tiers: { windowDays: 2, levels: [] } }, { tiers: { levels: [] } }];

async function expectMemoIsStorage(stub: DurableObjectStub<CustomerAccount>, at: number, codes: string[]): Promise<void> {
  for (const tiers of TIERINGS) {
    // Twice: the first may fill the memo, the second is served from it.
    const first = ok(await stub.getCheckoutSnapshot(at, tiers, { codes }));
    const second = ok(await stub.getCheckoutSnapshot(at, tiers, { codes }));
    const direct = await runInDurableObject(stub, (_i: CustomerAccount, state) => ({
      snapshot: snapshotOf(state.storage.sql, at, tiers),
      rewards: presentedCoupons(state.storage.sql, codes).map((c) => c.rewardId),
    }));
    const where = `at T0 + ${((at - T0) / HOUR).toFixed(3)} h, tiers ${JSON.stringify(tiers)}`;
    expect(first, where).toEqual(direct);
    expect(second, where).toEqual(direct);
  }
}

const p = program({
  pendingDays: 1,
  expiryDays: 3,
  campaigns: [
    { id: "first", when: { orderNumber: { eq: 1 } }, effect: { bonusPoints: 50 } },
    { id: "mugs", target: { categories: ["cat-mug"] }, effect: { discountBps: 500 } },
  ],
});
const cart = (skus: string[], extra = {}) =>
  receipt(skus.map((sku, i) => ({ id: String(i + 1), sku, categories: [`cat-${sku}`], price: 10_000 * (i + 1), qty: 1 })), extra);
const reward = (code: number) => ({ rewardId: `r${code}`, name: "Mug", cost: 100, validDays: 2, expiryDays: 3, requestId: `k${code}` });

/** Up to 12 random account operations and waits; `redeem`: what an order asks to spend. */
function operations<R>(redeem: fc.Arbitrary<R>) {
  return fc.array(
    fc.oneof(
      fc.record({ op: fc.constant("adjust" as const), points: fc.integer({ min: -300, max: 3000 }).filter((x) => x !== 0) }),
      fc.record({ op: fc.constant("place" as const), redeem, hold: fc.integer({ min: 1, max: 120 }) }),
      fc.record({ op: fc.constant("confirm" as const) }),
      fc.record({ op: fc.constant("cancel" as const) }),
      fc.record({ op: fc.constant("redeem" as const) }),
      fc.record({ op: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 3 * DAY }) }),
    ),
    { minLength: 1, maxLength: 12 },
  );
}

describe("quotes served from the account's memory", () => {
  it("see every write and every instant at which time alone changes the snapshot", async () => {
    const stub = account();
    ok(await stub.upsertProfile({ customerId: "c1", name: "Ann" }, T0));
    ok(await stub.adjust({ id: "seed", points: 5000, expiryDays: 2 }, T0));
    await expectMemoIsStorage(stub, T0 + 1, []);
    const coupon = ok(await stub.redeemReward(reward(1), T0 + 2));
    await expectMemoIsStorage(stub, T0 + 3, [coupon.code, "NOPE"]);
    ok(await stub.placeOrder(order("o1", cart(["mug", "tea"], { redeemPoints: 100, codes: [coupon.code] }), T0 + HOUR, p, { holdMinutes: 30 })));
    // The hold in force, then lapsed (its points and the coupon back) without any write in between.
    await expectMemoIsStorage(stub, T0 + HOUR + MINUTE, [coupon.code]);
    await expectMemoIsStorage(stub, T0 + HOUR + 31 * MINUTE, [coupon.code]);
    ok(await stub.placeOrder(order("o2", cart(["mug"], { redeemPoints: 200 }), T0 + 2 * HOUR, p)));
    ok(await stub.confirmOrder("o2", T0 + 2 * HOUR + 1));
    // Earned points pending for a day, then available; the purchase leaving the two-day tier window; the seed expiring.
    for (const at of [T0 + 3 * HOUR, T0 + DAY + 2 * HOUR, T0 + DAY + 3 * HOUR, T0 + 2 * DAY + HOUR, T0 + 2 * DAY + 3 * HOUR, T0 + 6 * DAY]) {
      await expectMemoIsStorage(stub, at, [coupon.code]);
    }
  });

  it("match storage through random sequences of writes and waits", async () => {
    await fc.assert(
      fc.asyncProperty(
        operations(fc.integer({ min: 0, max: 500 })),
        async (steps) => {
          const stub = account("memo");
          let at = T0;
          let n = 0;
          const orders: string[] = [];
          const codes: string[] = [];
          for (const step of steps) {
            at += MINUTE;
            n++;
            if (step.op === "adjust") await stub.adjust({ id: `a${n}`, points: step.points, expiryDays: 2 }, at);
            else if (step.op === "place") {
              const placed = await stub.placeOrder(order(`o${n}`, cart(["mug", `s${n}`], { redeemPoints: step.redeem, codes: codes.slice(-1) }), at, p, { holdMinutes: step.hold }));
              if (placed.ok) orders.push(`o${n}`);
            } else if (step.op === "confirm" && orders.length) await stub.confirmOrder(orders[orders.length - 1]!, at);
            else if (step.op === "cancel" && orders.length) await stub.cancelOrder(orders.shift()!, at);
            else if (step.op === "redeem") {
              const issued = await stub.redeemReward(reward(n), at);
              if (issued.ok) codes.push(issued.value.code);
            } else if (step.op === "wait") at += step.ms;
            await expectMemoIsStorage(stub, at + 1, codes);
            await expectMemoIsStorage(stub, at + 20 * MINUTE, codes);
            at += 20 * MINUTE;
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("orders placed right after quotes evaluate exactly as on an account never quoted", async () => {
    // The order reads the snapshot a quote left in memory; a twin account without quotes reads storage.
    const tiered = program({
      pendingDays: 1,
      expiryDays: 3,
      tiers: { windowDays: 2, levels: [{ id: "bronze", name: "B", from: 0, rateBps: 500 }, { id: "silver", name: "S", from: 30_000, rateBps: 1500, discountBps: 500 }] },
      rewards: [{ id: "mug", name: "Mug", cost: 100, coupon: { discountBps: 2000, target: "item", validDays: 2 } }],
      campaigns: [{ id: "first", when: { orderNumber: { eq: 1 } }, effect: { bonusPoints: 50 } }],
    });
    await fc.assert(
      fc.asyncProperty(
        operations(fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constant("max" as const))),
        async (steps) => {
          const [quoted, plain] = [account("quoted"), account("plain")];
          const codes = new Map<DurableObjectStub<CustomerAccount>, string[]>([[quoted, []], [plain, []]]);
          const orders: string[] = [];
          let at = T0;
          let n = 0;
          for (const step of steps) {
            at += MINUTE;
            n++;
            const results = await Promise.all([quoted, plain].map(async (stub) => {
              const mine = codes.get(stub)!;
              if (stub === quoted) await stub.getCheckoutSnapshot(at, { tiers: tiered.tiers }, { codes: mine.slice(-1) });
              if (step.op === "adjust") return stub.adjust({ id: `a${n}`, points: step.points, expiryDays: 2 }, at);
              if (step.op === "place") {
                const r = cart(["mug", `s${n}`], { redeemPoints: step.redeem, codes: mine.slice(-1) });
                return stub.placeOrder(order(`o${n}`, r, at, tiered, { holdMinutes: step.hold }));
              }
              if (step.op === "confirm" && orders.length) return stub.confirmOrder(orders[orders.length - 1]!, at);
              if (step.op === "cancel" && orders.length) return stub.cancelOrder(orders[0]!, at);
              if (step.op === "redeem") {
                const issued = await stub.redeemReward({ ...reward(n), rewardId: "mug" }, at);
                if (issued.ok) mine.push(issued.value.code);
                return issued;
              }
              return null;
            }));
            const [a, b] = results as ({ ok: boolean; value?: unknown; error?: { code: string } } | null)[];
            expect(a?.ok, `step ${n} ${step.op}`).toBe(b?.ok);
            if (step.op === "place" && a?.ok) {
              expect((a.value as OrderView).evaluation, `step ${n}`).toEqual((b!.value as OrderView).evaluation);
              orders.push(`o${n}`);
            } else if (step.op === "cancel" && orders.length && a?.ok) orders.shift();
            if (a && !a.ok) expect(a.error?.code).toBe(b?.error?.code);
            if (step.op === "wait") at += step.ms;
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
