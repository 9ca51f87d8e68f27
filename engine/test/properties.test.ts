/**
 * Properties over arbitrary programs, receipts, snapshots and counters (generated inside the validation limits,
 * see arbitraries.ts).
 *
 * Replaying: every property runs with the fixed seed below, so a failure reproduces on every run. fast-check
 * prints the counterexample together with `seed` and `path`; to explore other inputs set FC_SEED (and FC_RUNS)
 * in the environment, e.g. `FC_SEED=42 FC_RUNS=2000 npx vitest run engine/test/properties.test.ts`.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { createEngine } from "../host/node.ts";
import type { CampaignCounters, CustomerSnapshot, Evaluation, Program, Receipt } from "../host/types.ts";
import { countersArb, customerArb, programArb, receiptArb } from "./arbitraries.ts";

const SEED = Number(process.env.FC_SEED ?? 20261123);
const RUNS = Number(process.env.FC_RUNS ?? 300);
const params: fc.Parameters<[Input]> = { seed: SEED, numRuns: RUNS };

interface Input {
  program: Program;
  receipt: Receipt;
  customer: CustomerSnapshot | undefined;
  counters: CampaignCounters | undefined;
}
const inputArb: fc.Arbitrary<Input> = fc.record({ program: programArb, receipt: receiptArb, customer: customerArb, counters: countersArb });

function run(i: Input): Evaluation {
  return createEngine(i.program).quote(i.receipt, i.customer, i.counters);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const hasAny = (tags: string[] | undefined, excluded: string[] | undefined) => (tags ?? []).some((t) => (excluded ?? []).includes(t));

function property(name: string, check: (i: Input, ev: Evaluation) => void): void {
  test(name, () => {
    fc.assert(
      fc.property(inputArb, (i) => {
        const before = JSON.stringify(i);
        check(i, run(i));
        expect(JSON.stringify(i)).toBe(before); // the engine never mutates its inputs
      }),
      params,
    );
  });
}

describe("properties", () => {
  property("lines: caller's order and ids, amount = price × qty, subtotal = Σ amounts", (i, ev) => {
    expect(ev.lines.map((l) => l.id)).toEqual(i.receipt.lines.map((l) => l.id));
    ev.lines.forEach((l, k) => expect(l.amount).toBe(i.receipt.lines[k]!.price * i.receipt.lines[k]!.qty));
    expect(ev.subtotal).toBe(sum(ev.lines.map((l) => l.amount)));
  });

  property("a line's discount is between 0 and its amount and is the sum of its discounts[]", (i, ev) => {
    for (const l of ev.lines) {
      expect(l.discount).toBeGreaterThanOrEqual(0);
      expect(l.discount).toBeLessThanOrEqual(l.amount);
      expect(sum(l.discounts.map((d) => d.amount))).toBe(l.discount);
      for (const d of l.discounts) expect(d.amount).toBeGreaterThanOrEqual(0);
    }
  });

  property("Σ line discounts = discount; each campaign's discount = its lines' discounts", (i, ev) => {
    expect(sum(ev.lines.map((l) => l.discount))).toBe(ev.discount);
    for (const c of ev.campaigns) {
      const onLines = sum(ev.lines.flatMap((l) => l.discounts.filter((d) => d.campaign === c.id).map((d) => d.amount)));
      expect(c.discount).toBe(onLines);
    }
    for (const l of ev.lines) for (const d of l.discounts) expect(ev.campaigns.map((c) => c.id)).toContain(d.campaign);
  });

  property("Σ pointsPaid = pointsSpentAmount = pointsSpent × value; a line's pointsPaid ≤ what is left of it", (i, ev) => {
    expect(sum(ev.lines.map((l) => l.pointsPaid))).toBe(ev.pointsSpentAmount);
    expect(ev.pointsSpentAmount).toBe(ev.pointsSpent * i.program.points.value);
    ev.lines.forEach((l, k) => {
      expect(l.pointsPaid).toBeGreaterThanOrEqual(0);
      expect(l.pointsPaid).toBeLessThanOrEqual(l.amount - l.discount);
      if (hasAny(i.receipt.lines[k]!.tags, i.program.redeem.excludeTags)) expect(l.pointsPaid).toBe(0);
    });
  });

  property("pointsSpent ≤ balance, ≤ the cap, ≤ the request; 0 below minOrder, when paused or below minPoints", (i, ev) => {
    const balance = i.customer?.balance ?? 0;
    const { maxShareBps, minOrder = 0, minPoints = 1, excludeTags } = i.program.redeem;
    const eligible = ev.lines
      .filter((_, k) => !hasAny(i.receipt.lines[k]!.tags, excludeTags))
      .reduce((a, l) => a + BigInt(l.amount - l.discount), 0n);
    const cap = (eligible * BigInt(maxShareBps)) / 10000n / BigInt(i.program.points.value);

    expect(ev.pointsSpent).toBeGreaterThanOrEqual(0);
    expect(BigInt(ev.pointsSpent) <= cap).toBe(true);
    expect(BigInt(ev.maxRedeemablePoints) <= cap).toBe(true);
    expect(ev.pointsSpent).toBeLessThanOrEqual(ev.maxRedeemablePoints);
    expect(ev.pointsSpent).toBeLessThanOrEqual(Math.max(balance, 0));
    expect(ev.maxRedeemablePoints).toBeLessThanOrEqual(Math.max(balance, 0));
    if (typeof i.receipt.redeemPoints === "number") expect(ev.pointsSpent).toBeLessThanOrEqual(i.receipt.redeemPoints);
    if (!i.receipt.redeemPoints) expect(ev.pointsSpent).toBe(0);
    if (ev.subtotal - ev.discount < minOrder) expect(ev.pointsSpent).toBe(0);
    if (i.program.status === "paused") expect(ev.maxRedeemablePoints).toBe(0);
    if (ev.pointsSpent > 0) expect(ev.pointsSpent).toBeGreaterThanOrEqual(minPoints);
    if (ev.maxRedeemablePoints > 0) expect(ev.maxRedeemablePoints).toBeGreaterThanOrEqual(minPoints);
    // "max" spends exactly the maximum.
    if (i.receipt.redeemPoints === "max") expect(ev.pointsSpent).toBe(ev.maxRedeemablePoints);
  });

  property("points earned: ≥ 0, Σ lines + bonus = pointsEarned = Σ earned[]; excluded lines earn nothing", (i, ev) => {
    expect(ev.pointsEarned).toBeGreaterThanOrEqual(0);
    for (const l of ev.lines) expect(l.pointsEarned).toBeGreaterThanOrEqual(0);
    for (const c of ev.campaigns) expect(c.points).toBeGreaterThanOrEqual(0);
    expect(sum(ev.lines.map((l) => l.pointsEarned)) + sum(ev.campaigns.map((c) => c.points))).toBe(ev.pointsEarned);
    expect(sum(ev.earned.map((e) => e.points))).toBe(ev.pointsEarned);
    ev.lines.forEach((l, k) => {
      if (hasAny(i.receipt.lines[k]!.tags, i.program.earn.excludeTags)) expect(l.pointsEarned).toBe(0);
    });
  });

  property("nothing is earned on a receipt paying 0 (after discounts and points)", (i, ev) => {
    if (ev.subtotal - ev.discount - ev.pointsSpentAmount === 0) expect(ev.pointsEarned).toBe(0);
  });

  property("a paused program: no discount, earning, free shipping, campaign or nudge", (i, ev) => {
    if (i.program.status === "paused") {
      expect(ev.pointsEarned).toBe(0);
      expect(ev.discount).toBe(0);
      expect(ev.freeShipping).toBe(false);
      expect(ev.campaigns).toEqual([]);
      expect(ev.nudges).toEqual([]);
    }
  });

  property("total = subtotal − discount − pointsSpentAmount + (freeShipping ? 0 : shipping)", (i, ev) => {
    const shipping = i.receipt.shipping ?? 0;
    expect(ev.total).toBe(ev.subtotal - ev.discount - ev.pointsSpentAmount + (ev.freeShipping ? 0 : shipping));
    expect(ev.total).toBeGreaterThanOrEqual(0);
  });

  property("identical input → identical JSON, across engines and after other quotes", (i, ev) => {
    const first = JSON.stringify(ev);
    const engine = createEngine(i.program);
    expect(JSON.stringify(engine.quote(i.receipt, i.customer, i.counters))).toBe(first);
    // Another quote in between must leave no trace in the engine's state.
    engine.quote({ at: "2026-01-01T00:00:00Z", lines: [{ id: "x", price: 12345, qty: 3, tags: ["promo"] }], redeemPoints: "max" }, { balance: 100 });
    expect(JSON.stringify(engine.quote(i.receipt, i.customer, i.counters))).toBe(first);
    expect(JSON.stringify(run(i))).toBe(first);
  });

  property("oracle without campaigns, tiers or step: points = floor(Σ earnable × rate / (10^4 × value)), floored once", (i) => {
    const p: Program = { ...i.program, campaigns: [], tiers: null, earn: { ...i.program.earn, step: null } };
    const ev = createEngine(p).quote(i.receipt, i.customer, i.counters);
    expect(ev.discount).toBe(0);
    const paused = p.status === "paused";
    const earnable = ev.lines.reduce((a, l, k) => {
      if (hasAny(i.receipt.lines[k]!.tags, p.earn.excludeTags)) return a;
      return a + BigInt(l.amount - (p.earn.onPointsPaid ? 0 : l.pointsPaid));
    }, 0n);
    const expected = paused || ev.subtotal === ev.pointsSpentAmount ? 0n : (earnable * BigInt(p.earn.rateBps)) / (10000n * BigInt(p.points.value));
    expect(ev.pointsEarned).toBe(Number(expected));
  });

  property("oracle for one fixed-amount campaign: min(amount, subtotal), each line within 1 of its exact share", (i) => {
    const amount = i.program.campaigns?.[0]?.effect.discountAmount ?? 12345;
    const p: Program = { ...i.program, status: "active", tiers: null, campaigns: [{ id: "fixed", effect: { discountAmount: amount } }] };
    const ev = createEngine(p).quote(i.receipt, i.customer, i.counters);
    const subtotal = BigInt(ev.subtotal);
    const given = subtotal < BigInt(amount) ? subtotal : BigInt(amount);
    expect(ev.discount).toBe(Number(given));
    if (subtotal === 0n) return;
    for (const l of ev.lines) {
      const floor = (given * BigInt(l.amount)) / subtotal;
      expect(BigInt(l.discount) === floor || BigInt(l.discount) === floor + 1n).toBe(true);
    }
  });
});
