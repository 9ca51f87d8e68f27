/**
 * The Worker's HTTP app (docs/api.md): middleware (errors, body cap, auth per route), the route modules and the
 * OpenAPI 3.1 document generated from the routes' schemas at `GET /v1/openapi.json`.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { toProblems } from "../../engine/host/validate.ts";
import { HttpError, bodyLimit, errorResponse, invalidRequest, type AppEnv } from "./http.ts";
import { DOCUMENT_PARTS, apiReference, programJsonSchema } from "./document.ts";
import { openApiDocument } from "./openapi.ts";
import { logError, requestLog, wrongRoute } from "./requests.ts";
import { HTTPException } from "hono/http-exception";
import { Refused } from "../lib/refusal.ts";
import { checkoutRoutes } from "./routes/checkout.ts";
import { customerRoutes } from "./routes/customers.ts";
import { eventRoutes } from "./routes/events.ts";
import { programRoutes } from "./routes/program.ts";
import { publicRoutes } from "./public/routes.ts";
import { keyRoutes } from "./routes/keys.ts";
import { shopRoutes } from "./routes/shops.ts";
import { webhookRoutes } from "./routes/webhooks.ts";

const healthRoute = createRoute({
  method: "get",
  operationId: "getHealth",
  path: "/v1/health",
  summary: "Liveness",
  description: "For load balancers and the benchmarks' baseline: never touches storage.",
  tags: ["Health"],
  security: [],
  responses: {
    200: { description: "Alive", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } },
  },
});

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

  app.onError((error, c) => {
    if (error instanceof HttpError && error.status >= 500) logError(c, error.message, error.cause);
    else if (!(error instanceof Refused) && !(error instanceof HTTPException) && error.name !== "ZodError") logError(c, "unhandled error", error);
    return errorResponse(error);
  });
  app.notFound((c) => errorResponse(wrongRoute(app, c.req.method, new URL(c.req.url).pathname)));

  app.use("*", requestLog);
  app.use("*", async (c, next) => {
    await next();
    if (!c.res.headers.has("cache-control")) c.res.headers.set("cache-control", "no-store");
  });
  app.use("*", bodyLimit());
  extensions.before?.(app);

  app.openapi(healthRoute, (c) => c.json({ ok: true as const }, 200));
  shopRoutes(app);
  keyRoutes(app);
  programRoutes(app);
  checkoutRoutes(app);
  customerRoutes(app);
  eventRoutes(app);
  webhookRoutes(app);
  publicRoutes(app);
  extensions.after?.(app);

  let document: unknown;
  app.get("/v1/openapi.json", (c) => {
    document ??= openApiDocument(app, DOCUMENT_PARTS);
    return c.json(document);
  });
  app.get("/v1/program.schema.json", (c) => c.json(programJsonSchema()));
  apiReference(app);

  return app;
}
