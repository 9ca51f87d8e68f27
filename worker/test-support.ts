/**
 * Builders for the Worker's tests: requests through the Worker's own fetch handler, as a client sends them,
 * and a fresh shop per test (so tests never share state).
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { checkConformance } from "./test-conformance.ts";

export const PLATFORM_TOKEN = "dev-platform-token";

/** Sends a request through the Worker's fetch handler; the answer is checked against the OpenAPI document. */
export async function call(path: string, init?: RequestInit): Promise<Response> {
  const request = new Request(`http://kopilka.test${path}`, init);
  const response = await exports.default.fetch(request);
  await checkConformance(request.method, request.url, response);
  return response;
}

/** A JSON request with an optional bearer token and extra headers. */
export function send(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  }
  return call(path, { method, headers, body });
}

export interface TestShop {
  shopId: string;
  secretKey: string;
  publishableKey: string;
}

/** Creates a shop through `POST /v1/shops`. */
export async function createShop(body: unknown = { name: "Test shop", origins: ["https://shop.example"] }): Promise<TestShop> {
  const response = await send("POST", "/v1/shops", { token: PLATFORM_TOKEN, body });
  expect(response.status).toBe(201);
  return (await response.json()) as TestShop;
}

/** The smallest valid program, with overrides. */
export function program(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    currency: "RUB",
    timezone: "Europe/Moscow",
    points: { value: 100 },
    earn: { rateBps: 1000 },
    redeem: { maxShareBps: 3000 },
    ...overrides,
  };
}

/** The body of an error answer, checked to have exactly docs/api.md's shape. */
export async function errorOf(response: Response): Promise<{ code: string; message: string; path?: string; problems?: unknown }> {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string; path?: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message).not.toMatch(/\n\s+at /); // never a stack trace
  return body.error;
}

/** What the fake webhook receiver (vitest.config.ts) got at `https://hooks.test<box>`, oldest first. */
export async function webhooksOf(box: string): Promise<{ headers: Record<string, string>; body: string }[]> {
  const response = await fetch(`https://hooks.test${box}`);
  return (await response.json()) as { headers: Record<string, string>; body: string }[];
}
