/**
 * The OpenAPI 3.1 document (`GET /v1/openapi.json`, docs/openapi.json), written from the routes' own zod schemas by
 * zod's JSON Schema output: the schemas that validate a request are the ones documented, nulls and bounds included.
 * Requests are documented as zod reads them (`io: "input"`: a field with a default is optional), answers as they are
 * written (`io: "output"`). A schema with a `meta({ id })` becomes a component; when its input and output forms
 * differ, the input form is `<id>Input`.
 *
 * Error answers are documented per route by their codes (`errorResponses`): each status lists exactly the codes
 * it can carry. The edge's own refusals are added to every operation they apply to, so no route can forget them:
 * 401 where a key is required, 403 on the widget routes, 400 and 413 where there is a body, 405 and 500 everywhere.
 */
import { z } from "@hono/zod-openapi";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { REFUSAL_CODES, type RefusalCode } from "../lib/refusal.ts";
import { STATUS_OF, type AppEnv } from "./http.ts";

/** What a refusal code means on any route; a route adds its own reason where the code needs one. */
export const CODE_MEANINGS: Record<RefusalCode, string> = {
  invalid_request: "malformed JSON, or a field that fails its schema (`path` names it)",
  unauthorized: "missing, malformed, wrong or expired key or token",
  forbidden: "the request's Origin is not one of the shop's storefront origins",
  not_found: "no such resource in this shop",
  method_not_allowed: "the path exists, the method does not (`Allow` lists the methods)",
  conflict: "the request conflicts with the resource's state",
  idempotency_conflict: "the Idempotency-Key was used with a different request, or its first request is still running",
  duplicate_contact: "the phone or e-mail belongs to another customer (`path` names it)",
  payload_too_large: "the body exceeds 1 MiB",
  insufficient_points: "the customer has fewer spendable points than asked",
  hold_expired: "the order's hold lapsed and what it held is no longer available",
  invalid_state: "the resource is not in a state that allows this",
  program_invalid: "the program has problems (`problems` lists every one)",
  rate_limited: "too many requests (`Retry-After` says how many seconds to wait)",
  internal: "a bug on our side; the answer carries no detail (the log has it, under the request id)",
};

const problemSchema = z.object({ path: z.string(), message: z.string() });

/** The `error` object of every non-2xx answer; `code` narrows per response. */
function errorBody(codes: readonly RefusalCode[]) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [RefusalCode, ...RefusalCode[]]),
      message: z.string().meta({ description: "for the developer reading the answer; shopper-readable on widget routes" }),
      path: z.string().optional().meta({ examples: ["lines[2].price"], description: "the field at fault, if any" }),
      problems: z.array(problemSchema).optional().meta({ description: "program_invalid, and invalid_request of a whole document: every problem found" }),
      evaluation: z.record(z.string(), z.unknown()).optional().meta({ description: "409 conflict of a stale quote: the fresh evaluation (an Evaluation)" }),
      retryAfterSeconds: z.int().min(0).optional().meta({ description: "rate_limited: how long to wait (also the Retry-After header)" }),
      attemptsLeft: z.int().min(0).optional().meta({ description: "a wrong verification code: the tries left" }),
    }),
  });
}

/** The error schema with every code, for code that renders errors outside a route (docs, tests). */
export const errorSchema = errorBody(REFUSAL_CODES).meta({ id: "Error" });

/** A route's error answer: the codes it can carry, with why on this route where the generic meaning is not enough. */
interface ErrorResponseConfig {
  description: string;
  codes: RefusalCode[];
  /** Why a code is answered on this route, where its generic meaning is not enough. */
  reasons: Partial<Record<RefusalCode, string>>;
  content: { "application/json": { schema: z.ZodType } };
}

type CodeEntry = RefusalCode | readonly [RefusalCode, string];

/**
 * The error answers of a route for `createRoute({ responses })`, by code: `errorResponses("not_found",
 * ["invalid_state", "the order is cancelled"])`. Codes of one status share its response, which lists them all.
 * The edge's own codes (unauthorized, forbidden, invalid_request, payload_too_large, method_not_allowed, internal)
 * are added by the document where they apply; list them here only with a reason of the route's own.
 */
export function errorResponses(...entries: CodeEntry[]): Record<number, ErrorResponseConfig> {
  const byStatus = new Map<number, Map<RefusalCode, string | undefined>>();
  for (const entry of entries) {
    const [code, why] = typeof entry === "string" ? [entry, undefined] : entry;
    const status = STATUS_OF[code];
    const codes = byStatus.get(status) ?? new Map<RefusalCode, string | undefined>();
    codes.set(code, [codes.get(code), why].filter(Boolean).join("; ") || undefined);
    byStatus.set(status, codes);
  }
  const responses: Record<number, ErrorResponseConfig> = {};
  for (const [status, codes] of byStatus) responses[status] = errorResponse(codes);
  return responses;
}

function errorResponse(codes: Map<RefusalCode, string | undefined>): ErrorResponseConfig {
  const list = [...codes.keys()];
  const description = list.map((code) => `\`${code}\`: ${codes.get(code) ?? CODE_MEANINGS[code]}`).join("; ");
  const reasons: Partial<Record<RefusalCode, string>> = {};
  for (const [code, why] of codes) if (why !== undefined) reasons[code] = why;
  return { description, codes: list, reasons, content: { "application/json": { schema: errorBody(list) } } };
}

// ---------------------------------------------------------------------------------------------------------------
// The document

type Io = "input" | "output";
type Json = Record<string, unknown>;

interface RouteDefinition {
  method: string;
  path: string;
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  request?: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    headers?: z.ZodObject;
    body?: { content: Record<string, { schema: z.ZodType; example?: unknown; examples?: Json }>; required?: boolean; description?: string };
  };
  responses: Record<string, { description: string; codes?: RefusalCode[]; reasons?: Partial<Record<RefusalCode, string>>; headers?: Json; content?: Record<string, { schema: z.ZodType; example?: unknown }> }>;
}

/** What the document says beyond the routes: title, servers, security schemes, webhooks. */
export interface DocumentParts {
  info: Json;
  servers: Json[];
  tags?: Json[];
  securitySchemes: Json;
  /** Outgoing requests to the shop (OpenAPI `webhooks`): name → the request's body schema and what it is for. */
  webhooks: Record<string, { summary: string; description: string; schema: z.ZodType; headers: Record<string, string> }>;
}

/** Converts schemas and gathers the components they name. */
class Components {
  private readonly forms = new Map<string, Partial<Record<Io, Json>>>();

  /** The JSON Schema of `schema` as read (`input`) or written (`output`), with named parts as references. */
  convert(schema: z.ZodType, io: Io): Json {
    const json = z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any", reused: "inline" }) as Json;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    for (const [id, def] of Object.entries(defs)) this.add(id, io, def);
    // A schema that is itself named comes back as `{$ref}`: its definition went to $defs above.
    return rewriteRefs(json, io) as Json;
  }

  private add(id: string, io: Io, def: Json): void {
    const form = rewriteRefs(def, io) as Json;
    delete form.id;
    const known = this.forms.get(id) ?? {};
    const previous = known[io];
    if (previous !== undefined && JSON.stringify(previous) !== JSON.stringify(form)) {
      throw new Error(`two different schemas are named ${id}`);
    }
    known[io] = form;
    this.forms.set(id, known);
  }

  /** The components and the final name of each placeholder reference. */
  finish(): { schemas: Record<string, Json>; names: Map<string, string> } {
    const schemas: Record<string, Json> = {};
    const names = new Map<string, string>();
    for (const [id, { input, output }] of [...this.forms].sort(([a], [b]) => a.localeCompare(b))) {
      if (input !== undefined && output !== undefined && JSON.stringify(input) !== JSON.stringify(output)) {
        schemas[id] = output;
        schemas[`${id}Input`] = input;
        names.set(`${id}@output`, id);
        names.set(`${id}@input`, `${id}Input`);
      } else {
        schemas[id] = (output ?? input)!;
        names.set(`${id}@output`, id);
        names.set(`${id}@input`, id);
      }
    }
    return { schemas, names };
  }
}

/** `#/$defs/X` → a placeholder `#/components/schemas/X@io`, resolved once every form of X is known. */
function rewriteRefs(value: unknown, io: Io): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, io));
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = key === "$ref" && typeof item === "string" && item.startsWith("#/$defs/")
      ? `#/components/schemas/${item.slice("#/$defs/".length)}@${io}`
      : rewriteRefs(item, io);
  }
  return out;
}

function resolveRefs(value: unknown, names: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveRefs(item, names));
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "$ref" && typeof item === "string" && item.startsWith("#/components/schemas/")) {
      const placeholder = item.slice("#/components/schemas/".length);
      out[key] = `#/components/schemas/${names.get(placeholder) ?? placeholder}`;
    } else {
      out[key] = resolveRefs(item, names);
    }
  }
  return out;
}

/** Hono's `/v1/orders/:orderId` → OpenAPI's `/v1/orders/{orderId}` (route definitions already use the latter). */
const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");

function parameters(components: Components, place: "path" | "query" | "header", schema: z.ZodObject | undefined): Json[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const converted = components.convert(field as z.ZodType, "input");
    const { description, ...rest } = converted;
    return {
      name,
      in: place,
      required: place === "path" || !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/** The edge's refusals that apply to an operation whatever its route says. */
function edgeCodes(route: RouteDefinition): CodeEntry[] {
  const schemes = new Set((route.security ?? []).flatMap((requirement) => Object.keys(requirement)));
  const codes: CodeEntry[] = ["method_not_allowed", "internal"];
  if (schemes.size > 0) codes.push("unauthorized");
  if (schemes.has("publishableKey")) codes.push("forbidden");
  const hasInput = route.request?.body !== undefined || route.request?.params !== undefined ||
    route.request?.query !== undefined || route.request?.headers !== undefined;
  if (hasInput) codes.push("invalid_request");
  if (route.request?.body !== undefined) codes.push("payload_too_large");
  return codes;
}

function operation(components: Components, route: RouteDefinition): Json {
  const op: Json = {};
  if (route.operationId) op.operationId = route.operationId;
  if (route.summary) op.summary = route.summary;
  if (route.description) op.description = route.description;
  if (route.tags) op.tags = route.tags;
  if (route.security) op.security = route.security;
  const params = [
    ...parameters(components, "path", route.request?.params),
    ...parameters(components, "query", route.request?.query),
    ...parameters(components, "header", route.request?.headers),
  ];
  if (params.length > 0) op.parameters = params;
  const body = route.request?.body;
  if (body) {
    const content: Json = {};
    for (const [type, media] of Object.entries(body.content)) {
      content[type] = {
        schema: components.convert(media.schema, "input"),
        ...(media.example === undefined ? {} : { example: media.example }),
        ...(media.examples === undefined ? {} : { examples: media.examples }),
      };
    }
    op.requestBody = { required: body.required ?? false, content, ...(body.description ? { description: body.description } : {}) };
  }

  const responses: Json = {};
  const errors: CodeEntry[] = [];
  for (const [status, response] of Object.entries(route.responses)) {
    if (response.codes) {
      for (const code of response.codes) errors.push(response.reasons?.[code] === undefined ? code : [code, response.reasons[code]]);
      continue;
    }
    const out: Json = { description: response.description };
    if (response.headers) out.headers = response.headers;
    if (response.content) {
      const content: Json = {};
      for (const [type, media] of Object.entries(response.content)) {
        content[type] = { schema: components.convert(media.schema, "output"), ...(media.example === undefined ? {} : { example: media.example }) };
      }
      out.content = content;
    }
    responses[status] = out;
  }
  // The edge's codes join the route's own, each status's response listing them all.
  const declared = new Set(errors.map((entry) => (typeof entry === "string" ? entry : entry[0])));
  errors.push(...edgeCodes(route).filter((code) => !declared.has(typeof code === "string" ? code : code[0])));
  for (const [status, response] of Object.entries(errorResponses(...errors))) {
    const out: Json = { description: response.description, content: { "application/json": { schema: components.convert(response.content["application/json"].schema, "output") } } };
    if (status === "405") out.headers = { Allow: { description: "the methods the path has", schema: { type: "string" } } };
    if (status === "429") out.headers = { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } };
    responses[status] = out;
  }
  op.responses = responses;
  return op;
}

/** The whole document, from the app's route definitions and `parts`. */
export function openApiDocument(app: OpenAPIHono<AppEnv>, parts: DocumentParts): Json {
  const components = new Components();
  const paths: Record<string, Json> = {};
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const route = definition.route as unknown as RouteDefinition;
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operation(components, route) };
  }
  const webhooks: Record<string, Json> = {};
  for (const [name, hook] of Object.entries(parts.webhooks)) {
    webhooks[name] = {
      post: {
        operationId: `webhook_${name.replaceAll(".", "_")}`,
        summary: hook.summary,
        description: hook.description,
        tags: ["Webhooks"],
        security: [{ webhookSignature: [] }],
        parameters: Object.entries(hook.headers).map(([header, description]) => ({ name: header, in: "header", required: true, description, schema: { type: "string" } })),
        requestBody: { required: true, content: { "application/json": { schema: components.convert(hook.schema, "output") } } },
        responses: { "2XX": { description: "Delivered. Any other answer, or none within 10 s, is retried." } },
      },
    };
  }
  const { schemas, names } = components.finish();
  return resolveRefs({
    openapi: "3.1.0",
    info: parts.info,
    servers: parts.servers,
    ...(parts.tags ? { tags: parts.tags } : {}),
    paths,
    webhooks,
    components: { schemas, securitySchemes: parts.securitySchemes },
  }, names) as Json;
}
