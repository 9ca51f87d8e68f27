/**
 * An open-loop load generator for the paced scenarios: requests are sent on a fixed schedule (`rate` per second,
 * evenly spaced) whatever the answers do, over a pool of keep-alive connections. autocannon's own rate option fills
 * a per-second quota as fast as it can and then waits for the next second, so its latencies are those of bursts at
 * saturation; here each request's latency runs from the instant it was due to be sent to the last byte of its answer,
 * so a request that waited for a free connection or behind a slow generator counts that wait (no coordinated
 * omission).
 */
import { Agent, request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";

export interface PacedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface PacedResult {
  /** Milliseconds, one per answered request, sorted. */
  latencies: number[];
  /**
   * Milliseconds between the instant each request was due and the instant this process sent it, sorted: large
   * values would mean the generator, not the server, fell behind.
   */
  lateness: number[];
  /** 2xx answers. */
  ok: number;
  /** Answers outside 200–299, by status, and the first such body. */
  failures: Record<string, number>;
  firstFailure?: string;
  /** Connection errors and requests without an answer within the timeout. */
  errors: number;
  sent: number;
  seconds: number;
}

/** The `q` quantile (0…1) of sorted values; 0 for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function paced(
  base: string,
  options: { rate: number; seconds: number; connections: number; timeoutSeconds?: number },
  next: () => PacedRequest,
): Promise<PacedResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  const lateness: number[] = [];
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  let ok = 0;
  let errors = 0;
  let sent = 0;
  let outstanding = 0;
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const start = performance.now();

  const send = (due: number) => {
    lateness.push(performance.now() - due);
    const r = next();
    outstanding++;
    const req = httpRequest({
      agent, host: url.hostname, port: url.port, method: r.method, path: r.path,
      headers: r.body === undefined ? r.headers : { ...r.headers, "content-length": Buffer.byteLength(r.body) },
      timeout: (options.timeoutSeconds ?? 10) * 1000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        outstanding--;
        latencies.push(performance.now() - due);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status <= 299) ok++;
        else {
          failures[status] = (failures[status] ?? 0) + 1;
          firstFailure ??= `${status} ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`;
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => {
      outstanding--;
      errors++;
    });
    req.end(r.body);
  };

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      // Every request due by now, each stamped with the instant it was due.
      while (sent < total && start + sent * interval <= now) send(start + interval * sent++);
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const deadline = performance.now() + (options.timeoutSeconds ?? 10) * 1000;
  while (outstanding > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  errors += outstanding;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  return { latencies, lateness, ok, failures, firstFailure, errors, sent, seconds: (performance.now() - start) / 1000 };
}
