/**
 * The public API client (docs/api.md "Widget"): `X-Publishable-Key` on every call, `Authorization: Bearer` with
 * the customer token when there is one, an `Idempotency-Key` on every POST. Every failure — an error
 * answer, a network failure, a body that is not the API's — becomes an ApiError; nothing else is thrown.
 */
import type {
  Channel, HistoryPage, Me, PublicProgram, RedeemedReward, RegisterRequest, Registration, Verification, Verified,
} from "./types.ts";

/** An API failure. `status` 0 is a network failure (no answer); `code` is docs/api.md's error code. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly path: string | undefined;
  /** Seconds to wait before retrying (the `Retry-After` of a 429). */
  readonly retryAfter: number | undefined;
  /** Other members of the answer's `error` (e.g. `attemptsLeft` of a wrong verification code). */
  readonly details: Record<string, unknown>;

  constructor(status: number, code: string, message: string, path?: string, retryAfter?: number, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.path = path;
    this.retryAfter = retryAfter;
    this.details = details;
  }
}

function idempotencyKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class KopilkaApi {
  readonly base: string;
  readonly publishableKey: string;
  /** The customer token sent as Bearer; null for an anonymous visitor. */
  token: string | null;

  constructor(base: string, publishableKey: string, token: string | null = null) {
    this.base = base.replace(/\/+$/, "");
    this.publishableKey = publishableKey;
    this.token = token;
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { "x-publishable-key": this.publishableKey };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (method === "POST") {
      headers["content-type"] = "application/json";
      headers["idempotency-key"] = idempotencyKey();
    }
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method, headers, body: body === undefined ? (method === "POST" ? "{}" : undefined) : JSON.stringify(body),
        credentials: "omit",
      });
    } catch (error) {
      throw new ApiError(0, "network", error instanceof Error ? error.message : String(error));
    }
    let data: unknown;
    try {
      data = await response.json();
    } catch {
      data = undefined;
    }
    if (response.ok && data !== undefined) return data as T;
    const error = (data as { error?: { code?: unknown; message?: unknown; path?: unknown } & Record<string, unknown> } | undefined)?.error;
    const retry = Number(response.headers.get("retry-after"));
    throw new ApiError(
      response.status,
      // The widget API's only readable 403 refuses the page's origin (worker/http/public/access.ts): name it.
      error?.code === "forbidden" ? "origin_not_allowed" : typeof error?.code === "string" ? error.code : response.ok ? "invalid_response" : "internal",
      typeof error?.message === "string" ? error.message : `${method} ${path} answered ${response.status}`,
      typeof error?.path === "string" ? error.path : undefined,
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
      typeof error === "object" && error !== null ? error : {},
    );
  }

  program(): Promise<PublicProgram> {
    return this.call("GET", "/v1/public/program");
  }

  register(request: RegisterRequest): Promise<Registration> {
    return this.call("POST", "/v1/public/register", request);
  }

  sendCode(channel: Channel): Promise<Verification> {
    return this.call("POST", "/v1/public/verify/send", { channel });
  }

  verify(channel: Channel, code: string): Promise<Verified> {
    return this.call("POST", "/v1/public/verify", { channel, code });
  }

  me(): Promise<Me> {
    return this.call("GET", "/v1/public/me");
  }

  history(cursor: string | null, limit = 10): Promise<HistoryPage> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    return this.call("GET", `/v1/public/me/history?${query}`);
  }

  redeem(rewardId: string): Promise<RedeemedReward> {
    return this.call("POST", `/v1/public/me/rewards/${encodeURIComponent(rewardId)}`);
  }
}
