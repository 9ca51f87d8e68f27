/** The local demo shop's seeding (`npm start`): its storefront origins come from configuration, never a request. */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { demoOrigins } from "./seed.ts";

describe("the demo shop", () => {
  it("allows the configured port's origins only: the Host of the first request is not added", async () => {
    // The first request of this isolate seeds the demo shop; it comes with a Host of the client's choosing.
    const first = await exports.default.fetch(new Request("http://evil.example/v1/program", {
      headers: { authorization: `Bearer ${env.DEMO_SECRET_KEY}`, host: "evil.example" },
    }));
    expect(first.status).toBe(200);
    const settings = await exports.default.fetch(new Request("http://kopilka.test/v1/shop", {
      headers: { authorization: `Bearer ${env.DEMO_SECRET_KEY}` },
    }));
    const { origins } = (await settings.json()) as { origins: string[] };
    expect(origins).toEqual(["http://127.0.0.1:8787", "http://localhost:8787"]);
    expect(origins.join()).not.toContain("evil");
  });

  it("takes a port's origins from DEMO_ORIGINS, as npm start passes them", () => {
    const configured = { ...env, DEMO_ORIGINS: "http://127.0.0.1:9000, http://localhost:9000" } as Env;
    expect(demoOrigins(configured)).toEqual(["http://127.0.0.1:9000", "http://localhost:9000"]);
    expect(demoOrigins(env)).toEqual(["http://127.0.0.1:8787", "http://localhost:8787"]);
  });
});
