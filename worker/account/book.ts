/**
 * An order's book: what each line earned, spent and paid, fixed when the order is placed, and the exact
 * arithmetic that splits those numbers over returned units. Pure functions, no storage.
 */
import type { Evaluation, ReceiptLine } from "../../engine/host/types.ts";

export interface BookLine {
  id: string;
  qty: number;
  /** Points earned by the line (evaluation). */
  earned: number;
  /** Points spent on the line: the order's points allocated by the line's pointsPaid (largest remainder). */
  spent: number;
  /** Qualifying spend of the line: amount − discount − pointsPaid (money actually paid, no shipping). */
  paid: number;
  sku?: string;
  categories?: string[];
}

export interface OrderBook {
  lines: BookLine[];
  /** Receipt-level bonus points (evaluation.pointsEarned − Σ lines' pointsEarned): taken back with the last unit. */
  bonus: number;
  /** Σ lines' paid: the order's qualifying spend. */
  paid: number;
}

/**
 * Splits `total` over `weights` in proportion, exactly: floors, then one more to the largest remainders
 * (ties: earlier index). All-zero weights give everything nothing unless total is 0.
 */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + BigInt(w), 0n);
  if (sum === 0n) return weights.map(() => 0);
  const t = BigInt(total);
  const parts = weights.map((w) => (t * BigInt(w)) / sum);
  const rest = weights.map((w, i) => ({ i, r: (t * BigInt(w)) % sum }));
  let left = t - parts.reduce((a, p) => a + p, 0n);
  rest.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of rest) {
    if (left === 0n) break;
    parts[i]! += 1n;
    left -= 1n;
  }
  return parts.map(Number);
}

/**
 * The part of `value` belonging to units `done`+1 … `done`+`qty` of a line of `total` units, such that the parts
 * of any sequence of returns add up to `value` exactly once every unit is back: floor(value × units / total),
 * taken cumulatively (the n-th returned unit gets floor(value·n/total) − floor(value·(n−1)/total)).
 */
export function unitsShare(value: number, done: number, qty: number, total: number): number {
  const v = BigInt(value);
  const t = BigInt(total);
  return Number((v * BigInt(done + qty)) / t - (v * BigInt(done)) / t);
}

/** The book of an evaluated receipt. */
export function bookOf(evaluation: Evaluation, lines: ReceiptLine[]): OrderBook {
  const spent = allocate(evaluation.pointsSpent, evaluation.lines.map((l) => l.pointsPaid));
  const book = evaluation.lines.map((line, i): BookLine => {
    const source = lines[i]!;
    const entry: BookLine = {
      id: line.id,
      qty: source.qty,
      earned: line.pointsEarned,
      spent: spent[i]!,
      paid: line.amount - line.discount - line.pointsPaid,
    };
    if (source.sku !== undefined) entry.sku = source.sku;
    if (source.categories?.length) entry.categories = source.categories;
    return entry;
  });
  const earnedOnLines = book.reduce((a, l) => a + l.earned, 0);
  return { lines: book, bonus: evaluation.pointsEarned - earnedOnLines, paid: book.reduce((a, l) => a + l.paid, 0) };
}
