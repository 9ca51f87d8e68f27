/**
 * Dependency-free assertions for the browser tests (Mocha in Chromium through @web/test-runner brings no
 * `expect`): the engine host's (engine/host/engine.browser.test.ts) and the widget's (widget/test/helpers.ts).
 */

export function fail(message: string): never {
  throw new Error(message);
}

export function ok(value: unknown, message: string): asserts value {
  if (!value) fail(message);
}

/** Strict deep equality of JSON-like values; the message names the first differing path. */
export function deepEqual(actual: unknown, expected: unknown, path = "$"): void {
  if (Object.is(actual, expected)) return;
  const show = (v: unknown) => JSON.stringify(v);
  if (typeof actual !== "object" || typeof expected !== "object" || actual === null || expected === null) {
    fail(`${path}: expected ${show(expected)}, got ${show(actual)}`);
  }
  if (Array.isArray(actual) !== Array.isArray(expected)) fail(`${path}: expected ${show(expected)}, got ${show(actual)}`);
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const aKeys = Object.keys(a).sort();
  const eKeys = Object.keys(e).sort();
  if (show(aKeys) !== show(eKeys)) fail(`${path}: expected keys ${show(eKeys)}, got ${show(aKeys)}`);
  for (const key of eKeys) deepEqual(a[key], e[key], Array.isArray(expected) ? `${path}[${key}]` : `${path}.${key}`);
}
