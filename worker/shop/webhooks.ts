/**
 * Webhooks to the shop (worker/README.md "Webhooks"): verification codes go to the shop's own endpoint, which
 * sends the SMS or e-mail through its provider. Events wait in the Shop's outbox and are delivered by its alarm,
 * with retries, until they are delivered or no longer worth delivering (a code past its expiry).
 *
 * Each delivery is `POST <webhookUrl>` with the JSON event and
 * `Kopilka-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret key, "<t>.<body>")>` — the shop checks it
 * with its secret key (and that `t` is recent) before trusting the body.
 */
import { hmacHex } from "../lib/crypto.ts";
import { deleteOutbox, selectDueOutbox, updateOutboxRetry, type OutboxRow } from "./engagement-sql.ts";

/** Retries back off 5 s, 10 s, 20 s … up to 10 minutes apart; after this many failures the event is dropped. */
export const MAX_DELIVERY_ATTEMPTS = 12;
const DELIVERY_TIMEOUT_MS = 10_000;

export function retryDelay(attempts: number): number {
  return Math.min(5_000 * 2 ** attempts, 10 * 60_000);
}

/** The signature header of a body sent at `t` (unix seconds). */
export async function signatureHeader(secretKey: string, t: number, body: string): Promise<string> {
  return `t=${t},v1=${await hmacHex(secretKey, `${t}.${body}`)}`;
}

export interface DeliveryTarget {
  url: string | null;
  secretKey: string | null;
  /** Local development: also print each event (which holds the code) to the log. Never set in production. */
  logEvents: boolean;
}

/** Delivers what is due; failures are rescheduled. Returns how many were delivered. */
export async function deliverDue(sql: SqlStorage, target: DeliveryTarget, now: number): Promise<number> {
  let delivered = 0;
  for (const row of selectDueOutbox(sql, now)) {
    if (row.expires_at <= now) {
      deleteOutbox(sql, row.id);
      continue;
    }
    if (target.logEvents) console.log(`[kopilka webhook] ${row.event} ${row.payload}`);
    if (target.url === null || target.secretKey === null) {
      // Nobody to deliver to: the shop has not configured a webhook (local development logs it above).
      deleteOutbox(sql, row.id);
      continue;
    }
    const error = await send(row, target.url, target.secretKey, now);
    if (error === null) {
      deleteOutbox(sql, row.id);
      delivered++;
    } else if (row.attempts + 1 >= MAX_DELIVERY_ATTEMPTS) {
      console.error(`webhook ${row.event} #${row.id} dropped after ${row.attempts + 1} attempts: ${error}`);
      deleteOutbox(sql, row.id);
    } else {
      updateOutboxRetry(sql, row.id, now + retryDelay(row.attempts), error);
    }
  }
  return delivered;
}

async function send(row: OutboxRow, url: string, secretKey: string, now: number): Promise<string | null> {
  try {
    const t = Math.floor(now / 1000);
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "kopilka-event": row.event,
        "kopilka-delivery": String(row.id),
        "kopilka-signature": await signatureHeader(secretKey, t, row.payload),
      },
      body: row.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
