/**
 * What quotes read of an account, kept in the object's memory between writes (worker/account/README.md
 * "Previews from memory"). A checkout quotes the same customer on every cart change; without this each quote
 * runs the snapshot statement and one coupon lookup per code again, to find what the last quote found.
 *
 * Sound because the CustomerAccount is the only writer of its storage and clears the memo on every write
 * (`clear`): a write call, catching up on anything due, the alarm, an unexpected failure. Between writes the
 * snapshot still depends on the clock, at three kinds of instants: a lot becoming available or expiring, a hold
 * lapsing — those are the account's due work (`workAt`), and previews are served from here only before it — and,
 * with a rolling tier window, the oldest purchase in the window leaving it, which each windowed entry records as
 * its own end. An entry is used only at instants from the one it was read at (a preview whose clock reads
 * earlier reads storage).
 */
import type { CustomerSnapshot } from "../../engine/host/types.ts";
import { BoundedMap } from "../lib/cache.ts";
import { DAY } from "./ledger.ts";
import { firstSpendAfter } from "./account-sql.ts";
import { selectCoupon, type CouponRow } from "./coupon-sql.ts";
import type { OrderReads } from "./orders.ts";
import type { TierProgram } from "./types.ts";
import { snapshotOf } from "./views.ts";

interface Entry<T> {
  value: T;
  /** Valid at instants in [from, until). */
  from: number;
  until: number;
}

export class PreviewMemo {
  /** By the program's tier window in days (null: lifetime spend). */
  private readonly snapshots = new Map<number | null, Entry<CustomerSnapshot>>();
  /** By normalized code; null: no such coupon. */
  private readonly coupons = new BoundedMap<string, CouponRow | null>(MAX_REMEMBERED_CODES);

  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
  }

  /** Storage changed, or may have. */
  clear(): void {
    this.snapshots.clear();
    this.coupons.clear();
  }

  /**
   * The snapshot at `now` (`snapshotOf`). The caller guarantees that nothing is due by `now` (the account's
   * `workAt` is later), so only the tier window can make an entry read at an earlier instant stale.
   */
  snapshot(now: number, program: TierProgram | undefined): CustomerSnapshot {
    const known = this.known(now, program);
    if (known) return known;
    const windowDays = program?.tiers?.windowDays ?? null;
    const value = snapshotOf(this.sql, now, program);
    let until = Number.POSITIVE_INFINITY;
    if (windowDays !== null) {
      // spend counts purchases logged after now − window: the first of them leaves the window at its time + window.
      const first = firstSpendAfter(this.sql, now - windowDays * DAY);
      if (first !== null) until = first + windowDays * DAY;
    }
    this.snapshots.set(windowDays, { value, from: now, until });
    return value;
  }

  /** The snapshot at `now` if a quote has read it since the last write (same conditions as `snapshot`), else undefined. */
  known(now: number, program: TierProgram | undefined): CustomerSnapshot | undefined {
    const entry = this.snapshots.get(program?.tiers?.windowDays ?? null);
    return entry && entry.from <= now && now < entry.until ? entry.value : undefined;
  }

  /**
   * What placing an order reads (orders.ts `OrderReads`): the snapshot a quote left here, else storage — not kept,
   * as the order's own writes are about to clear it — and coupons through the memo.
   */
  readonly forOrder: OrderReads = {
    snapshot: (now, program) => this.known(now, program) ?? snapshotOf(this.sql, now, program),
    coupon: (sql, code) => this.coupon(sql, code),
  };

  /** `selectCoupon`, remembered: a coupon changes state only by a write or due work. */
  readonly coupon = (sql: SqlStorage, code: string): CouponRow | undefined => {
    return this.coupons.getOrSet(code, () => selectCoupon(sql, code) ?? null) ?? undefined;
  };
}

/** Codes are at most 64 characters, a receipt carries few; this bounds what a stream of made-up codes can fill. */
const MAX_REMEMBERED_CODES = 256;
