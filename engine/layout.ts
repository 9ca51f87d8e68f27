// The Wasm boundary in one table: the engine (engine/assembly, AssemblyScript) and its host (engine/host,
// TypeScript) both import these numbers, so the two sides cannot drift apart. Only plain integer constants:
// AssemblyScript infers i32 for each and folds them, and TypeScript's erasable-syntax-only mode rules out enums.

/**
 * Layout versions. The engine reports PROGRAM_LAYOUT × LAYOUT_VERSION_BASE + RECEIPT_LAYOUT from
 * `layoutVersion()`, and the host refuses a build that reports another: bump one whenever the order or meaning
 * of the flat program's or the receipt's slots changes.
 */
export const PROGRAM_LAYOUT = 2;
export const RECEIPT_LAYOUT = 3;
export const LAYOUT_VERSION_BASE = 1000;
export const LAYOUT_VERSION = PROGRAM_LAYOUT * LAYOUT_VERSION_BASE + RECEIPT_LAYOUT;

/**
 * Byte sizes of the input's slots. Numbers (the flat program, a receipt's numbers) are f64 holding exact
 * integers; a receipt's string ids are i32, in a region that starts right after its numbers.
 */
export const NUMBER_BYTES = 8;
export const ID_BYTES = 4;

/**
 * Sizes of a receipt's number region, in slots: the header the engine reads first (layout version, line
 * count, shipping, redeem request, instant, local time, customer snapshot, birthdays, string count), then the
 * counters of each campaign (uses, uses left, budget left, granted), then each line (price, qty).
 */
export const RECEIPT_HEADER_SLOTS = 17;
export const RECEIPT_CAMPAIGN_SLOTS = 4;
export const RECEIPT_LINE_SLOTS = 2;

/** Status of `loadProgram`: the flat program was loaded, or rejected as malformed (a host bug). */
export const PROGRAM_LOADED = 0;
export const PROGRAM_REJECTED = 1;

/**
 * Status of `quote`, also in the result's RESULT_STATUS slot. STATUS_OK: evaluated. The receipt statuses
 * (lines to points range) are a shop's bad input that the host reports with a field path, RESULT_ERROR_LINE
 * naming the line where there is one; STATUS_MALFORMED and STATUS_NO_PROGRAM are host bugs.
 */
export const STATUS_OK = 0;
export const STATUS_MALFORMED = 1;
export const STATUS_LINES = 2;
export const STATUS_PRICE = 3;
export const STATUS_QTY = 4;
export const STATUS_SUBTOTAL = 5;
export const STATUS_SHIPPING = 6;
export const STATUS_REDEEM = 7;
export const STATUS_SNAPSHOT = 8;
export const STATUS_NO_PROGRAM = 9;
export const STATUS_POINTS_RANGE = 10;

/**
 * Positions in the result's header, the first RESULT_HEADER_SLOTS f64 slots. On a status other than STATUS_OK
 * only the status and the error line are set, the rest are 0.
 */
export const RESULT_STATUS = 0;
/** The line a receipt status is about; -1 when none. */
export const RESULT_ERROR_LINE = 1;
export const RESULT_SUBTOTAL = 2;
export const RESULT_DISCOUNT = 3;
export const RESULT_POINTS_SPENT = 4;
export const RESULT_POINTS_SPENT_AMOUNT = 5;
export const RESULT_MAX_REDEEMABLE = 6;
export const RESULT_SHIPPING = 7;
export const RESULT_TOTAL = 8;
/** Points earned, the applied campaigns' bonus points included. */
export const RESULT_POINTS_EARNED = 9;
/** 1 when shipping is free, else 0. */
export const RESULT_FREE_SHIPPING = 10;
/** The customer's tier index; -1 for none. */
export const RESULT_TIER = 11;
export const RESULT_ENTRY_COUNT = 12;
export const RESULT_APPLIED_COUNT = 13;
export const RESULT_NUDGE_COUNT = 14;
/** Points earned by the purchase itself, without bonus points. */
export const RESULT_PURCHASE_POINTS = 15;
export const RESULT_HEADER_SLOTS = 16;

/**
 * The result after its header: one block per receipt line, then the discount entries, the applied campaigns
 * and the nudges, RESULT_ENTRY_COUNT, RESULT_APPLIED_COUNT and RESULT_NUDGE_COUNT of each. Each record is a
 * fixed number of slots (…_SLOTS) with its fields at these offsets. A `ref` ≥ 0 is a campaign's index in the
 * compiled order; a negative one, -1 - t, is tier t.
 */
export const LINE_SLOTS = 4;
export const LINE_AMOUNT = 0;
export const LINE_DISCOUNT = 1;
export const LINE_POINTS_PAID = 2;
export const LINE_POINTS_EARNED = 3;

export const ENTRY_SLOTS = 3;
export const ENTRY_LINE = 0;
export const ENTRY_REF = 1;
export const ENTRY_AMOUNT = 2;

export const APPLIED_SLOTS = 3;
export const APPLIED_REF = 0;
export const APPLIED_DISCOUNT = 1;
export const APPLIED_POINTS = 2;

export const NUDGE_SLOTS = 4;
export const NUDGE_TYPE = 0;
/** A tier index for NUDGE_TIER, else a ref. */
export const NUDGE_REF = 1;
export const NUDGE_AMOUNT_LEFT = 2;
export const NUDGE_QTY_LEFT = 3;

/** Nudge types, in a nudge's NUDGE_TYPE slot. */
export const NUDGE_TIER = 1;
export const NUDGE_CAMPAIGN = 2;
export const NUDGE_FREE_SHIPPING = 3;

/** A campaign's effect kind in the flat program. */
export const EFFECT_NONE = 0;
export const EFFECT_PERCENT = 1;
export const EFFECT_AMOUNT = 2;
export const EFFECT_CHEAPEST_FREE = 3;
export const EFFECT_BUNDLE = 4;
/** `discountBps` off the `topUnits` most expensive target units (a reward coupon on "an item"). */
export const EFFECT_TOP_UNITS = 5;
