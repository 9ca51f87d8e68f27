/**
 * What the components of one page share, per API base and publishable key: one `GET /v1/public/program` for
 * the widget and every preview, the signed-in customer (so previews use their tier), and the customer token the
 * API issued to an anonymous registrant, kept in localStorage so they are recognised on their next visit.
 */
import { KopilkaApi } from "./api.ts";
import type { Me, PublicProgram } from "./types.ts";

/** The script's own origin: where the API is unless the element says otherwise. */
export function defaultApiBase(): string {
  try {
    const url = new URL(import.meta.url);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : location.origin;
  } catch {
    return location.origin;
  }
}

const programs = new Map<string, Promise<PublicProgram>>();

/** The public program, fetched once per page (a failed fetch is forgotten so that a retry asks again). */
export function loadProgram(base: string, publishableKey: string): Promise<PublicProgram> {
  const key = `${base}|${publishableKey}`;
  let pending = programs.get(key);
  if (!pending) {
    pending = new KopilkaApi(base, publishableKey).program();
    programs.set(key, pending);
    pending.catch(() => programs.delete(key));
  }
  return pending;
}

type Listener = (me: Me | null) => void;
const members = new Map<string, Me | null>();
const listeners = new Map<string, Set<Listener>>();

/** The widget tells previews who is signed in (null: nobody), so a preview can use the customer's tier. */
export function publishMember(publishableKey: string, me: Me | null): void {
  members.set(publishableKey, me);
  for (const listener of listeners.get(publishableKey) ?? []) listener(me);
}

/** Calls `listener` now and on every change; returns the unsubscribe function. */
export function subscribeMember(publishableKey: string, listener: Listener): () => void {
  let set = listeners.get(publishableKey);
  if (!set) listeners.set(publishableKey, (set = new Set()));
  set.add(listener);
  listener(members.get(publishableKey) ?? null);
  return () => set.delete(listener);
}

export interface StoredToken {
  token: string;
  expiresAt: string | null;
}

const memory = new Map<string, string>();

function storageKey(publishableKey: string): string {
  return `kopilka:token:${publishableKey}`;
}

/** localStorage when the page may use it (it may not: sandboxed frames, privacy modes), else this page's memory. */
function storage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> {
  try {
    const probe = "kopilka:probe";
    localStorage.setItem(probe, "1");
    localStorage.removeItem(probe);
    return localStorage;
  } catch {
    return {
      getItem: (k) => memory.get(k) ?? null,
      setItem: (k, v) => void memory.set(k, v),
      removeItem: (k) => void memory.delete(k),
    };
  }
}

export function readToken(publishableKey: string): StoredToken | null {
  try {
    const raw = storage().getItem(storageKey(publishableKey));
    if (!raw) return null;
    const stored = JSON.parse(raw) as Partial<StoredToken>;
    if (typeof stored.token !== "string" || !stored.token) return null;
    const expiresAt = typeof stored.expiresAt === "string" ? stored.expiresAt : null;
    if (expiresAt && Date.parse(expiresAt) <= Date.now()) {
      forgetToken(publishableKey);
      return null;
    }
    return { token: stored.token, expiresAt };
  } catch {
    return null;
  }
}

export function saveToken(publishableKey: string, token: StoredToken): void {
  try {
    storage().setItem(storageKey(publishableKey), JSON.stringify(token));
  } catch {
    // Full or refused storage: the customer stays signed in for this page only.
  }
}

export function forgetToken(publishableKey: string): void {
  try {
    storage().removeItem(storageKey(publishableKey));
  } catch {
    // nothing stored
  }
}
