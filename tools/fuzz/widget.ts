/**
 * Hostile credentials of the widget API for the fuzz suites: customer tokens of every wrong shape, publishable
 * keys that are not this shop's, and origins that are not its storefront. Tokens are signed ahead (WebCrypto is
 * async), so the lists are built once per suite from the world's keys.
 */
import fc from "fast-check";
import { base64url } from "../../worker/lib/crypto.ts";
import { FRESH_IP, ORIGIN, T0, type Case, type Target, type World } from "./harness.ts";

const encoder = new TextEncoder();
const nowSeconds = Math.floor(T0 / 1000);

/** `base64url(payload).base64url(HMAC-SHA256(key, first part))` over any payload, valid or not. */
export async function signRaw(key: string, payload: string): Promise<string> {
  const part = base64url(encoder.encode(payload));
  const hmac = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `${part}.${base64url(new Uint8Array(await crypto.subtle.sign("HMAC", hmac, encoder.encode(part))))}`;
}

function randomBytes(n: number): Uint8Array {
  // Deterministic filler: the cases replay from the seed alone.
  return Uint8Array.from({ length: n }, (_, i) => (i * 73 + n * 31 + 7) & 255);
}

/** The widget's headers for the world's member, from the storefront, from an address no other case used. */
export function memberHeaders(world: World): Record<string, string> {
  return { "x-publishable-key": world.shop.publishableKey, origin: ORIGIN, "cf-connecting-ip": FRESH_IP, authorization: `Bearer ${world.member.token}` };
}

export interface TokenCase {
  authorization: string;
  label: string;
  /** 401 for a token that must be refused; 404 for a valid token of someone who is not a member. */
  status: 401 | 404;
}

/**
 * Authorization headers carrying customer tokens that must all be refused (401), whatever the route: forged MACs
 * of every length, other shops' and the publishable key's MACs, expired, payloads of the wrong types, JWT and
 * `alg: none` shapes, padding, standard base64, extra parts, oversized — and valid tokens of non-members (404).
 */
export async function customerTokenCases(world: World): Promise<TokenCase[]> {
  const { shop, other, member } = world;
  const good = member.token;
  const [payload, mac] = good.split(".") as [string, string];
  const claims = (sub: unknown, exp: unknown) => JSON.stringify({ sub, exp });
  const later = nowSeconds + 3600;
  const cases: TokenCase[] = [];
  const refuse = (authorization: string, label: string) => cases.push({ authorization, label, status: 401 });
  const token = (t: string, label: string) => refuse(`Bearer ${t}`, label);

  // Forged MACs of every length 0…48 bytes over the real payload (32 bytes of the wrong value included).
  for (let n = 0; n <= 48; n++) token(`${payload}.${base64url(randomBytes(n))}`, `forged ${n}-byte MAC`);
  // The real MAC with one character changed at a few places, cut short, made longer.
  for (const i of [0, 1, 20, 41, 42]) {
    const flipped = mac.slice(0, i) + (mac[i] === "A" ? "B" : "A") + mac.slice(i + 1);
    if (flipped !== mac) token(`${payload}.${flipped}`, `MAC changed at ${i}`);
  }
  token(`${payload}.${mac.slice(0, -1)}`, "MAC one character short");
  token(`${payload}.${mac}A`, "MAC one character long");
  token(`${payload}.${mac}${mac}`, "MAC twice");
  // Right shape, wrong key.
  token(await signRaw(other.secretKey, claims(member.id, later)), "signed with another shop's secret key");
  token(await signRaw(shop.publishableKey, claims(member.id, later)), "signed with the publishable key");
  token(await signRaw("x", claims(member.id, later)), "signed with a one-character key");
  token(await signRaw(shop.secretKey.slice(0, -1), claims(member.id, later)), "signed with the key minus a character");
  // The payload changed under the real MAC.
  token(`${base64url(encoder.encode(claims("someone-else", later)))}.${mac}`, "payload swapped");
  token(`${base64url(encoder.encode(claims(member.id, later + 10_000_000)))}.${mac}`, "exp extended");
  // Correctly signed, but expired or not well-formed claims.
  for (const [sub, exp, label] of [
    [member.id, nowSeconds, "expired (exp = now)"], [member.id, nowSeconds - 1, "expired"], [member.id, 1, "expired in 1970"],
    [member.id, 0, "exp 0"], [member.id, -later, "negative exp"], [member.id, later + 0.5, "fractional exp"],
    [member.id, String(later), "exp a string"], [member.id, 1e300, "exp 1e300"], [member.id, null, "exp null"],
    [member.id, undefined, "no exp"], [undefined, later, "no sub"], [42, later, "sub a number"], [[member.id], later, "sub an array"],
    ["", later, "empty sub"], ["a b", later, "sub with a space"], ["x".repeat(201), later, "sub of 201 characters"],
    ["../c1", later, "sub with a slash"], [`${member.id}\u0000`, later, "sub with NUL"], ["' OR 1=1 --", later, "SQL in sub"],
  ] as [unknown, unknown, string][]) {
    token(await signRaw(shop.secretKey, claims(sub, exp)), `signed: ${label}`);
  }
  for (const [text, label] of [
    ["null", "payload null"], ["[]", "payload an array"], ['"c1"', "payload a string"], ["{", "payload not JSON"],
    ["", "empty payload"], [`{"sub":"${member.id}","exp":${later}}garbage`, "payload with trailing garbage"],
  ]) {
    token(await signRaw(shop.secretKey, text!), `signed: ${label}`);
  }
  // Shapes: JWTs, alg none, padding, standard base64, parts.
  const header = base64url(encoder.encode('{"alg":"none","typ":"JWT"}'));
  const hs256 = base64url(encoder.encode('{"alg":"HS256","typ":"JWT"}'));
  token(`${header}.${payload}.`, "JWT with alg none");
  token(`${header}.${payload}`, "alg none header as payload");
  token(`${hs256}.${payload}.${mac}`, "JWT HS256 with the real MAC");
  token(`${payload}.${mac}.${mac}`, "three parts");
  token(`${payload}`, "payload only");
  token(`${payload}.`, "empty MAC");
  token(`.${mac}`, "empty payload part");
  token(".", "a dot");
  token("..", "two dots");
  token(`${payload}=.${mac}`, "padded payload");
  token(`${payload}.${mac}=`, "padded MAC");
  token(`${payload.replace(/-/g, "+").replace(/_/g, "/")}+.${mac}`, "standard base64 characters");
  token(`${payload}%2E${mac}`, "percent-encoded dot");
  token(`${"A".repeat(2049)}.${mac}`, "2,049 characters");
  token(`${"A".repeat(100_000)}`, "100,000 characters");
  token(shop.secretKey, "the secret key as a token");
  token(shop.publishableKey, "the publishable key as a token");
  token("null", "null");
  token("undefined", "undefined");
  // Schemes and spacing.
  refuse(`Basic ${good}`, "Basic scheme");
  refuse(`Token ${good}`, "Token scheme");
  refuse(good, "no scheme");
  refuse("Bearer", "Bearer without a token");
  refuse("Bearer ", "Bearer and a space");
  refuse(`Bearer ${good} ${good}`, "two tokens");
  refuse(`Bearer ${good},${good}`, "two tokens with a comma");
  refuse(`Bearer\t${good}`, "a tab after Bearer");
  refuse(`Bearer ${good}x`, "a character after the token");
  // Valid tokens of customers who are not members: 404, never someone else's account.
  for (const sub of ["not-a-member", "c1x", member.id.toUpperCase(), "_", "a".repeat(200)]) {
    if (sub === member.id) continue;
    cases.push({ authorization: `Bearer ${await signRaw(shop.secretKey, claims(sub, later))}`, label: `valid token of non-member ${sub.slice(0, 20)}`, status: 404 });
  }
  return cases;
}

/** The request with each of those tokens: 401 (or 404 for non-members), with the storefront's CORS headers. */
export function tokenCases(target: Target, tokens: readonly TokenCase[], body?: unknown, options: { members?: boolean } = {}): fc.Arbitrary<Case> {
  const usable = options.members === false ? tokens.filter((t) => t.status === 401) : tokens;
  return fc.constantFrom(...usable).map((t): Case => ({
    ...target, headers: { ...target.headers, authorization: t.authorization }, body, status: t.status,
    code: t.status === 401 ? "unauthorized" : "not_found", cors: ORIGIN, label: `token: ${t.label}`,
  }));
}

// Printable ASCII: workerd warns about every non-ASCII header value.
const headerChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

/** Publishable keys that name no shop, or not this one: 401 without CORS headers. */
export function badPublishableKey(world: World): fc.Arbitrary<string | undefined> {
  const { shop, other } = world;
  const pk = shop.publishableKey;
  const random = pk.slice(pk.lastIndexOf("_") + 1);
  return fc.oneof(
    fc.constantFrom<string | undefined>(
      undefined, "", "pk_", `pk_${shop.shopId}_`, `${pk.slice(0, -1)}${pk.endsWith("A") ? "B" : "A"}`, pk.slice(0, -1), `${pk}A`,
      pk.toLowerCase(), pk.toUpperCase(), `pk_NoSuchShop0000_${random}`, `pk_${shop.shopId}_${"A".repeat(32)}`, `sk_${shop.shopId}_${random}`,
      shop.secretKey, other.secretKey, `Bearer ${pk}`, `${pk},${pk}`, `${pk} ${pk}`, "' OR 1=1 --", "pk_../../etc/passwd_x", "A".repeat(10_000),
      `pk_${"A".repeat(65)}_${random}`, `pk_${shop.shopId}_${random}${"A".repeat(97)}`,
    ),
    fc.string({ unit: headerChar, minLength: 1, maxLength: 80 }),
  ).filter((key) => key !== pk);
}

/** The request with its publishable key replaced: 401 unauthorized, readable by its (well-formed) origin. */
export function publishableKeyCases(target: Target, world: World, body?: unknown): fc.Arbitrary<Case> {
  return badPublishableKey(world).map((key): Case => {
    const headers = { ...target.headers };
    delete headers["x-publishable-key"];
    if (key !== undefined) headers["x-publishable-key"] = key;
    return { ...target, headers, body, status: 401, code: "unauthorized", cors: readableBy(headers.origin), label: `publishable key ${JSON.stringify(key)?.slice(0, 60)}` };
  });
}

/**
 * Who may read a refusal (worker/http/public/access.ts): the requesting origin when it is a well-formed web origin,
 * nobody otherwise (`null`, anything with a path, no Origin).
 */
export function readableBy(origin: string | undefined): string | null {
  if (origin === undefined || !URL.canParse(origin)) return null;
  const url = new URL(origin);
  return (url.protocol === "https:" || url.protocol === "http:") && url.origin === origin ? origin : null;
}

/** Origins that are not the shop's storefront: 403 forbidden before anything runs, readable only by that origin. */
export const badOrigin = fc.oneof(
  fc.constantFrom(
    "https://evil.example", "null", `${ORIGIN}/`, ORIGIN.replace("https:", "http:"), `${ORIGIN}:443`, ORIGIN.toUpperCase(),
    `${ORIGIN}.evil.example`, `https://evil.example#${ORIGIN}`, `https://evil.example/${ORIGIN}`, "*",
    `${ORIGIN}, https://evil.example`, "file://", "chrome-extension://abcdef", "https://other.example", "https://shop.example.", "https://xn--shop-example",
  ),
  // (An empty Origin is no Origin: a server's request, answered without CORS headers like one without the header.)
  fc.string({ unit: headerChar, minLength: 1, maxLength: 60 }),
).filter((origin) => origin !== ORIGIN);

export function originCases(target: Target, body?: unknown): fc.Arbitrary<Case> {
  return badOrigin.map((origin): Case => ({
    ...target, headers: { ...target.headers, origin }, body, status: 403, code: "forbidden", cors: readableBy(origin), label: `origin ${JSON.stringify(origin).slice(0, 60)}`,
  }));
}
