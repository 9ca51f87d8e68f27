/**
 * Secrets are compared without leaking where they differ: key digests, the platform token, verification codes and
 * idempotency fingerprints through `constantTimeEqual` (workerd's `crypto.subtle.timingSafeEqual`), customer
 * tokens' MACs through WebCrypto's `crypto.subtle.verify` before anything of the payload is read. These tests
 * check the code paths and their answers, not timings (timing assertions would be flaky and prove little).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { signCustomerToken, verifyCustomerToken } from "../../worker/lib/tokens.ts";
import { base64url } from "../../worker/lib/crypto.ts";

type Subtle = SubtleCrypto & { timingSafeEqual?: (a: ArrayBufferView, b: ArrayBufferView) => boolean };
const subtle = crypto.subtle as Subtle;
const SECRET = "sk_shop1_0123456789ABCDEFGHIJKLMNOPQRSTUV";
const NOW = Date.UTC(2030, 0, 15, 9, 0, 0);
const EXP = NOW / 1000 + 3600;

afterEach(() => {
  vi.restoreAllMocks();
  vi.resetModules();
});

/** crypto.ts evaluated afresh, after the spies are in place (it binds timingSafeEqual when it loads). */
async function freshAuth() {
  vi.resetModules();
  return import("../../worker/lib/crypto.ts");
}

describe("constantTimeEqual", () => {
  it("runs on workerd's crypto.subtle.timingSafeEqual", async () => {
    expect(typeof subtle.timingSafeEqual).toBe("function");
    const spy = vi.spyOn(subtle as Required<Subtle>, "timingSafeEqual");
    const { constantTimeEqual, sha256Hex } = await freshAuth();
    const a = await sha256Hex("a");
    expect(constantTimeEqual(a, a)).toBe(true);
    expect(constantTimeEqual(a, await sha256Hex("b"))).toBe(false);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it("answers equal only for equal strings: a difference anywhere, a length, a case, a unicode twin", async () => {
    const { constantTimeEqual, sha256Hex } = await freshAuth();
    const digest = await sha256Hex("key");
    expect(constantTimeEqual(digest, digest)).toBe(true);
    expect(constantTimeEqual("", "")).toBe(true);
    for (let i = 0; i < digest.length; i++) {
      const other = digest.slice(0, i) + (digest[i] === "0" ? "1" : "0") + digest.slice(i + 1);
      expect(constantTimeEqual(digest, other), `differs at ${i}`).toBe(false);
    }
    for (const other of [digest.slice(0, -1), `${digest}0`, digest.toUpperCase(), "", `${digest.slice(0, -1)}é`]) {
      expect(constantTimeEqual(digest, other), JSON.stringify(other)).toBe(other === digest);
    }
  });

  it("without timingSafeEqual (another runtime) the XOR loop answers the same", async () => {
    const saved = Object.getOwnPropertyDescriptor(subtle, "timingSafeEqual");
    Object.defineProperty(subtle, "timingSafeEqual", { value: undefined, configurable: true, writable: true });
    try {
      const { constantTimeEqual } = await freshAuth();
      expect(constantTimeEqual("abc", "abc")).toBe(true);
      expect(constantTimeEqual("abc", "abd")).toBe(false);
      expect(constantTimeEqual("abc", "ab")).toBe(false);
    } finally {
      if (saved) Object.defineProperty(subtle, "timingSafeEqual", saved);
      else delete (subtle as { timingSafeEqual?: unknown }).timingSafeEqual;
    }
  });
});

describe("verifyCustomerToken", () => {
  it("refuses wrong MACs of every length 0…64 bytes; only 32-byte ones reach crypto.subtle.verify, nothing is compared by hand", async () => {
    const good = await signCustomerToken(SECRET, "c1", EXP);
    const [payload] = good.split(".") as [string, string];
    const verify = vi.spyOn(crypto.subtle, "verify");
    const sign = vi.spyOn(crypto.subtle, "sign");
    for (let n = 0; n <= 64; n++) {
      const mac = base64url(Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 255));
      const result = await verifyCustomerToken(SECRET, `${payload}.${mac}`, NOW);
      expect(result, `${n}-byte MAC`).toEqual({ ok: false, reason: n === 32 ? "invalid" : "malformed" });
    }
    expect(verify).toHaveBeenCalledTimes(1); // the one 32-byte MAC
    expect(verify.mock.calls[0]![0]).toBe("HMAC");
    expect(sign).not.toHaveBeenCalled(); // no MAC computed to compare with ===
    expect(await verifyCustomerToken(SECRET, good, NOW)).toEqual({ ok: true, customerId: "c1", exp: EXP });
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it("checks the MAC before reading the payload: a garbage payload with a wrong MAC is invalid, not malformed", async () => {
    const garbage = base64url(new TextEncoder().encode("{not json"));
    const wrongMac = base64url(new Uint8Array(32));
    expect(await verifyCustomerToken(SECRET, `${garbage}.${wrongMac}`, NOW)).toEqual({ ok: false, reason: "invalid" });
    // Right MAC, same garbage: only now is the payload read, and refused.
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(garbage))));
    expect(await verifyCustomerToken(SECRET, `${garbage}.${mac}`, NOW)).toEqual({ ok: false, reason: "malformed" });
  });

  it("a MAC made with a key differing in one character never verifies", async () => {
    for (let i = 0; i < SECRET.length; i += 5) {
      const near = SECRET.slice(0, i) + (SECRET[i] === "A" ? "B" : "A") + SECRET.slice(i + 1);
      const token = await signCustomerToken(near, "c1", EXP);
      expect(await verifyCustomerToken(SECRET, token, NOW), `key differs at ${i}`).toEqual({ ok: false, reason: "invalid" });
    }
  });
});
