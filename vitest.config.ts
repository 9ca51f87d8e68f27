import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";

const received = new Map<string, { headers: Record<string, string>; body: string }[]>();

async function fakeWebhookReceiver(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.hostname !== "hooks.test") return new Response("no network in tests", { status: 502 });
  const box = url.pathname;
  if (request.method === "GET") return Response.json(received.get(box) ?? []);
  if (url.searchParams.get("fail") === "1") return new Response("failing on purpose", { status: 500 });
  // A receiver that redirects (deliveries do not follow), or answers only after `slow` ms (deliveries give up at 10 s).
  if (url.searchParams.get("redirect") === "1") return new Response(null, { status: 302, headers: { location: "https://hooks.test/elsewhere" } });
  const slow = Number(url.searchParams.get("slow") ?? 0);
  if (slow > 0) await new Promise((resolve) => setTimeout(resolve, slow));
  const entries = received.get(box) ?? [];
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  entries.push({ headers, body: await request.text() });
  received.set(box, entries);
  return new Response(null, { status: 204 });
}

/**
 * Two projects: `engine` runs in Node (the Wasm engine, its host and the CLI); `worker` runs inside workerd
 * through @cloudflare/vitest-plugin, with the bindings and module rules of wrangler.toml.
 * Both need the engine built first (`npm run build:engine`), which `npm test` does.
 * `*.browser.test.ts` files run in Chromium through @web/test-runner (web-test-runner.config.mjs), not here.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "engine",
          environment: "node",
          // The benchmarks' own Node-side helpers (tools/bench) are tested here too: they run in Node, not workerd;
          // so is the widget API contract (contract/), which has no runtime but its contact rules, and the widget's
          // npm package (widget/package.test.ts: it packs and type-checks; the widget's other tests are Chromium's).
          include: ["engine/**/*.test.ts", "tools/bench/**/*.test.ts", "contract/**/*.test.ts", "sdk/**/*.test.ts", "widget/package.test.ts"],
          exclude: [...configDefaults.exclude, "**/*.browser.test.ts"],
        },
      },
      {
        plugins: [cloudflareTest({
          wrangler: { configPath: "./wrangler.toml" },
          // The local entry: the production Worker with the demo shop mounted (worker/demo/local.ts).
          main: "./worker/demo/local.ts",
          // Outbound requests of the Worker under test (the shop's webhooks) reach this fake receiver instead of
          // the network: `POST https://hooks.test/<box>` is recorded, `GET https://hooks.test/<box>` answers what
          // that box received (worker/test-support.ts `webhooksOf`); `?fail=1` answers 500, `?redirect=1` 302 and
          // `?slow=<ms>` answers that late. Anything else is refused.
          miniflare: {
            outboundService: fakeWebhookReceiver,
            // The tests play Cloudflare: they send CF-Connecting-IP to test per-IP limits (.dev.vars trusts none).
            // …and a seal secret being rotated: what the previous one sealed still opens, and is re-sealed on reading
            // (worker/shop/reseal.test.ts).
            bindings: { CLIENT_IP_HEADER: "cf-connecting-ip", KEY_SEAL_SECRET_PREVIOUS: "test-only-previous-key-seal-secret",
              // The per-request JSON log line (worker/http/requests.ts) would be thousands of lines here.
              REQUEST_LOG: "off" },
          },
        })],
        test: {
          name: "worker",
          include: ["worker/**/*.test.ts", "tools/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "tools/bench/**"],
          // Flows of dozens of requests through workerd, and webhooks delivered by alarms, take longer on a
          // loaded 2-core machine than vitest's 5 s default; a stuck test still fails.
          testTimeout: 30_000,
          // The ledger simulation (tools/simulation) takes its seed and length from the environment;
          // workerd has no process.env, so they travel as provided values.
          provide: { simSeed: process.env.SIM_SEED ?? "", simOps: process.env.SIM_OPS ?? "", simAccounts: process.env.SIM_ACCOUNTS ?? "", simStale: process.env.SIM_STALE ?? "",
            // The fuzz suites (tools/fuzz): their seed and cases per property.
            fuzzSeed: process.env.FUZZ_SEED ?? "", fuzzRuns: process.env.FUZZ_RUNS ?? "" },
        },
      },
    ],
  },
});
