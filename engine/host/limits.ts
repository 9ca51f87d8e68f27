/**
 * The documented limits of a receipt, a program and a ledger (docs/program.md "Limits", docs/api.md): one table
 * that the schemas, the encoder, the Worker's routes and the ledger all read, so a limit is never written twice.
 * Every figure is exact in both the engine's 64-bit integers and a JavaScript number.
 */
export const LIMITS = {
  /** A line's unit price, minor units. */
  price: 1e12,
  /** A line's quantity. */
  qty: 1e6,
  /** Lines in one receipt. */
  lines: 1000,
  /** A receipt's shipping, minor units. */
  shipping: 1e12,
  /** A receipt's subtotal, minor units. */
  subtotal: 1e13,
  /** Points: a balance, one adjustment, one bonus, a reward's cost, the points a receipt asks to spend. */
  points: 1e15,
  /** Qualifying spend, minor units. */
  spend: 1e15,
  /** How long an order may hold its points, minutes (default `DEFAULT_HOLD_MINUTES`). */
  holdMinutes: 1440,
} as const;

/** How long an order holds its points when the request does not say (minutes). */
export const DEFAULT_HOLD_MINUTES = 30;
