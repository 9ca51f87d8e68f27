/**
 * The one clock of the Worker and its Durable Objects, in milliseconds since the epoch. Production reads
 * `Date.now()`; tests move time with `setClock` (hold lapses, expiry) and put it back with `resetClock`.
 */
let source: () => number = () => Date.now();

/** Now, in milliseconds since the epoch. */
export function now(): number {
  return source();
}

/** An instant as the API writes it: ISO 8601 in UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Fixes the clock at an instant (or makes it follow a function). For tests. */
export function setClock(at: number | (() => number)): void {
  source = typeof at === "number" ? () => at : at;
}

/** Back to the real clock. */
export function resetClock(): void {
  source = () => Date.now();
}
