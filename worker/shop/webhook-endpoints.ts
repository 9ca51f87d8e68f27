/**
 * A shop's webhook endpoints inside its Shop object (docs/events.md "Webhooks"): at most `MAX_ENDPOINTS` of them,
 * each with the event types it takes and a signing secret that arrives sealed (flows/webhooks.ts makes and seals
 * it; the object never sees it in the clear). The deliverer (stream/webhooks.ts) reads the enabled endpoints and
 * reports back how deliveries went: a failure, a success after failures, or 3 days of failures, which disables the
 * endpoint with its reason.
 */
import { refusal, type Result } from "../lib/refusal.ts";
import { openSealedEndpointSecret, sealEndpointSecret, type SealSecrets } from "../lib/tokens.ts";
import {
  countEndpoints, deleteEndpoint, insertEndpoint, selectEndpoint, selectEndpoints, updateEndpointDisabled, updateEndpointEnabled,
  resealEndpointSecret, updateEndpointFailure, updateEndpointFields, updateEndpointSecret, updateEndpointSuccess, type EndpointRow,
} from "./webhook-endpoints-sql.ts";

/** A shop has at most this many endpoints. */
export const MAX_ENDPOINTS = 16;

/** An endpoint as the API shows it (instants in ms; the secret never). */
export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  status: "enabled" | "disabled";
  disabledReason: string | null;
  disabledAt: number | null;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
  createdAt: number;
}

/** What the deliverer needs of an enabled endpoint. */
export interface EndpointTarget {
  id: string;
  url: string;
  events: string[];
  secretSealed: string;
  /** The last delivery failed (its next success is reported to the object; other successes are not). */
  failing: boolean;
}

export interface NewEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  secretSealed: string;
  now: number;
}

export interface EndpointPatch {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

function view(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    lastSuccessAt: row.last_success_at,
    lastFailureAt: row.last_failure_at,
    lastError: row.last_error,
    createdAt: row.created_at,
  };
}

const noSuchEndpoint = () => refusal("not_found", "No such webhook endpoint").refusal;

export function createEndpoint(storage: DurableObjectStorage, endpoint: NewEndpoint): Result<EndpointView> {
  const sql = storage.sql;
  return storage.transactionSync(() => {
    const existing = selectEndpoint(sql, endpoint.id);
    // The demo seed creates its endpoint under a fixed id: a second seed finds it there.
    if (existing !== undefined) return { ok: true, value: view(existing) };
    if (countEndpoints(sql) >= MAX_ENDPOINTS) {
      return { ok: false, error: refusal("invalid_state", `A shop has at most ${MAX_ENDPOINTS} webhook endpoints; delete one first`).refusal };
    }
    insertEndpoint(sql, {
      id: endpoint.id, url: endpoint.url, events: JSON.stringify(endpoint.events), description: endpoint.description,
      secretSealed: endpoint.secretSealed, createdAt: endpoint.now,
    });
    return { ok: true, value: view(selectEndpoint(sql, endpoint.id)!) };
  });
}

export function listEndpoints(sql: SqlStorage): EndpointView[] {
  return selectEndpoints(sql).map(view);
}

export function getEndpoint(sql: SqlStorage, id: string): Result<EndpointView> {
  const row = selectEndpoint(sql, id);
  return row === undefined ? { ok: false, error: noSuchEndpoint() } : { ok: true, value: view(row) };
}

/** Changes what is given; `enabled: true` re-enables a disabled endpoint and clears its reason. */
export function updateEndpoint(storage: DurableObjectStorage, id: string, patch: EndpointPatch, now: number): Result<EndpointView> {
  const sql = storage.sql;
  return storage.transactionSync(() => {
    const row = selectEndpoint(sql, id);
    if (row === undefined) return { ok: false, error: noSuchEndpoint() };
    updateEndpointFields(sql, id, { url: patch.url, events: patch.events && JSON.stringify(patch.events), description: patch.description });
    if (patch.enabled === true && row.status === "disabled") updateEndpointEnabled(sql, id);
    if (patch.enabled === false && row.status === "enabled") updateEndpointDisabled(sql, id, "disabled by the shop", now);
    return { ok: true, value: view(selectEndpoint(sql, id)!) };
  });
}

export function removeEndpoint(sql: SqlStorage, id: string): Result<{ deleted: true }> {
  return deleteEndpoint(sql, id) ? { ok: true, value: { deleted: true } } : { ok: false, error: noSuchEndpoint() };
}

export function replaceEndpointSecret(sql: SqlStorage, id: string, secretSealed: string): Result<EndpointView> {
  if (selectEndpoint(sql, id) === undefined) return { ok: false, error: noSuchEndpoint() };
  updateEndpointSecret(sql, id, secretSealed);
  return { ok: true, value: view(selectEndpoint(sql, id)!) };
}

/** The enabled endpoints, as the deliverer needs them. */
export function endpointTargets(sql: SqlStorage): EndpointTarget[] {
  return selectEndpoints(sql)
    .filter((row) => row.status === "enabled")
    .map((row) => ({
      id: row.id,
      url: row.url,
      events: JSON.parse(row.events) as string[],
      secretSealed: row.secret_sealed,
      failing: row.last_failure_at !== null && (row.last_success_at ?? -Infinity) < row.last_failure_at,
    }));
}

/** How one delivery went, as the deliverer reports it. */
export type DeliveryOutcome =
  | { kind: "success"; at: number }
  | { kind: "failure"; at: number; error: string }
  | { kind: "gave_up"; at: number; error: string; reason: string };

/** Records a delivery's outcome; giving up disables the endpoint with `reason`. Nothing for an endpoint that is gone. */
export function recordDelivery(storage: DurableObjectStorage, id: string, outcome: DeliveryOutcome): void {
  const sql = storage.sql;
  storage.transactionSync(() => {
    const row = selectEndpoint(sql, id);
    if (row === undefined) return;
    if (outcome.kind === "success") {
      updateEndpointSuccess(sql, id, outcome.at);
      return;
    }
    updateEndpointFailure(sql, id, outcome.at, outcome.error);
    if (outcome.kind === "gave_up" && row.status === "enabled") updateEndpointDisabled(sql, id, outcome.reason, outcome.at);
  });
}

/**
 * Re-seals under the current KEY_SEAL_SECRET the endpoint secrets only KEY_SEAL_SECRET_PREVIOUS opens
 * (docs/key-rotation.md), with the shop's sealed keys; how many. One that neither opens is left and logged.
 */
export async function resealEndpointSecrets(sql: SqlStorage, shopId: string, secrets: SealSecrets): Promise<number> {
  let resealed = 0;
  for (const row of selectEndpoints(sql)) {
    try {
      const opened = await openSealedEndpointSecret(secrets, shopId, row.id, row.secret_sealed);
      if (!opened.stale) continue;
      const after = await sealEndpointSecret(secrets.current, shopId, row.id, opened.secretKey);
      if (resealEndpointSecret(sql, row.id, row.secret_sealed, after)) resealed++;
    } catch {
      console.error(`Shop ${shopId}: the signing secret of ${row.id} opens with neither KEY_SEAL_SECRET nor KEY_SEAL_SECRET_PREVIOUS`);
    }
  }
  if (resealed > 0) console.log(`Shop ${shopId}: ${resealed} webhook signing secret(s) re-sealed under the current KEY_SEAL_SECRET`);
  return resealed;
}
