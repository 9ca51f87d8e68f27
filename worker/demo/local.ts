/**
 * The local entry (`npm start`, the tests, the benchmarks): the production Worker of worker/index.ts with the
 * demo shop mounted — its seeding on the first `/v1/*` request, the demo storefront's checkout backend under
 * `/demo/api/*` and the demo webhook receiver at `/demo/webhooks`. Both do nothing unless .dev.vars names the demo shop. `wrangler deploy` ships worker/index.ts,
 * which never imports this folder.
 */
import { createApp } from "../http/app.ts";
import { demoShop } from "./seed.ts";
import { demoShopBackend } from "./shop-backend.ts";
import { demoReceiver } from "./receiver.ts";
import production from "../index.ts"; // also registers the engine module once per isolate

const app = createApp({
  before: (app) => app.use("/v1/*", demoShop),
  after: (app) => {
    demoShopBackend(app);
    demoReceiver(app);
  },
});

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  queue: production.queue,
  scheduled: production.scheduled,
} satisfies ExportedHandler<Env>;

export { Shop, CustomerAccount, CampaignCounter, RateLimiter } from "../index.ts";
