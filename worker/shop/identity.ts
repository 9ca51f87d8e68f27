/**
 * Which contacts are "the same" (docs/api.md "Customers", "One person, one contact"): the key the shop's directory
 * keeps a contact under, for uniqueness and for the welcome bonus. The address as written (normalised,
 * contract/contacts.ts) is kept beside it for delivery. Worker-only: the widget's form only checks that a contact is
 * acceptable, so none of this is in its bundle.
 */
import { normalisePhone as acceptPhone } from "../../contract/contacts.ts";
import type { Channel } from "../../contract/public.ts";

/**
 * The country codes ITU-T E.164 assigns (Recommendation E.164 Annex, 2024), as a prefix test on the digits after
 * the `+`: codes are prefix-free, so the first match is the code. `+8 999 …` (code 89, unassigned) and the like are
 * refused rather than guessed.
 */
const COUNTRY_CODE = new RegExp(
  "^(?:1|7|2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58]" +
    "|21[12368]|2[2-46]\\d|25[0-8]|29[017-9]|35\\d|37\\d|38[0-35-79]|42[013]|50\\d|59\\d" +
    "|67[02-9]|68[0-35-9]|69[0-2]|80[08]|85[02356]|870|88[0-368]|96[0-8]|97[0-79]|99[1-68])",
);

/** A phone in E.164 with an assigned country code (+7: the Russian and Kazakh national rules), or null. */
export function normalisePhone(input: string): string | null {
  const phone = acceptPhone(input);
  return phone !== null && COUNTRY_CODE.test(phone.slice(1)) ? phone : null;
}

/**
 * Latin look-alikes of Cyrillic and Greek letters (lower case, after NFKC): an address that mixes them in (`аnna`
 * with a Cyrillic `а`) is the same identity as the all-Latin one. Each script's letters map to distinct Latin
 * letters, so two addresses of one script never meet by this map.
 */
const CONFUSABLES: Record<string, string> = {
  // Cyrillic
  а: "a", в: "b", с: "c", ԁ: "d", е: "e", н: "h", і: "i", ј: "j", к: "k", ӏ: "l", м: "m", о: "o", р: "p",
  ԛ: "q", ѕ: "s", т: "t", у: "y", ԝ: "w", х: "x",
  // Greek
  α: "a", β: "b", ε: "e", η: "n", ι: "i", κ: "k", ν: "v", ο: "o", ρ: "p", τ: "t", υ: "u", χ: "x", ω: "w",
};
const CONFUSABLE = new RegExp(`[${Object.keys(CONFUSABLES).join("")}]`, "gu");

/** Providers whose mailboxes ignore characters of the login: the canonical domain and what is dropped or unified. */
const GMAIL = new Set(["gmail.com", "googlemail.com"]);
const YANDEX = new Set(["yandex.ru", "ya.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua"]);

/**
 * The identity of a normalised e-mail: NFKC (fullwidth and compatibility forms), lower case, look-alike letters
 * mapped to Latin, the `+tag` dropped; Gmail (googlemail.com) without dots in the login; Yandex (its aliases
 * all yandex.ru) with `.` and `-` alike.
 */
export function emailIdentity(email: string): string {
  const skeleton = email.normalize("NFKC").toLowerCase().replace(CONFUSABLE, (c) => CONFUSABLES[c]!);
  const at = skeleton.lastIndexOf("@");
  let local = skeleton.slice(0, at);
  let domain = skeleton.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (GMAIL.has(domain)) {
    local = local.replaceAll(".", "") || local;
    domain = "gmail.com";
  } else if (YANDEX.has(domain)) {
    local = local.replaceAll(".", "-");
    domain = "yandex.ru";
  }
  return `${local}@${domain}`;
}

/** The identity of a normalised contact: a phone is its E.164 form; an e-mail, `emailIdentity`. */
export function contactIdentity(kind: Channel, normalised: string): string {
  return kind === "email" ? emailIdentity(normalised) : normalised;
}
