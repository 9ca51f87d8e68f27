import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { enforceRateLimit } from "./enforce.ts";
import { MAX_KEY_LENGTH, assertTake } from "./limiter.ts";
import {
  CODE_CHECKS_PER_CONTACT,
  CODE_CHECKS_PER_IP,
  CODE_SENDS_PER_CONTACT,
  CODE_SENDS_PER_IP,
  REGISTRATION_PER_CONTACT,
  REGISTRATION_PER_IP,
  clientIp,
  codeCheckKeys,
  codeCheckRules,
  codeSendRules,
  ipSubject,
  registerRules,
} from "./rules.ts";

const T0 = Date.now();

describe("rate-limit presets", () => {
  it("say what the widget API promises", () => {
    expect(REGISTRATION_PER_IP).toEqual([
      { limit: 10, windowSeconds: 600 },
      { limit: 50, windowSeconds: 86_400 },
    ]);
    expect(REGISTRATION_PER_CONTACT).toEqual([{ limit: 5, windowSeconds: 3600 }]);
    expect(CODE_SENDS_PER_CONTACT).toEqual([
      { limit: 1, windowSeconds: 60 },
      { limit: 5, windowSeconds: 3600 },
    ]);
    expect(CODE_SENDS_PER_IP).toEqual([{ limit: 20, windowSeconds: 3600 }]);
    expect(CODE_CHECKS_PER_IP).toEqual([{ limit: 30, windowSeconds: 600 }]);
    expect(CODE_CHECKS_PER_CONTACT).toEqual([{ limit: 10, windowSeconds: 3600 }]);
  });

  it("registerRules: per IP, and per normalised phone and e-mail", () => {
    expect(registerRules({ ip: "203.0.113.7", phone: "8 (999) 123-45-67", email: "  Anna@Example.RU " })).toEqual([
      { key: "register:ip:203.0.113.7", limit: 10, windowSeconds: 600 },
      { key: "register:ip:203.0.113.7", limit: 50, windowSeconds: 86_400 },
      { key: "register:phone:+79991234567", limit: 5, windowSeconds: 3600 },
      { key: "register:email:anna@example.ru", limit: 5, windowSeconds: 3600 },
    ]);
    expect(registerRules({ ip: "unknown", phone: null, email: "" })).toEqual([
      { key: "register:ip:unknown", limit: 10, windowSeconds: 600 },
      { key: "register:ip:unknown", limit: 50, windowSeconds: 86_400 },
    ]);
  });

  it("codeSendRules and codeCheckRules; codeCheckKeys are the per-contact keys of the checks", () => {
    expect(codeSendRules({ ip: "203.0.113.7", phone: "+7 999 123 45 67" })).toEqual([
      { key: "code-send:ip:203.0.113.7", limit: 20, windowSeconds: 3600 },
      { key: "code-send:phone:+79991234567", limit: 1, windowSeconds: 60 },
      { key: "code-send:phone:+79991234567", limit: 5, windowSeconds: 3600 },
    ]);
    const check = codeCheckRules({ ip: "203.0.113.7", email: "anna@example.ru" });
    expect(check).toEqual([
      { key: "code-check:ip:203.0.113.7", limit: 30, windowSeconds: 600 },
      { key: "code-check:email:anna@example.ru", limit: 10, windowSeconds: 3600 },
    ]);
    expect(codeCheckKeys({ email: "ANNA@example.ru" })).toEqual(["code-check:email:anna@example.ru"]);
  });

  it("keys stay valid whatever a client sends", () => {
    const junk = "x".repeat(10_000);
    for (const build of [registerRules, codeSendRules, codeCheckRules]) {
      const rules = build({ ip: junk, phone: junk, email: `${junk}@example.ru` });
      expect(() => assertTake(rules, T0, 1)).not.toThrow();
      for (const { key } of rules) expect(key.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
    }
    // An unreadable contact still counts, as written.
    expect(registerRules({ ip: "1.2.3.4", phone: "not a phone" })[2]?.key).toBe("register:phone:not a phone");
  });

  it("one phone written many ways from many IPs is one count", async () => {
    const shopId = `shop-${crypto.randomUUID()}`;
    const spellings = ["+79991234567", "8 (999) 123-45-67", "79991234567", "999 123-45-67", "+7 999 123 45 67"];
    for (const [i, phone] of spellings.entries()) await enforceRateLimit(env, shopId, registerRules({ ip: `198.51.100.${i}`, phone }), T0);
    await expect(enforceRateLimit(env, shopId, registerRules({ ip: "198.51.100.99", phone: "89991234567" }), T0)).rejects.toMatchObject({
      refusal: { code: "rate_limited", retryAfterSeconds: 3600 },
    });
  });
});

describe("client IP", () => {
  it("comes from the trusted header only (CF-Connecting-IP behind Cloudflare), else is unknown", () => {
    const sent = new Request("http://x", { headers: { "CF-Connecting-IP": "203.0.113.7", "X-Forwarded-For": "198.51.100.1" } });
    expect(clientIp(sent, "cf-connecting-ip")).toBe("203.0.113.7");
    expect(clientIp(new Request("http://x"), "cf-connecting-ip")).toBe("unknown");
    // Not behind Cloudflare (local development): no header is believed, whatever the client wrote.
    expect(clientIp(sent, undefined)).toBe("unknown");
    expect(clientIp(sent, "")).toBe("unknown");
  });

  it("counts IPv4 as the address and IPv6 as its /64 network", () => {
    expect(ipSubject("203.0.113.7")).toBe("203.0.113.7");
    expect(ipSubject("2001:0DB8:0001:0002:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(ipSubject("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(ipSubject("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipSubject("::1")).toBe("0:0:0:0::/64");
    expect(ipSubject("1:2:3:4:5:6:192.0.2.1")).toBe("1:2:3:4::/64");
    expect(ipSubject("1:2:3::192.0.2.1")).toBe("1:2:3:0::/64");
    expect(ipSubject("::ffff:203.0.113.7")).toBe("203.0.113.7");
    // Not IPv6 after all: counted as written.
    expect(ipSubject("1::2::3")).toBe("1::2::3");
    expect(ipSubject("fe80::1%eth0")).toBe("fe80::1%eth0");
    expect(ipSubject("1:2:3:4:5:6:7:8:9")).toBe("1:2:3:4:5:6:7:8:9");
    expect(ipSubject("12345::1")).toBe("12345::1");
  });
});
