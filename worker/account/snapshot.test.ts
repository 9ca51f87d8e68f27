import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CustomerSnapshot } from "../../engine/host/types.ts";
import type { CustomerAccount } from "./account.ts";
import { selectStats, sumSpendSince } from "./account-sql.ts";
import { balances, DAY } from "./ledger.ts";
import { selectProfile } from "./order-sql.ts";
import { account, HOUR, ok, order, program, receipt, T0 } from "./test-helpers.ts";
import type { TierProgram } from "./types.ts";
import { snapshotOf } from "./views.ts";

/**
 * The snapshot as it was read before it became one statement: one query per figure. `snapshotOf` must give exactly
 * this (values and the order of lists) in every state.
 */
function reference(sql: SqlStorage, now: number, tiers: TierProgram | undefined): CustomerSnapshot {
  const profile = selectProfile(sql);
  const uses = new Map<string, number>();
  for (const row of sql.exec<{ campaignId: string; uses: number }>("SELECT campaignId, uses FROM campaign_uses WHERE uses > 0")) {
    uses.set(row.campaignId, row.uses);
  }
  const held = sql
    .exec<{ evaluation: string }>("SELECT evaluation FROM orders WHERE status = 'pending' AND holdExpiresAt > ?", now)
    .toArray()
    .flatMap((row) => (JSON.parse(row.evaluation) as { campaigns: { id: string }[] }).campaigns.map((c) => c.id))
    .filter((id) => !id.startsWith("tier:"));
  for (const id of held) uses.set(id, (uses.get(id) ?? 0) + 1);
  const bought = (kind: string) => sql
    .exec<{ value: string }>("SELECT value FROM bought WHERE kind = ? ORDER BY lastAt DESC, value LIMIT 10000", kind)
    .toArray()
    .map((row) => row.value);
  const windowDays = tiers?.tiers?.windowDays;
  const snapshot: CustomerSnapshot = {
    balance: balances(sql, now).available,
    spend: windowDays === null || windowDays === undefined ? selectStats(sql).spend : Math.max(0, sumSpendSince(sql, now - windowDays * DAY)),
    orders: selectStats(sql).orders,
    boughtSkus: bought("sku"),
    boughtCategories: bought("category"),
    campaignUses: Object.fromEntries(uses),
    member: profile?.registeredAt != null,
  };
  if (profile?.birthday) snapshot.birthday = profile.birthday;
  return snapshot;
}

async function expectSameSnapshots(stub: DurableObjectStub<CustomerAccount>, instants: number[]): Promise<void> {
  const tierings: (TierProgram | undefined)[] = [undefined, { tiers: { windowDays: 30, levels: [] } }, { tiers: { levels: [] } }];
  await runInDurableObject(stub, (_instance: CustomerAccount, state) => {
    for (const now of instants) {
      for (const tiers of tierings) {
        const one = snapshotOf(state.storage.sql, now, tiers);
        const many = reference(state.storage.sql, now, tiers);
        expect(one, `at T0 + ${(now - T0) / HOUR} h, tiers ${JSON.stringify(tiers)}`).toEqual(many);
        expect(Object.keys(one.campaignUses ?? {})).toEqual(Object.keys(many.campaignUses ?? {}));
      }
    }
  });
}

describe("the customer snapshot, read in one statement", () => {
  it("is what one query per figure gives, for an account that has nothing", async () => {
    await expectSameSnapshots(account(), [T0]);
  });

  it("is what one query per figure gives, through orders pending, confirmed, returned, cancelled and lapsed", async () => {
    const stub = account();
    const p = program({
      pendingDays: 1,
      expiryDays: 30,
      campaigns: [
        { id: "first", when: { orderNumber: { eq: 1 } }, effect: { bonusPoints: 50 } },
        { id: "10", effect: { bonusPoints: 5 } },
        { id: "mugs", target: { categories: ["cat-mug"] }, effect: { discountBps: 500 } },
      ],
    });
    ok(await stub.upsertProfile({ customerId: "c1", name: "Ann", birthday: "1990-02-03" }, T0));
    ok(await stub.adjust({ id: "seed", points: 5000, expiryDays: 10 }, T0));
    const cart = (skus: string[], extra = {}) =>
      receipt(skus.map((sku, i) => ({ id: String(i + 1), sku, categories: [`cat-${sku}`, "all"], price: 10_000 * (i + 1), qty: 1 })), extra);
    ok(await stub.placeOrder(order("o1", cart(["mug", "tea"], { redeemPoints: 100 }), T0 + HOUR, p)));
    ok(await stub.confirmOrder("o1", T0 + 2 * HOUR));
    ok(await stub.placeOrder(order("o2", cart(["cup", "mug", "spoon"]), T0 + 3 * HOUR, p)));
    ok(await stub.confirmOrder("o2", T0 + 3 * HOUR));
    ok(await stub.returnLines({ orderId: "o2", returnId: "r1", lines: [{ id: "1", qty: 1 }] }, T0 + 4 * HOUR));
    ok(await stub.placeOrder(order("o3", cart(["tea"]), T0 + 5 * HOUR, p)));
    ok(await stub.confirmOrder("o3", T0 + 5 * HOUR));
    ok(await stub.cancelOrder("o3", T0 + 6 * HOUR));
    ok(await stub.placeOrder(order("o4", cart(["mug"], { redeemPoints: 200 }), T0 + 7 * HOUR, p, { holdMinutes: 60 })));
    ok(await stub.placeOrder(order("o5", cart(["plate"], { redeemPoints: 50 }), T0 + 7 * HOUR + 1, p, { holdMinutes: 600 })));
    // Pending holds in force, one of them lapsing; pending points turning available; the seed expiring.
    await expectSameSnapshots(stub, [T0 + 7 * HOUR + 2, T0 + 8 * HOUR, T0 + 8 * HOUR + 1, T0 + DAY + 3 * HOUR, T0 + 11 * DAY]);
    ok(await stub.getAccount(T0 + 40 * DAY)); // advance past everything
    await expectSameSnapshots(stub, [T0 + 40 * DAY, T0 + 80 * DAY]);
  });
});
