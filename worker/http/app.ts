/**
 * The Worker's HTTP app (docs/api.md): middleware (errors, body cap, auth per route), the route modules and the
 * OpenAPI 3.1 document generated from the routes' schemas at `GET /v1/openapi.json`.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { toProblems } from "../../engine/host/validate.ts";
import { HttpError, bodyLimit, errorResponse, invalidRequest, type AppEnv } from "./http.ts";
import { checkoutRoutes } from "./routes/checkout.ts";
import { customerRoutes } from "./routes/customers.ts";
import { programRoutes } from "./routes/program.ts";
import { publicRoutes } from "./public/routes.ts";
import { keyRoutes } from "./routes/keys.ts";
import { shopRoutes } from "./routes/shops.ts";
import { refusal } from "../lib/refusal.ts";

const healthRoute = createRoute({
  method: "get",
  path: "/v1/health",
  summary: "Liveness",
  description: "For load balancers and the benchmarks' baseline: never touches storage.",
  tags: ["Health"],
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } },
  },
});

const OPENAPI_INFO = {
  openapi: "3.1.0",
  info: {
    title: "Kopilka API",
    version: "1",
    description: "Edge loyalty engine. Every non-2xx answer is `{\"error\": {\"code\", \"message\", \"path\"?}}`.",
  },
} as const;

/** What an entry mounts around the API's own routes (the local entry: the demo shop, worker/demo/local.ts). */
export interface AppExtensions {
  /** Middleware that runs before the routes. */
  before?: (app: OpenAPIHono<AppEnv>) => void;
  /** Routes mounted after the API's own. */
  after?: (app: OpenAPIHono<AppEnv>) => void;
}

/** Builds the app. One per isolate is enough; tests may build their own. */
export function createApp(extensions: AppExtensions = {}): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    // Schema failures of headers, params, query and bodies: 400 invalid_request naming the first field at fault.
    defaultHook: (result) => {
      if (!result.success) throw invalidRequest(toProblems(result.error.issues));
    },
  });

  app.onError((error) => {
    if (error instanceof HttpError && error.status >= 500) console.error(error.message, error.cause ?? "");
    return errorResponse(error);
  });
  app.notFound((c) => errorResponse(refusal("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`)));

  app.use("*", async (c, next) => {
    await next();
    c.res.headers.set("cache-control", "no-store");
  });
  app.use("*", bodyLimit());
  extensions.before?.(app);

  app.openapi(healthRoute, (c) => c.json({ ok: true as const }, 200));
  shopRoutes(app);
  keyRoutes(app);
  programRoutes(app);
  checkoutRoutes(app);
  customerRoutes(app);
  publicRoutes(app);
  extensions.after?.(app);

  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "secretKey", {
    type: "http",
    scheme: "bearer",
    description: "The shop's secret key `sk_…` (server-to-server; never in a browser)",
  });
  registry.registerComponent("securitySchemes", "platformToken", {
    type: "http",
    scheme: "bearer",
    description: "The deployment's PLATFORM_TOKEN (creating shops)",
  });
  registry.registerComponent("securitySchemes", "publishableKey", {
    type: "apiKey",
    in: "header",
    name: "X-Publishable-Key",
    description: "The shop's publishable key `pk_…` (storefront widget)",
  });
  registry.registerComponent("securitySchemes", "customerToken", {
    type: "http",
    scheme: "bearer",
    description: "A customer token: `base64url({\"sub\": customerId, \"exp\": unixSeconds}).base64url(HMAC-SHA256(secret key, first part))`, " +
      "signed by the shop's backend or issued by POST /v1/public/register",
  });

  let document: unknown;
  app.get("/v1/openapi.json", (c) => {
    document ??= app.getOpenAPI31Document(OPENAPI_INFO);
    return c.json(document);
  });

  return app;
}
