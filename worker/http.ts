/**
 * The Worker's HTTP edge: one error type and one renderer, so every non-2xx answer has the shape api.md
 * promises — `{"error": {"code", "message", "path"?}}` — and no stack trace ever reaches a client.
 */

/** An error the client should see, with its status, api.md error code and (optionally) the field at fault. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path: string | undefined;

  constructor(status: number, code: string, message: string, path?: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

/** A JSON response with the given status. */
export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const response = Response.json(body, { status, headers });
  response.headers.set("cache-control", "no-store");
  return response;
}

/** Renders any thrown value. Unknown errors are logged with their cause and answered as a bare 500. */
export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    const { code, message, path } = error;
    return json({ error: path === undefined ? { code, message } : { code, message, path } }, error.status);
  }
  console.error("unhandled error", error);
  return json({ error: { code: "internal", message: "Internal error" } }, 500);
}
