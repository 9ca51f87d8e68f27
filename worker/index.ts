/**
 * Kopilka's Worker entry: routes each request to its handler and renders every error in one place.
 * Later issues add one route module per resource (program, checkout/orders, customers, public, shops).
 */
import wasm from "../engine/build/release.wasm";
import { useEngineModule } from "../engine/host/index.ts";
import { HttpError, errorResponse, json } from "./http.ts";

// Wrangler compiles the .wasm at upload (CompiledWasm rule): Workers cannot compile Wasm from bytes at runtime.
useEngineModule(wasm);

type Handler = (request: Request, env: Env, ctx: ExecutionContext) => Response | Promise<Response>;

/** `METHOD /path` → handler. */
const routes: Record<string, Handler> = {
  /** Liveness for load balancers and the benchmarks' baseline: never touches storage. */
  "GET /v1/health": () => json({ ok: true }),
};

async function fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const { pathname } = new URL(request.url);
  try {
    const handler = routes[`${request.method} ${pathname}`];
    if (!handler) throw new HttpError(404, "not_found", `No route for ${request.method} ${pathname}`);
    return await handler(request, env, ctx);
  } catch (error) {
    return errorResponse(error);
  }
}

export default { fetch } satisfies ExportedHandler<Env>;
