/**
 * Hostile values for the fuzz suites (tools/fuzz/harness.ts): wrong types, huge and NaN-like numbers, fractional
 * money, deep nesting, long and unicode strings, SQL-looking strings, prototype keys. Each generator produces only
 * values its field must refuse, so every case built from them has one right answer: a 4xx naming that field.
 */
import fc from "fast-check";

/** JSON text spliced into a body as is: `-0`, `1e309` (Infinity once parsed), 5,000 levels of nesting. */
export class Raw {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** How a counterexample shows it: 5,000 levels of nesting would bury the report. */
  [fc.toStringMethod](): string {
    return this.text.length <= 80 ? `Raw(${JSON.stringify(this.text)})` : `Raw(${JSON.stringify(this.text.slice(0, 40))}… ${this.text.length} chars)`;
  }
}

/** JSON of a value that may hold `Raw` pieces; own `__proto__` keys survive (they are plain entries here). */
export function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([key, v]) => `${JSON.stringify(key)}:${toJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** An object from entries, with `__proto__` as an own key rather than the prototype. */
export function objectOf(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

const nested = (depth: number, open: string, leaf: string, close: string) => new Raw(open.repeat(depth) + leaf + close.repeat(depth));

/** 1,000 to 5,000 levels of arrays or objects, or an array holding them. */
export const deepNesting = fc.oneof(
  fc.integer({ min: 1000, max: 5000 }).map((d) => nested(d, "[", "", "]")),
  fc.integer({ min: 1000, max: 5000 }).map((d) => nested(d, '{"a":', "1", "}")),
  fc.constant(nested(5000, "[", "", "]")),
  fc.constant(nested(5000, '[{"__proto__":', "null", "}]")),
);

/** Strings a careless backend mishandles. Some are fine text: fields take them only where they are invalid. */
export const NASTY_STRINGS = [
  "NaN", "Infinity", "-Infinity", "1e308", "-0", "null", "undefined", "true", "0x1F", "1_000", "١٢٣",
  "__proto__", "constructor", "prototype", "hasOwnProperty", "toString",
  "' OR '1'='1", "1; DROP TABLE accounts; --", "\"; DELETE FROM orders; --", "' UNION SELECT * FROM sqlite_master --",
  "Robert'); DROP TABLE Students;--", "%00", "%s%s%n", "${7*7}", "{{7*7}}", "<script>alert(1)</script>",
  "../../etc/passwd", "\\", "\"", "\r\n", "\u0000", "a\u0000b", "\u202eRTL override\u202c", "שלום עולם", "مرحبا بالعالم",
  "👨‍👩‍👧‍👦", "🏳️‍🌈🇷🇺", "Z̸̢̧a̷l̶g̴o̵", "ＡＢＣ１２３", "\uFEFFbom", "\u2028\u2029", "\u200b", " ", "\t",
] as const;

const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u));

/** Any text: curated nasties, random code units (lone surrogates included), full unicode. */
export const anyText = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
);

/** Text with at least one unpaired surrogate (half of a UTF-16 pair): not Unicode, never storable as sent. */
export const loneSurrogateText = fc
  .tuple(fc.string({ maxLength: 10 }), fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"), fc.string({ maxLength: 10 }))
  .map(([a, s, b]) => a + s + (b.charCodeAt(0) >= 0xdc00 && b.charCodeAt(0) <= 0xdfff ? `x${b}` : b));

/** Text longer than `max` UTF-16 code units, made of nasty pieces (emoji, RTL, SQL…). */
export const tooLong = (max: number) =>
  fc.constantFrom(...NASTY_STRINGS).filter((s) => s.length > 0).map((s) => s.repeat(Math.ceil((max + 1) / s.length) + 1));

/** Numbers no integer field with sane limits takes: ±1e308, 2^53+1, Infinity, fractions, tiny denormals. */
export const hugeOrFractional = fc.oneof(
  fc.constantFrom<unknown>(
    1e308, -1e308, Number.MAX_VALUE, 2 ** 53 + 1, -(2 ** 53 + 1), 2 ** 63, 1e16, -1e16, 5e-324, 0.1, 1.5, 99.99, -0.5,
    new Raw("1e309"), new Raw("-1e309"), new Raw("9007199254740993"), new Raw("1E400"), new Raw("123456789012345678901234567890"),
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
);

/** Strings that look like numbers to a lax parser. */
export const numberLikeString = fc.oneof(
  fc.constantFrom("NaN", "Infinity", "-Infinity", "1e308", "-0", "0", "1", "100", "0x10", "1_000", "١٢٣", "", " 5 ", "5 OR 1=1"),
  fc.integer().map(String),
);

/** Prototype-poisoning objects. */
export const protoObject = fc.constantFrom<unknown>(
  new Raw('{"__proto__":{"isAdmin":true}}'),
  new Raw('{"constructor":{"prototype":{"polluted":1}}}'),
  objectOf([["__proto__", { points: 1e9 }], ["toString", "x"]]),
);

/** Anything that is not a string. */
export const notAString = fc.oneof(
  fc.constantFrom<unknown>(true, false, 0, -0, 42, [], {}, ["x"], { value: "x" }),
  hugeOrFractional,
  deepNesting,
  protoObject,
);

/** Anything that is not a number. */
export const notANumber = fc.oneof(
  fc.constantFrom<unknown>(true, false, [], {}, [1], { value: 1 }),
  numberLikeString,
  anyText,
  deepNesting,
  protoObject,
);

/** An integer field between `min` and `max`: everything it must refuse. */
export const badInt = (min: number, max: number, nullable = false) =>
  fc.oneof(
    notANumber,
    hugeOrFractional.filter((n) => !(typeof n === "number" && Number.isInteger(n) && n >= min && n <= max)),
    fc.constantFrom<unknown>(min - 1, max + 1, min + 0.5),
    ...(nullable ? [] : [fc.constant<unknown>(null)]),
  );

/** A string field of `min`..`max` characters. */
export const badText = (max: number, options: { min?: number; nullable?: boolean } = {}) =>
  fc.oneof(
    notAString,
    tooLong(max),
    loneSurrogateText,
    ...((options.min ?? 1) > 0 ? [fc.constant<unknown>("")] : []),
    ...(options.nullable ? [] : [fc.constant<unknown>(null)]),
  );

/** Keys a strict object must refuse as unknown. */
export const unknownKey = (known: readonly string[]) =>
  fc
    .oneof(
      fc.constantFrom("__proto__", "constructor", "prototype", "toString", "valueOf", "isAdmin", "balance", "shopId", "' OR 1=1 --", "", "a.b", "lines[0]", "💥"),
      fc.string({ maxLength: 12 }),
    )
    .filter((key) => !known.includes(key));

/** Values of any type for an unknown key. */
export const anyValue = fc.oneof(fc.constantFrom<unknown>(null, 1, "x", true, [], {}), anyText, hugeOrFractional, protoObject);

/** A history page's `limit` that is not an integer from 1 to 100 (both history endpoints). */
export const badHistoryLimit = fc.oneof(
  fc.constantFrom("NaN", "Infinity", "-Infinity", "1e308", "-0", "0", "101", "1.5", "", "abc", "' OR 1=1 --", "9007199254740993", "-1", "1e3"),
  anyText,
).filter((s) => {
  const n = Number(s);
  return !(Number.isInteger(n) && n >= 1 && n <= 100);
});

/** A history `cursor` the API never gave (its cursors are `<at>.<id>`). */
export const badHistoryCursor = fc.oneof(anyText, tooLong(64), fc.constantFrom("1", "1.", ".1", "a.b", "1.2.3", "NaN.NaN", "' OR 1=1 --", "1e3.1", "99999999999999999.1"))
  .filter((s) => s !== "" && !/^(-?\d{1,16})\.(\d{1,16})$/.test(s));
