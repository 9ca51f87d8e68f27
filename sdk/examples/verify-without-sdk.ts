/**
 * Checking a webhook's signature without the SDK: WebCrypto only (Node ≥ 20, Workers, Deno, Bun). The same code is
 * in docs/events.md; sdk/webhooks.test.ts holds it to what the Worker sends.
 */
export async function verifyKopilkaSignature(secret: string, header: string | null, rawBody: string, toleranceSeconds = 300): Promise<boolean> {
  const parts = Object.fromEntries((header ?? "").split(",").map((part) => part.trim().split("=", 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || typeof parts.v1 !== "string") return false;
  if (Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false; // an old (replayed) delivery
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = new Uint8Array((parts.v1.match(/../g) ?? []).map((byte: string) => parseInt(byte, 16)));
  // crypto.subtle.verify compares in constant time.
  return mac.length === 32 && crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${t}.${rawBody}`));
}
