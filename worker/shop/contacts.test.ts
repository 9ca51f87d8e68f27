import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate, schemaVersion } from "../lib/sql.ts";
import { emailIdentity, normaliseEmail, normalisePhone } from "./contacts.ts";
import { normalisePhone as acceptPhone } from "../../contract/contacts.ts";
import { rekeyContacts } from "./directory.ts";
import { SHOP_MIGRATIONS } from "./shop-sql.ts";
import { shopObject } from "./shop.ts";

/** The caller's clock for Shop methods that take one. */
const T_NOW = Date.parse("2026-11-23T07:15:00Z");

const shop = () => shopObject(env, crypto.randomUUID().replaceAll("-", "").slice(0, 16));
const nothingGiven = { phone: false, email: false };

describe("normalisePhone", () => {
  it.each([
    ["8 (999) 123-45-67", "+79991234567"],
    ["+7 999 123 45 67", "+79991234567"],
    ["+7 (999) 123-45-67", "+79991234567"],
    ["9991234567", "+79991234567"],
    ["79991234567", "+79991234567"],
    ["89991234567", "+79991234567"],
    ["+79991234567", "+79991234567"],
    ["  8-495-123-45-67 ", "+74951234567"],
    ["999.123.45.67", "+79991234567"],
    ["+7 701 123 4567", "+77011234567"], // Kazakhstan shares +7
    ["+44 20 7946 0958", "+442079460958"],
    ["+1 (415) 555-2671", "+14155552671"],
    ["+380 44 123 4567", "+380441234567"],
    ["+49 30 1234567", "+49301234567"],
  ])("%j → %s", (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
    expect(normalisePhone(expected)).toBe(expected); // idempotent
  });

  it.each([
    [""],
    ["+"],
    ["12345"],
    ["999123456"], // 9 digits
    ["99912345678"], // 11 digits not starting 7 or 8
    ["0991234567"], // no Russian code starts with 0
    ["1991234567"],
    ["+7 999 123 45 6"], // +7 needs 10 more digits
    ["+7 999 123 45 678"],
    ["+7 199 123 45 67"],
    ["89991234567 ext 2"],
    ["+0 999 123 4567"],
    ["+1234567"], // too short for any country
    ["+1234567890123456"], // 16 digits: longer than E.164
    ["++79991234567"],
    ["7+9991234567"],
    ["8 (999) 123-45-67 / 8"],
    ["phone"],
    ["0079991234567"], // international prefixes are not guessed
  ])("refuses %j", (input) => {
    expect(normalisePhone(input)).toBeNull();
  });
});

describe("normaliseEmail", () => {
  it.each([
    ["anna@example.com", "anna@example.com"],
    ["  Anna.Petrova@Example.COM ", "anna.petrova@example.com"],
    ["a+tag@mail.example.ru", "a+tag@mail.example.ru"],
  ])("%j → %s", (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([[""], ["anna"], ["anna@"], ["@example.com"], ["anna@example"], ["an na@example.com"], ["anna@@example.com"], ["anna@example..com"], ["anna@.example.com"], [`${"a".repeat(250)}@example.com`]])(
    "refuses %j",
    (input) => {
      expect(normaliseEmail(input)).toBeNull();
    },
  );
});

describe("normalisePhone: assigned country codes only", () => {
  it.each(["+8 999 123-45-67", "+89991234567", "+83 123 456 789", "+28 123 456 789", "+259 123 4567", "+999 123 4567", "+384 12 345 678"])(
    "refuses %j (the form's looser check takes it; the Worker does not)",
    (input) => {
      expect(acceptPhone(input)).not.toBeNull();
      expect(normalisePhone(input)).toBeNull();
    },
  );

  it.each(["+81 3 1234 5678", "+86 10 1234 5678", "+852 1234 5678", "+880 1712 345678", "+998 90 123 45 67", "+375 29 123 45 67", "+7 701 123 4567"])(
    "takes %j",
    (input) => {
      expect(normalisePhone(input)).toBe(`+${input.replace(/\D/g, "")}`);
    },
  );
});

describe("emailIdentity", () => {
  it.each([
    ["anna.petrova@gmail.com", "annapetrova@gmail.com"],
    ["a.n.n.a.petrova+shop@googlemail.com", "annapetrova@gmail.com"],
    ["ivan.petrov@yandex.ru", "ivan-petrov@yandex.ru"],
    ["ivan-petrov+x@ya.ru", "ivan-petrov@yandex.ru"],
    ["ivan.petrov@yandex.com", "ivan-petrov@yandex.ru"],
    ["ivan.petrov@yandex.by", "ivan-petrov@yandex.ru"],
    ["ivan.petrov@yandex.kz", "ivan-petrov@yandex.ru"],
    ["ivan.petrov@yandex.ua", "ivan-petrov@yandex.ru"],
    ["olga.k+promo@example.ru", "olga.k@example.ru"], // dots matter elsewhere; tags do not
    ["\u043elga@example.ru", "olga@example.ru"], // Cyrillic о
    ["\u03bflga@example.ru", "olga@example.ru"], // Greek ο
    ["\uff4flga@example.ru", "olga@example.ru"], // fullwidth ｏ
    ["+tag@example.ru", "+tag@example.ru"], // a login that is all tag keeps it
    ["анна@почта.рф", "ahha@пoчta.pф"], // an all-Cyrillic address: one script, distinct letters stay distinct
  ])("%j → %s", (input, expected) => {
    expect(emailIdentity(input)).toBe(expected);
    expect(emailIdentity(expected)).toBe(emailIdentity(input));
  });
});

describe("Shop contact directory", () => {
  it("migration 2 adds the directory to a shop at version 1, keeping its orders", async () => {
    const stub = shop();
    await stub.indexOrder("o1", "c1", 1);
    await runInDurableObject(stub, (_shop, state) => {
      // Back to version 1 as deployed before the directory existed.
      state.storage.sql.exec("DROP TABLE customers; DROP TABLE contacts; DROP TABLE welcome_given; DROP INDEX orders_by_customer;");
      state.storage.sql.exec("UPDATE schema_version SET version = 1");
      migrate(state.storage, SHOP_MIGRATIONS.slice(0, 2));
      expect(schemaVersion(state.storage)).toBe(2);
    });
    expect(await stub.hasCustomer("c1")).toBe(true);
    await runInDurableObject(stub, (_shop, state) => {
      state.storage.sql.exec("INSERT INTO contacts (kind, value, customer_id, claimed_at) VALUES ('phone', '+79991234567', 'c2', 1)");
    });
  });

  it("migration 6 keys contacts by identity, keeping each as its address; unverified widget claims yield", async () => {
    const stub = shop();
    await stub.indexOrder("o1", "c1", 1);
    await runInDurableObject(stub, (_shop, state) => {
      const sql = state.storage.sql;
      // Back to version 5: the contacts table as it was.
      sql.exec("DROP TABLE contacts; DROP TABLE contacts_rekey");
      sql.exec(`CREATE TABLE contacts (kind TEXT NOT NULL, value TEXT NOT NULL, customer_id TEXT NOT NULL, claimed_at INTEGER NOT NULL,
        PRIMARY KEY (kind, value)); CREATE UNIQUE INDEX contacts_by_customer ON contacts (customer_id, kind);`);
      sql.exec("UPDATE schema_version SET version = 5");
      sql.exec("INSERT INTO customers (customer_id, created_at, consent_at) VALUES ('backend', 1, NULL), ('widget', 1, 1), ('verified', 1, 1)");
      sql.exec(`INSERT INTO contacts (kind, value, customer_id, claimed_at) VALUES
        ('phone', '+79990000001', 'backend', 1), ('phone', '+79990000002', 'widget', 2), ('phone', '+79990000003', 'verified', 3),
        ('email', 'a.b@gmail.com', 'widget', 2), ('email', 'ab@gmail.com', 'backend', 1), ('email', 'x.y+z@gmail.com', 'verified', 3)`);
      sql.exec("INSERT INTO welcome_given (kind, value, customer_id, given_at) VALUES ('email', 'c.d+e@gmail.com', 'gone', 1)");
      sql.exec(`INSERT INTO verifications (customer_id, channel, contact, code_hash, expires_at, attempts, sent_at, verified_at)
        VALUES ('verified', 'phone', '+79990000003', 'h', 1, 0, 1, 1)`);
      migrate(state.storage, SHOP_MIGRATIONS.slice(0, 6)); // version 7 (referral orders) is already in place
      rekeyContacts(state.storage); // what the object's next start does
      rekeyContacts(state.storage); // and only once
      expect(schemaVersion(state.storage)).toBe(6);
      expect(sql.exec("SELECT customer_id, kind, value, address, held, yields FROM contacts ORDER BY customer_id, kind").toArray()).toEqual([
        { customer_id: "backend", kind: "email", value: "ab@gmail.com", address: "ab@gmail.com", held: 1, yields: 0 },
        { customer_id: "backend", kind: "phone", value: "+79990000001", address: "+79990000001", held: 1, yields: 0 },
        { customer_id: "verified", kind: "email", value: "xy@gmail.com", address: "x.y+z@gmail.com", held: 1, yields: 1 },
        { customer_id: "verified", kind: "phone", value: "+79990000003", address: "+79990000003", held: 1, yields: 0 },
        // Its identity is backend's: the old key stays.
        { customer_id: "widget", kind: "email", value: "a.b@gmail.com", address: "a.b@gmail.com", held: 1, yields: 1 },
        { customer_id: "widget", kind: "phone", value: "+79990000002", address: "+79990000002", held: 1, yields: 1 },
      ]);
      expect(sql.exec("SELECT value FROM welcome_given ORDER BY value").toArray()).toEqual([{ value: "c.d+e@gmail.com" }, { value: "cd@gmail.com" }]);
    });
    expect(await stub.findCustomer({ email: "X.Y@googlemail.com" })).toBe("verified");
    // The customer whose identity was taken keeps its address on an update; another variant of it is refused.
    expect(await stub.claimContacts({ customerId: "widget", phone: "+79990000002", email: "a.b@gmail.com" }, T_NOW)).toMatchObject({ ok: true });
    expect(await stub.claimContacts({ customerId: "widget", phone: "+79990000002", email: "a.b+1@gmail.com" }, T_NOW)).toMatchObject({
      ok: false, field: "email", reason: "taken",
    });
    expect(await stub.findCustomer({ phone: "+79990000001" })).toBe("backend");
  });

  it("with `welcome`, a new customer's unmarked contacts become theirs in the same step; a returning one's do not", async () => {
    const stub = shop();
    expect(await stub.claimContacts({ customerId: "c1", phone: "+79991112233", email: null, welcome: true }, T_NOW)).toEqual({
      ok: true, welcomeGiven: nothingGiven, welcomeMine: true, newCustomer: true,
    });
    // The same customer again (a retry): still theirs, no longer new.
    expect(await stub.claimContacts({ customerId: "c1", phone: "+79991112233", email: null, welcome: true }, T_NOW)).toMatchObject({
      welcomeMine: true, newCustomer: false,
    });
    // An existing customer adding a contact on an update: nothing marked.
    expect(await stub.claimContacts({ customerId: "c1", phone: "+79991112233", email: "c1@example.com", welcome: true }, T_NOW)).toMatchObject({
      welcomeMine: true, welcomeGiven: { phone: true, email: false },
    });
    await stub.claimContacts({ customerId: "c1", phone: null, email: null }, T_NOW);
    // A new customer with a contact whose welcome went to someone else: not theirs.
    expect(await stub.claimContacts({ customerId: "c2", phone: "+79991112233", email: "c2@example.com", welcome: true }, T_NOW)).toEqual({
      ok: true, welcomeGiven: { phone: true, email: false }, welcomeMine: false, newCustomer: true,
    });
  });

  it("claims contacts, normalised, and finds the customer by either form", async () => {
    const stub = shop();
    expect(await stub.claimContacts({ customerId: "c1", phone: "8 (999) 123-45-67", email: " Anna@Example.com" }, T_NOW)).toEqual({
      ok: true,
      welcomeGiven: nothingGiven,
      welcomeMine: false,
      newCustomer: true,
    });
    expect(await stub.findCustomer({ phone: "+79991234567" })).toBe("c1");
    expect(await stub.findCustomer({ phone: "9991234567" })).toBe("c1");
    expect(await stub.findCustomer({ email: "anna@example.com" })).toBe("c1");
    expect(await stub.findCustomer({ email: "other@example.com" })).toBeNull();
    expect(await stub.findCustomer({ phone: "not a phone" })).toBeNull();
  });

  it("refuses a contact another customer holds, naming it, and changes nothing", async () => {
    const stub = shop();
    await stub.claimContacts({ customerId: "c1", phone: "+79991234567", email: "a@example.com" }, T_NOW);
    expect(await stub.claimContacts({ customerId: "c2", phone: "89991234567", email: "b@example.com" }, T_NOW)).toEqual({ ok: false, field: "phone", reason: "taken" });
    expect(await stub.claimContacts({ customerId: "c2", phone: "+79990000000", email: "A@example.com" }, T_NOW)).toEqual({ ok: false, field: "email", reason: "taken" });
    // Neither refused claim recorded anything for c2.
    expect(await stub.findCustomer({ email: "b@example.com" })).toBeNull();
    expect(await stub.findCustomer({ phone: "+79990000000" })).toBeNull();
    expect(await stub.hasCustomer("c2")).toBe(false);
  });

  it("a customer re-claiming its own contacts is fine; changing or dropping one releases the old", async () => {
    const stub = shop();
    const claim = { customerId: "c1", phone: "+79991234567", email: "a@example.com" };
    await stub.claimContacts(claim, T_NOW);
    expect(await stub.claimContacts(claim, T_NOW)).toMatchObject({ ok: true });
    await stub.claimContacts({ ...claim, phone: "+79990000000", email: null }, T_NOW);
    expect(await stub.findCustomer({ phone: "+79991234567" })).toBeNull();
    expect(await stub.findCustomer({ email: "a@example.com" })).toBeNull();
    expect(await stub.findCustomer({ phone: "+79990000000" })).toBe("c1");
    expect(await stub.claimContacts({ customerId: "c2", phone: "+79991234567", email: "a@example.com" }, T_NOW)).toMatchObject({ ok: true });
    expect(await stub.findCustomer({ phone: "+79991234567" })).toBe("c2");
  });

  it("remembers welcome bonuses per contact for ever, even after the contact moves", async () => {
    const stub = shop();
    await stub.claimContacts({ customerId: "c1", phone: "+79991234567", email: "a@example.com" }, T_NOW);
    expect(await stub.markWelcomeGiven({ customerId: "c1", phone: "+79991234567", email: "a@example.com" }, T_NOW)).toEqual({ marked: true });
    await stub.claimContacts({ customerId: "c1", phone: null, email: null }, T_NOW);
    expect(await stub.claimContacts({ customerId: "c2", phone: "89991234567", email: null }, T_NOW)).toEqual({
      ok: true,
      welcomeGiven: { phone: true, email: false },
      welcomeMine: false,
      newCustomer: true,
    });
    expect(await stub.claimContacts({ customerId: "c3", phone: "+79990000000", email: "A@Example.com" }, T_NOW)).toEqual({
      ok: true,
      welcomeGiven: { phone: false, email: true },
      welcomeMine: false,
      newCustomer: true,
    });
  });

  it("markWelcomeGiven is a test-and-set: any contact already given marks nothing", async () => {
    const stub = shop();
    expect(await stub.markWelcomeGiven({ customerId: "c1", phone: "+79991234567", email: null }, T_NOW)).toEqual({ marked: true });
    expect(await stub.markWelcomeGiven({ customerId: "c2", phone: "+79991234567", email: "b@example.com" }, T_NOW)).toEqual({ marked: false });
    // b@ was not marked by the refused call.
    expect(await stub.markWelcomeGiven({ customerId: "c3", email: "b@example.com" }, T_NOW)).toEqual({ marked: true });
    // No contacts at all: nothing to mark, nothing to refuse.
    expect(await stub.markWelcomeGiven({ customerId: "c4" }, T_NOW)).toEqual({ marked: true });
  });

  it("hasCustomer: created through a claim, or named by an order", async () => {
    const stub = shop();
    expect(await stub.hasCustomer("c1")).toBe(false);
    await stub.claimContacts({ customerId: "c1", phone: null, email: null }, T_NOW);
    expect(await stub.hasCustomer("c1")).toBe(true);
    await stub.indexOrder("o1", "c2", 1);
    expect(await stub.hasCustomer("c2")).toBe(true);
    expect(await stub.hasCustomer("c3")).toBe(false);
  });

  it("contacts are per shop", async () => {
    const [a, b] = [shop(), shop()];
    await a.claimContacts({ customerId: "c1", phone: "+79991234567", email: "a@example.com" }, T_NOW);
    await a.markWelcomeGiven({ customerId: "c1", phone: "+79991234567", email: "a@example.com" }, T_NOW);
    expect(await b.findCustomer({ phone: "+79991234567" })).toBeNull();
    expect(await b.claimContacts({ customerId: "c9", phone: "+79991234567", email: "a@example.com" }, T_NOW)).toEqual({ ok: true, welcomeGiven: nothingGiven, welcomeMine: false, newCustomer: true });
  });

  it("a malformed contact is refused as invalid, nothing recorded or marked", async () => {
    const stub = shop();
    expect(await stub.claimContacts({ customerId: "c1", phone: "+79991234567", email: "nope" }, T_NOW)).toEqual({ ok: false, field: "email", reason: "invalid" });
    expect(await stub.hasCustomer("c1")).toBe(false);
    expect(await stub.findCustomer({ phone: "+79991234567" })).toBeNull();
    expect(await stub.markWelcomeGiven({ customerId: "c1", phone: "+79991234567", email: "nope" }, T_NOW)).toEqual({ marked: false });
    expect(await stub.markWelcomeGiven({ customerId: "c1", phone: "+79991234567" }, T_NOW)).toEqual({ marked: true });
  });
});
