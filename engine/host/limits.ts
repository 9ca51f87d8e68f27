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
  /**
   * An evaluation as JSON (UTF-8 bytes, without programVersion and quoteId): what a quote answers and an order
   * stores. 1 000 lines × 1 000 campaigns would be 33 MB; beyond this a quote or an order is 400 naming lines.
   */
  evaluationBytes: 524_288,
  /**
   * An order as stored (one SQLite row, whose platform limit is 2 MB): its receipt, its evaluation and its book
   * (per line: id, sku, categories, qty, points, paid) as JSON, UTF-8 bytes together. The rest of the row is
   * at most ~110 kB (ids, times, the limited campaigns: 1 000 × ≤ 100 bytes).
   */
  orderBytes: 1_800_000,
  /** How long an order may hold its points, minutes (default `DEFAULT_HOLD_MINUTES`). */
  holdMinutes: 1440,
} as const;

/** How long an order holds its points when the request does not say (minutes). */
export const DEFAULT_HOLD_MINUTES = 30;

/**
 * The calendar range the API accepts (docs/api.md "Money, points and time", docs/program.md "The receipt").
 * JavaScript's Date constructors read years 0–99 as 1900–1999, and nothing real happens before these dates, so
 * the edge refuses what lies outside them and stored data outside them is treated as unknown.
 */
export const DATE_LIMITS = {
  /** The earliest birthday (inclusive); the latest is today's date where it is latest on Earth (UTC+14). */
  birthdayFrom: "1900-01-01",
  /** The earliest receipt `at` (inclusive). */
  atFrom: "2000-01-01T00:00:00Z",
  /** The first receipt `at` refused after the range (exclusive). */
  atBefore: "2100-01-01T00:00:00Z",
} as const;

/** How far ahead of UTC the latest time zone on Earth is (Pacific/Kiritimati), milliseconds. */
export const LATEST_ZONE_OFFSET_MS = 14 * 3_600_000;
