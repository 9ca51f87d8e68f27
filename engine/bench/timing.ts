/** Wall-clock sampling for the benchmark: one timed call per sample, warm-up first, bounded in time. */

export interface Timing {
  samples: number;
  medianMicros: number;
  p99Micros: number;
  meanMicros: number;
}

export interface TimingOptions {
  /** Untimed calls first, so V8 has compiled and optimised the path (ms). */
  warmupMs: number;
  /** Stop sampling after this long (ms)… */
  budgetMs: number;
  /** …or after this many samples. */
  maxSamples: number;
}

/** Times `fn` call by call; `fn` returns something so the work cannot be optimised away. */
export function time(fn: () => unknown, options: TimingOptions): Timing {
  let sink = 0;
  const consume = (value: unknown) => {
    sink += typeof value === "number" ? value : value === undefined ? 0 : 1;
  };

  const warmupEnd = performance.now() + options.warmupMs;
  while (performance.now() < warmupEnd) consume(fn());

  const samples = new Float64Array(options.maxSamples);
  const end = performance.now() + options.budgetMs;
  let count = 0;
  while (count < options.maxSamples && (count < 100 || performance.now() < end)) {
    const start = process.hrtime.bigint();
    consume(fn());
    samples[count++] = Number(process.hrtime.bigint() - start) / 1000;
  }
  if (Number.isNaN(sink)) throw new Error("unreachable: keeps the results alive");

  const sorted = samples.subarray(0, count).sort();
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    samples: count,
    medianMicros: percentile(sorted, 0.5),
    p99Micros: percentile(sorted, 0.99),
    meanMicros: total / count,
  };
}

/** Nearest-rank percentile of ascending samples. */
export function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
