/**
 * The program (secret key): `PUT /v1/program` validates fully and stores a new version, `GET /v1/program`
 * answers the latest, `POST /v1/program/validate` validates only. Invalid programs: 422 program_invalid with
 * every problem in `error.problems` and the first one's path in `error.path`.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { programSchema, toProblems } from "../../../engine/host/validate.ts";
import type { Problem } from "../../../engine/host/types.ts";
import { requireSecretKey } from "../auth.ts";
import { forgetCurrentProgram } from "../../flows/program.ts";
import { now } from "../../lib/clock.ts";
import { HttpError, invalidRequest, type AppEnv } from "../http.ts";
import { errorResponses } from "../openapi.ts";
import { idempotency, idempotencyHeaders } from "../idempotency.ts";
import { shopObject } from "../../shop/shop.ts";
import { refusal } from "../../lib/refusal.ts";

// `.meta` rather than `.openapi`: the engine's schemas are plain zod (the engine does not depend on Hono).
const program = programSchema.meta({ id: "Program", description: "The loyalty program (docs/program.md)" });

const programVersionSchema = z
  .object({ version: z.int().min(1).meta({ examples: [3] }), program })
  .meta({ id: "ProgramVersion" });

function programInvalid(problems: Problem[]): HttpError {
  const first = problems[0];
  const summary = first === undefined ? "" : `: ${first.path === "" ? "program" : first.path} ${first.message}`;
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const path = first?.path === "" ? undefined : first?.path; // the root is no field
  return new HttpError("program_invalid", `The program has ${count}${summary}`, path, { problems });
}

/** The body of these routes is the program: its problems are 422 program_invalid, never 400. */
function programHook(result: { target: string } & ({ success: true } | { success: false; error: z.ZodError })): undefined {
  if (!result.success) {
    if (result.target === "json") throw programInvalid(toProblems(result.error.issues));
    throw invalidRequest(toProblems(result.error.issues)); // not the program (a header): 400
  }
  return undefined;
}

const programBody = { content: { "application/json": { schema: program } }, required: true } as const;
const secret = [{ secretKey: [] }];

const putProgramRoute = createRoute({
  method: "put",
  operationId: "publishProgram",
  path: "/v1/program",
  summary: "Publish the program",
  description: "Validates the program fully and stores it as a new version (defaults applied). Honours `Idempotency-Key`.",
  tags: ["Program"],
  security: secret,
  middleware: [requireSecretKey, idempotency((c) => shopObject(c.env, c.var.shopId))] as const,
  request: { headers: idempotencyHeaders, body: programBody },
  responses: {
    200: { description: "The stored version", content: { "application/json": { schema: programVersionSchema } } },
    ...errorResponses("program_invalid", "idempotency_conflict"),
  },
});

const getProgramRoute = createRoute({
  method: "get",
  operationId: "getProgram",
  path: "/v1/program",
  summary: "The current program",
  tags: ["Program"],
  security: secret,
  middleware: [requireSecretKey] as const,
  responses: {
    200: { description: "The latest version", content: { "application/json": { schema: programVersionSchema } } },
    ...errorResponses(["not_found", "no program has been published yet"]),
  },
});

const validateProgramRoute = createRoute({
  method: "post",
  operationId: "validateProgram",
  path: "/v1/program/validate",
  summary: "Validate a program without storing it",
  tags: ["Program"],
  security: secret,
  middleware: [requireSecretKey] as const,
  request: { body: programBody },
  responses: {
    200: { description: "The program is valid", content: { "application/json": { schema: z.object({ valid: z.literal(true) }) } } },
    ...errorResponses("program_invalid"),
  },
});

export function programRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    putProgramRoute,
    async (c) => {
      const validated = c.req.valid("json");
      const { version } = await shopObject(c.env, c.var.shopId).putProgram(validated, now());
      forgetCurrentProgram(c.var.shopId);
      return c.json({ version, program: validated }, 200);
    },
    programHook,
  );

  app.openapi(getProgramRoute, async (c) => {
    const current = await shopObject(c.env, c.var.shopId).getProgram();
    if (current === null) throw refusal("not_found", "No program has been published yet");
    return c.json(current, 200);
  });

  app.openapi(validateProgramRoute, (c) => c.json({ valid: true as const }, 200), programHook);
}
