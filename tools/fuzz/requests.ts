/**
 * Cases that do not depend on an endpoint's schema: malformed JSON, wrong roots and content types, oversized
 * bodies, odd Authorization headers, hostile path segments. Each is aimed at the world with an otherwise valid
 * request, so a case that got through would show in the fingerprint.
 */
import fc from "fast-check";
import { MAX_BODY_BYTES } from "../../worker/http/http.ts";
import { PLATFORM_TOKEN } from "../../worker/test-support.ts";
import type { Case, Target } from "./harness.ts";
import { anyText, deepNesting, NASTY_STRINGS, Raw, toJson } from "./hostile.ts";

/** Malformed JSON, and JSON whose root is not an object. */
export function wholeBodyCases(target: Target, base: unknown, rootStatus = 400): fc.Arbitrary<Case> {
  const { method, path, headers } = target;
  const text = toJson(base);
  const malformed = fc.oneof(
    fc.integer({ min: 0, max: text.length - 1 }).map((n) => text.slice(0, n)),
    fc.constantFrom(
      `${text}}`, `${text},`, `${text} trailing`, `[${text}`, text.replace(/"/g, "'"), text.replace(/:/, ":NaN,"),
      `{"a":NaN}`, `{"a":Infinity}`, `{"a":-Infinity}`, `{"a":undefined}`, `{a:1}`, `{"a":1,}`, `// comment\n${text}`,
      `{"a":"\\x41"}`, `{"a":"\\u12"}`, `{"a":"${"\u0001"}"}`, `{"a":01}`, `{"a":.5}`, `{"a":+1}`, `{"a":1e}`,
      "\u0000", "\uFFFD", "{".repeat(5000), "[".repeat(5000),
    ),
  ).map((raw): Case => ({ method, path, headers, raw, status: 400, code: "invalid_request", errorPath: null, label: "malformed JSON" }));
  const root = fc.oneof(
    fc.constantFrom<unknown>(null, 0, -0, 1e308, new Raw("1e309"), "string", true, [], [base], new Raw("\"NaN\"")),
    deepNesting,
    fc.constantFrom(...NASTY_STRINGS),
  ).map((body): Case => ({ method, path, headers, body, status: rootStatus, label: "root not an object" }));
  const contentType = fc
    .constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/jsonx", "text/json", "json", "*/*")
    .map((type): Case => ({
      method, path, headers: { ...headers, "content-type": type }, raw: text, status: 400, code: "invalid_request", label: `content-type ${type}`,
    }));
  return fc.oneof(malformed, root, contentType);
}

/** A body of 10 MB declared, 10 MB streamed without a length, and one byte over the cap streamed. */
export function oversizedCases(target: Target): Case[] {
  const { method, path, headers } = target;
  const ten = "x".repeat(10 * 1024 * 1024);
  const stream = (bytes: number) => {
    let left = bytes;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (left <= 0) return controller.close();
        const piece = chunk.subarray(0, Math.min(chunk.byteLength, left));
        left -= piece.byteLength;
        controller.enqueue(piece);
      },
    });
  };
  const big = { status: 413, code: "payload_too_large", errorPath: null } as const;
  return [
    { method, path, headers, raw: ten, ...big, label: "10 MB body" },
    { method, path, headers, raw: `{"name":"${ten}"}`, ...big, label: "10 MB JSON string" },
    { method, path, headers, raw: stream(10 * 1024 * 1024), ...big, label: "10 MB streamed body" },
    { method, path, headers, raw: stream(MAX_BODY_BYTES + 1), ...big, label: "1 MiB + 1 byte streamed" },
  ];
}

// Printable ASCII: workerd warns about every non-ASCII header value, so latin-1 appears in a few constants only.
const headerChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

/** Authorization headers that must all be 401, given the shop's real keys. */
export function badAuthorization(keys: { secretKey: string; publishableKey: string; shopId: string }): fc.Arbitrary<string | undefined> {
  const { secretKey, publishableKey, shopId } = keys;
  const random = secretKey.slice(secretKey.lastIndexOf("_") + 1);
  return fc.oneof(
    fc.constantFrom<string | undefined>(
      undefined, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", `Basic ${btoa(`${secretKey}:`)}`, `Token ${secretKey}`, secretKey,
      `Bearer${secretKey}`, `Bearer ${secretKey} extra`, `Bearer ${secretKey},${secretKey}`, `Bearer ${secretKey.toUpperCase()}`,
      `Bearer ${publishableKey}`, `Bearer ${secretKey}x`, `Bearer ${secretKey.slice(0, -1)}`, `Bearer sk_${shopId}_${"A".repeat(32)}`,
      `Bearer sk_${shopId}__${random}`, `Bearer sk__${random}`, `Bearer sk_${shopId}_`, `Bearer ${PLATFORM_TOKEN}`,
      `Bearer pk_${shopId}_${random}`, `Bearer sk_${shopId.toLowerCase()}x_${random}`, `Bearer sk_..%2F${shopId}_${random}`,
      `Bearer sk_${shopId}:x_${random}`, `Bearer sk_${"A".repeat(65)}_${random}`, `Bearer sk_${shopId}_${random.slice(0, 31)}é`,
      `Bearer ${"A".repeat(10_000)}`, `Bearer sk_${shopId}_${"A".repeat(129)}`, "Bearer null", "Bearer undefined", "Bearer ' OR 1=1 --",
      "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJjMSJ9.", `Bearer ${btoa(secretKey)}`, `Bearer "${secretKey}"`, `Bearer\t${secretKey}`,
    ),
    fc.string({ unit: headerChar, minLength: 1, maxLength: 80 }).map((s) => `Bearer ${s}`),
    fc.string({ unit: headerChar, maxLength: 80 }),
  );
}

/** The request with its Authorization header replaced: 401 unauthorized, whatever the body. */
export function authCases(target: Target, keys: Parameters<typeof badAuthorization>[0], body?: unknown): fc.Arbitrary<Case> {
  return badAuthorization(keys).map((authorization): Case => {
    const headers = { ...target.headers };
    delete headers.authorization;
    if (authorization !== undefined) headers.authorization = authorization;
    return { method: target.method, path: target.path, headers, body, status: 401, code: "unauthorized", errorPath: null, label: `authorization ${JSON.stringify(authorization)?.slice(0, 60)}` };
  });
}

/** Percent-encoded text; an unpaired surrogate, which has no UTF-8, is sent as the bytes of its would-be encoding. */
export function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return `${encodeURIComponent(s.replace(/\p{Cs}/gu, ""))}%ED%A0%80`;
  }
}

/** A path segment as a client might send it: encoded text, malformed escapes, traversal, overlong. */
export const pathSegment = fc.oneof(
  anyText.map(encode),
  fc.constantFrom("%ZZ", "%E0%A4%A", "%ED%A0%80", "%C0%AF", "%00", "%2F..%2F..%2Fv1%2Fprogram", "%2e%2e", "..%252F", "%25", "%", "a%20b", "%F0%9F%92%A9"),
  fc.constantFrom(...NASTY_STRINGS).map((s) => encodeURIComponent(s).repeat(60)),
).filter((s) => s !== "" && s !== "." && s !== "..");
