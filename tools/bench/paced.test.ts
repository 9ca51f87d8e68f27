import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { paced, quantile } from "./paced.ts";

let server: Server;
let base: string;
const arrivals: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    arrivals.push(performance.now());
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const delay = req.url === "/slow" ? 30 : 0;
      setTimeout(() => {
        res.writeHead(req.url === "/fail" ? 503 : 200, { "content-type": "text/plain" });
        res.end(req.url === "/fail" ? "down for a bit" : `got ${body.length}`);
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("the open-loop load generator of the paced scenarios", () => {
  it("sends rate × seconds requests on an even schedule and counts every answer", async () => {
    arrivals.length = 0;
    const run = await paced(base, { rate: 200, seconds: 1, connections: 8 }, () => ({ method: "POST", path: "/", headers: {}, body: "x".repeat(100) }));
    expect(run.sent).toBe(200);
    expect(run.ok).toBe(200);
    expect(run.errors).toBe(0);
    expect(run.latencies).toHaveLength(200);
    expect(run.latencies).toEqual([...run.latencies].sort((a, b) => a - b));
    expect(run.lateness).toHaveLength(200);
    expect(run.lateness.every((ms) => ms >= 0)).toBe(true);
    // Evenly spread over the second, not sent in a burst: the first half arrived in the first ~half second.
    const span = arrivals.at(-1)! - arrivals[0]!;
    expect(span).toBeGreaterThan(800);
    expect(arrivals[100]! - arrivals[0]!).toBeGreaterThan(250);
  });

  it("times a request from when it was due, so answers slower than the schedule show as queueing", async () => {
    // One connection, answers taking 30 ms, 100 requests/s due: each waits for the ones before it.
    const run = await paced(base, { rate: 100, seconds: 0.3, connections: 1 }, () => ({ method: "GET", path: "/slow", headers: {} }));
    expect(run.ok).toBe(30);
    expect(quantile(run.latencies, 0)).toBeGreaterThanOrEqual(29);
    expect(quantile(run.latencies, 1)).toBeGreaterThan(30 * 30 - 300 - 50); // the last waited for 29 others, less its own lateness
  });

  it("counts non-2xx answers by status, with the first body", async () => {
    const run = await paced(base, { rate: 100, seconds: 0.2, connections: 4 }, () => ({ method: "GET", path: "/fail", headers: {} }));
    expect(run.ok).toBe(0);
    expect(run.failures).toEqual({ 503: 20 });
    expect(run.firstFailure).toBe("503 down for a bit");
  });

  it("quantile: the nearest-rank value", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([], 0.5)).toBe(0);
  });
});
