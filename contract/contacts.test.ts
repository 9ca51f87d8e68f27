/**
 * The contract's contact rules are the Worker's: the same answer for every way of writing a phone or an e-mail
 * (until the Worker imports them from here, this keeps the two copies equal).
 */
import { describe, expect, test } from "vitest";
import * as worker from "../worker/shop/contacts.ts";
import * as contract from "./contacts.ts";

const PHONES = [
  "+7 999 123-45-67", "8 (999) 123-45-67", "79991234567", "9991234567", "+79991234567", "+7 (299) 123-45-67",
  "+44 20 7946 0958", "+1 415 555 2671", "+0 123 456 789", "20 7946 0958", "123", "", "  ", "+", "phone",
  "+7 999 123 45 67 ext 1", "8-999-123-45-6", "+7999123456789", "+12345678901234567", "(999) 123.45.67",
];
const EMAILS = [
  "anna@example.com", " Anna@Example.COM ", "anna@example", "anna@@example.com", "anna example@example.com",
  "anna@example.ru\u0000", "an\u200bna@example.ru", "a@b.c", "@example.com", "anna@.com", "anna@example..com",
  `${"a".repeat(250)}@e.ru`, `${"a".repeat(240)}@example.com`, "",
];

describe("contract/contacts.ts agrees with the Worker's normalisers", () => {
  test.each(PHONES)("phone %j", (input) => {
    expect(contract.normalisePhone(input)).toBe(worker.normalisePhone(input));
    expect(contract.normaliseContact.phone(input)).toBe(worker.normaliseContact.phone(input));
  });
  test.each(EMAILS)("e-mail %j", (input) => {
    expect(contract.normaliseEmail(input)).toBe(worker.normaliseEmail(input));
    expect(contract.normaliseContact.email(input)).toBe(worker.normaliseContact.email(input));
  });
  test("the same e-mail length limit", () => {
    expect(contract.MAX_EMAIL_LENGTH).toBe(worker.MAX_EMAIL_LENGTH);
  });
});
