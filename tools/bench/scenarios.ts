/**
 * The API benchmark's scenarios, each one autocannon run from this Node process against the local Worker:
 * bounded in time, a fixed number of connections, keep-alive, no pipelining.
 */
import autocannon from "autocannon";
import type { BenchShop } from "./seed.ts";
import { cartFor } from "./seed.ts";
import { paced, quantile, type PacedRequest, type PacedResult } from "./paced.ts";

export interface ScenarioOptions {
  durationSeconds: number;
  connections: number;
  /** The no-op's requests/s measured on this Worker in this run (paced scenarios offer a share of it). */
  noopPerSecond?: number;
}

export interface Measured {
  name: string;
  /** What one unit is: a request, or a confirmed order (two requests). */
  unit: "request" | "confirmed order";
  /** Units per second. */
  perSecond: number;
  /** HTTP requests per second (both requests of an order + confirm). */
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  requests: number;
  /** Connection errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Status code → count for every non-2xx answer, and the first such body. */
  failures: Record<string, number>;
  firstFailure?: string;
  seconds: number;
  /** Paced scenarios: the p99 of how late the generator sent requests after their due instant, in ms. */
  sendLatenessP99?: number;
}

export interface Scenario {
  name: string;
  /** Filled in when the route does not exist yet: the table says so instead of measuring a 404. */
  notBuilt?: string;
  run?: (shop: BenchShop, options: ScenarioOptions) => Promise<Measured>;
}

type Request = autocannon.Request;

/** Runs autocannon and keeps what the report needs. `units` counts the scenario's own unit (default: 2xx requests). */
async function load(
  name: string, shop: BenchShop, options: ScenarioOptions, requests: Request[], unit: Measured["unit"] = "request",
  units?: () => number,
): Promise<Measured> {
  const failures: Record<string, number> = {};
  let firstFailure: string | undefined;
  const watched = requests.map((request) => ({
    ...request,
    onResponse: (status: number, body: string, context: Record<string, unknown>) => {
      if (status < 200 || status > 299) {
        failures[status] = (failures[status] ?? 0) + 1;
        firstFailure ??= `${status} ${body.slice(0, 300)}`;
      }
      (request.onResponse as ((s: number, b: string, c: Record<string, unknown>) => void) | undefined)?.(status, body, context);
    },
  }));
  const result = await autocannon({
    url: shop.base,
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
    timeout: 10,
    headers: { authorization: `Bearer ${shop.secretKey}`, "content-type": "application/json" },
    requests: watched as Request[],
  });
  const seconds = result.duration;
  const done = units ? units() : result["2xx"];
  return {
    name,
    unit,
    perSecond: done / seconds,
    requestsPerSecond: (result["2xx"] + result.non2xx) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    failures,
    firstFailure,
    seconds,
  };
}

const noopRequests: Request[] = [{ method: "GET", path: "/v1/health" }];

function fromPaced(name: string, run: PacedResult): Measured {
  const failed = Object.values(run.failures).reduce((a, n) => a + n, 0);
  return {
    name,
    unit: "request",
    perSecond: run.ok / run.seconds,
    requestsPerSecond: (run.ok + failed) / run.seconds,
    p50: quantile(run.latencies, 0.5),
    p99: quantile(run.latencies, 0.99),
    max: run.latencies.at(-1) ?? 0,
    requests: run.sent,
    errors: run.errors,
    non2xx: failed,
    failures: run.failures,
    firstFailure: run.firstFailure,
    seconds: run.seconds,
    sendLatenessP99: quantile(run.lateness, 0.99),
  };
}

/**
 * Requests offered on a fixed schedule at `pace` × the no-op's requests/s (measured on this Worker in this run, or
 * for 3 s here when the caller has not), whatever the answers do (paced.ts): the latency at a given load rather
 * than at saturation, where it is only queueing.
 */
function pacedScenario(name: string, pace: number, requestsFor: (shop: BenchShop) => () => PacedRequest): Scenario {
  const fullName = `${name}, paced at ${Math.round(pace * 100)}% of the no-op`;
  return {
    name: fullName,
    run: async (shop, options) => {
      const noop = options.noopPerSecond ?? (await load("no-op", shop, { ...options, durationSeconds: 3 }, noopRequests)).requestsPerSecond;
      // Enough connections that a request never waits for a free one at these rates (it would count if it did).
      const run = await paced(shop.base, { rate: Math.round(pace * noop), seconds: options.durationSeconds, connections: 64 }, requestsFor(shop));
      return fromPaced(fullName, run);
    },
  };
}

function quoteRequests(lines: number) {
  return (shop: BenchShop) => {
    const bodies = shop.customers.map((id) => JSON.stringify(cartFor(lines, id, true)));
    const headers = { authorization: `Bearer ${shop.secretKey}`, "content-type": "application/json" };
    let n = 0;
    return (): PacedRequest => ({ method: "POST", path: "/v1/checkout/quote", headers, body: bodies[n++ % bodies.length]! });
  };
}

/** A quote scenario as fast as the connections go; `connections`: that many instead of the run's. */
function quoteScenario(lines: number, connections?: number): Scenario {
  const name = `POST /v1/checkout/quote, ${lines}-line cart${connections ? `, ${connections} connection${connections > 1 ? "s" : ""}` : ""}`;
  return {
    name,
    run: (shop, given) => {
      const options = connections ? { ...given, connections } : given;
      // One body per customer, prepared once: the load generator must not be the bottleneck.
      const bodies = shop.customers.map((id) => JSON.stringify(cartFor(lines, id, true)));
      let next = 0;
      return load(name, shop, options, [{
        method: "POST",
        path: "/v1/checkout/quote",
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length]! }),
      }]);
    },
  };
}

interface OrderContext {
  n: number;
  orderId: string;
}

/**
 * POST /v1/orders then POST /v1/orders/{id}/confirm, every order with its own id, for customers drawn by
 * `customerOf`. One unit is an order that was confirmed (200). `withQuote`: a checkout's whole flow, the cart
 * quoted (POST /v1/checkout/quote) just before it is ordered.
 */
function orderScenario(name: string, customersOf: (shop: BenchShop) => string[], connections?: number, withQuote = false): Scenario {
  return {
    name,
    run: (shop, given) => {
      const options = connections ? { ...given, connections } : given;
      const customers = customersOf(shop);
      const bodies = customers.map((id) => JSON.stringify(cartFor(10, id, false)).slice(0, -1));
      const run = `${Date.now().toString(36)}`;
      let next = 0;
      let confirmed = 0;
      const start = (context: OrderContext) => {
        context.n = next++;
        context.orderId = `o-${run}-${context.n}`;
      };
      const quote: Request = {
        method: "POST",
        path: "/v1/checkout/quote",
        setupRequest: (request, context) => {
          start(context as OrderContext);
          return { ...request, body: `${bodies[(context as OrderContext).n % bodies.length]!}}` };
        },
      };
      return load(name, shop, options, [
        ...(withQuote ? [quote] : []),
        {
          method: "POST",
          path: "/v1/orders",
          setupRequest: (request, context) => {
            const c = context as OrderContext;
            if (!withQuote) start(c);
            return { ...request, body: `${bodies[c.n % bodies.length]!},"orderId":"${c.orderId}"}` };
          },
        },
        {
          method: "POST",
          setupRequest: (request, context) => ({ ...request, path: `/v1/orders/${(context as OrderContext).orderId}/confirm`, body: undefined }),
          onResponse: (status) => {
            if (status === 200) confirmed++;
          },
        },
      ], "confirmed order", () => confirmed);
    },
  };
}

export const SCENARIOS: Scenario[] = [
  {
    name: "GET /v1/health (no-op)",
    run: (shop, options) => load("GET /v1/health (no-op)", shop, options, noopRequests),
  },
  quoteScenario(10),
  // The latency target's load: quotes offered at 70% of the no-op's rate; the no-op itself at that rate, for
  // the runtime's own latency there; and quotes at a quarter of it.
  pacedScenario("POST /v1/checkout/quote, 10-line cart", 0.7, quoteRequests(10)),
  pacedScenario("GET /v1/health (no-op)", 0.7, () => () => ({ method: "GET", path: "/v1/health", headers: {} })),
  pacedScenario("POST /v1/checkout/quote, 10-line cart", 0.25, quoteRequests(10)),
  quoteScenario(200),
  // Unloaded: one request at a time, so latency is service time, not queueing behind the other connections.
  quoteScenario(10, 1),
  orderScenario("order + confirm, 200 customers", (shop) => shop.customers),
  orderScenario("order + confirm, one hot customer", (shop) => [shop.hotCustomer]),
  // Unloaded, as for quotes: the latency of placing and confirming when nothing queues.
  orderScenario("order + confirm, 200 customers, 1 connection", (shop) => shop.customers, 1),
  // A checkout's whole flow: the cart quoted, then ordered and confirmed (the order reads what the quote read).
  orderScenario("checkout: quote + order + confirm, 200 customers", (shop) => shop.customers, undefined, true),
  {
    name: "GET /v1/public/me, 200 customers",
    run: (shop, options) => {
      // The widget's own account read: publishable key + a customer token, spread over the customers.
      let next = 0;
      return load("GET /v1/public/me, 200 customers", shop, options, [{
        method: "GET",
        path: "/v1/public/me",
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, "x-publishable-key": shop.publishableKey, authorization: `Bearer ${shop.tokens[next++ % shop.tokens.length]!}` },
        }),
      }]);
    },
  },
];
