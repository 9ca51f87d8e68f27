/**
 * Kopilka's Worker entry: the Hono app of app.ts, the Wasm engine registered once per isolate, and the
 * Durable Object classes wrangler.toml binds.
 */
import wasm from "../engine/build/release.wasm";
import { useEngineModule } from "../engine/host/index.ts";
import { createApp } from "./http/app.ts";
import { consume } from "./stream/consume.ts";
import { purgeEvents } from "./stream/analytics.ts";

// Wrangler compiles the .wasm at upload (CompiledWasm rule): Workers cannot compile Wasm from bytes at runtime.
useEngineModule(wasm);

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // The event stream's two queues (worker/stream/consume.ts).
  queue: (batch, env) => consume(batch, env),
  // The daily cron (wrangler.toml [triggers]): events past 30 days leave D1.
  scheduled: (_controller, env, ctx) => ctx.waitUntil(purgeEvents(env, Date.now())),
} satisfies ExportedHandler<Env>;

export { Shop } from "./shop/shop.ts";
export { CustomerAccount } from "./account/account.ts";
export { CampaignCounter } from "./counters/counter.ts";
export { RateLimiter } from "./ratelimit/limiter.ts";
