/**
 * Every answer a Worker test receives is checked against the OpenAPI document (docs/openapi.json, which a test
 * holds equal to what the Worker serves): the status must be one the operation documents, an error's code one that
 * status lists for it, and a JSON body must match the documented schema. So the whole suite is the conformance
 * test: an undocumented status, code or field fails the test that met it.
 */
import { Validator } from "@cfworker/json-schema";
import document from "../docs/openapi.json";

type Json = Record<string, unknown>;
interface Operation {
  template: string;
  responses: Record<string, { content?: { "application/json"?: { schema: Json } } }>;
}

const doc = document as unknown as { paths: Record<string, Record<string, Operation>>; components: Json };
const operations: { method: string; pattern: RegExp; template: string; operation: Operation }[] = [];
for (const [template, methods] of Object.entries(doc.paths)) {
  const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
  for (const [method, operation] of Object.entries(methods)) operations.push({ method: method.toUpperCase(), pattern, template, operation });
}

const validators = new Map<string, Validator>();
function validatorFor(key: string, schema: Json): Validator {
  let validator = validators.get(key);
  if (validator === undefined) {
    // The document's components at the root, so the schema's `#/components/schemas/…` references resolve.
    validator = new Validator({ ...schema, components: doc.components } as never, "2020-12", false);
    validators.set(key, validator);
  }
  return validator;
}

/** Throws when `response` to `method path` is not what the document says. */
export async function checkConformance(method: string, url: string, response: Response): Promise<void> {
  const path = new URL(url).pathname;
  const found = operations.find((candidate) => (candidate.method === method || (method === "HEAD" && candidate.method === "GET")) && candidate.pattern.test(path));
  if (found === undefined) return; // not an API operation (preflights, the demo backend, unknown paths)
  const where = `${method} ${found.template} answered ${response.status}`;
  const documented = found.operation.responses[String(response.status)];
  if (documented === undefined) {
    throw new Error(`${where}, which the OpenAPI document does not list (${Object.keys(found.operation.responses).join(", ")}): ${await response.clone().text()}`);
  }
  const schema = documented.content?.["application/json"]?.schema;
  if (schema === undefined || method === "HEAD" || !(response.headers.get("content-type") ?? "").startsWith("application/json")) return;
  const body: unknown = await response.clone().json();
  const result = validatorFor(`${method} ${found.template} ${response.status}`, schema).validate(body);
  if (!result.valid) {
    const errors = result.errors.slice(-3).map((e) => `${e.instanceLocation}: ${e.error}`).join("; ");
    throw new Error(`${where} with a body the OpenAPI document does not describe — ${errors}: ${JSON.stringify(body).slice(0, 500)}`);
  }
}

/** Throws when a webhook body of `type` is not what the document's `webhooks` section says it is. */
export function checkWebhookConformance(type: string, body: unknown): void {
  const webhooks = (document as unknown as { webhooks: Record<string, { post: { requestBody: { content: { "application/json": { schema: Json } } } } }> }).webhooks;
  const hook = webhooks[type];
  if (hook === undefined) throw new Error(`the OpenAPI document has no webhook ${type}`);
  const result = validatorFor(`webhook ${type}`, hook.post.requestBody.content["application/json"].schema).validate(body);
  if (!result.valid) {
    const errors = result.errors.slice(-3).map((e) => `${e.instanceLocation}: ${e.error}`).join("; ");
    throw new Error(`webhook ${type} with a body the OpenAPI document does not describe — ${errors}: ${JSON.stringify(body).slice(0, 500)}`);
  }
}
