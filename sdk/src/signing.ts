/**
 * The two signatures a shop's backend deals with, in WebCrypto (Node ≥ 20, Workers, Deno, Bun):
 * customer tokens it signs for the storefront widget, and webhook signatures it checks (docs/api.md).
 */

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function hmac(secret: string, text: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
}

/** Customer ids the API accepts (docs/api.md "Ids"). */
const CUSTOMER_ID = /^[A-Za-z0-9_.:@-]{1,200}$/;

/**
 * A customer token for the widget's `customer-token` attribute: `base64url({"sub", "exp"}).base64url(HMAC-SHA256)`,
 * keyed with the shop's secret key. Sign it on the server for the customer your shop has signed in; never send the
 * secret key to a browser. `expiresInSeconds` defaults to one hour.
 */
export async function signCustomerToken(secretKey: string, customerId: string, options: { expiresInSeconds?: number; now?: Date } = {}): Promise<string> {
  if (!CUSTOMER_ID.test(customerId)) throw new TypeError(`customerId must be 1 to 200 of A-Z a-z 0-9 _ . : @ - (got ${JSON.stringify(customerId)})`);
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const exp = now + (options.expiresInSeconds ?? 3600);
  const payload = base64url(encoder.encode(JSON.stringify({ sub: customerId, exp })));
  return `${payload}.${base64url(await hmac(secretKey, payload))}`;
}

/** Why a webhook was not accepted. */
export class WebhookSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookSignatureError";
  }
}

/** Constant-time comparison of two hex strings of equal length. */
function sameHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a webhook's `Kopilka-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` and
 * answers the parsed event. The secret is the webhook endpoint's signing secret `whsec_…` (docs/events.md), or for
 * the verification codes sent to the shop's `webhookUrl` its secret key. Give it the body exactly as received
 * (before any JSON parsing). Refuses a signature older or newer than `toleranceSeconds` (default 300), so a captured
 * delivery cannot be replayed later. While a rotated secret (or key) is rolled out, pass both: the newest signs.
 */
export async function verifyWebhook<T = unknown>(
  secretKeys: string | readonly string[],
  signatureHeader: string | null | undefined,
  rawBody: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): Promise<T> {
  if (!signatureHeader) throw new WebhookSignatureError("no Kopilka-Signature header");
  const parts = new Map<string, string[]>();
  for (const part of signatureHeader.split(",")) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    parts.set(name, [...(parts.get(name) ?? []), part.slice(at + 1).trim()]);
  }
  const t = parts.get("t")?.[0];
  const signatures = parts.get("v1") ?? [];
  if (t === undefined || !/^\d{1,12}$/.test(t) || signatures.length === 0) throw new WebhookSignatureError("malformed Kopilka-Signature header");
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(t)) > (options.toleranceSeconds ?? 300)) throw new WebhookSignatureError("the signature's timestamp is outside the tolerance");
  for (const key of typeof secretKeys === "string" ? [secretKeys] : secretKeys) {
    const expected = [...(await hmac(key, `${t}.${rawBody}`))].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (signatures.some((signature) => sameHex(signature, expected))) return JSON.parse(rawBody) as T;
  }
  throw new WebhookSignatureError("no signature matches");
}
