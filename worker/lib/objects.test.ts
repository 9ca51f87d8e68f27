import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { objectByName } from "./objects.ts";

describe("objectByName", () => {
  it("reaches the object getByName reaches, deriving each name's id once per namespace", async () => {
    const name = `shop-x:customer-${Math.random().toString(36).slice(2)}`;
    const first = objectByName(env.CUSTOMER_ACCOUNT, name);
    const again = objectByName(env.CUSTOMER_ACCOUNT, name);
    expect(first.id.toString()).toBe(env.CUSTOMER_ACCOUNT.idFromName(name).toString());
    expect(again.id).toBe(first.id); // the remembered id, not a new derivation
    expect(objectByName(env.SHOP, name).id.toString()).toBe(env.SHOP.idFromName(name).toString());
    expect(objectByName(env.SHOP, name).id.toString()).not.toBe(first.id.toString());
    // The stub works: a fresh account answers its (empty) account view.
    const view = await first.getAccount(Date.UTC(2030, 0, 1));
    expect(view).toMatchObject({ ok: true, value: { balance: 0 } });
  });
});
