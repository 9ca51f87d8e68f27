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

// ---- dates ---------------------------------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthDays = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

/** A real calendar date `YYYY-MM-DD` in years `min`…`max`, leap days included (29 February of a leap year). */
export const realDate = (min: number, max: number) =>
  fc.record({ y: fc.integer({ min, max }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 31 }), leapDay: fc.boolean() })
    .map(({ y, m, d, leapDay }) => {
      if (leapDay) {
        // The nearest leap year at or after y (within the range when it has one).
        let year = y;
        while (!isLeap(year) && year < max) year++;
        if (isLeap(year)) return `${pad(year, 4)}-02-29`;
      }
      return `${pad(y, 4)}-${pad(m, 2)}-${pad(Math.min(d, monthDays(y, m)), 2)}`;
    });

/** Dates that are no calendar's: 29 February of common years (1900, 2100 and 0100 among them), day 0, month 13. */
export const notARealDate = fc.oneof(
  fc.constantFrom("1900-02-29", "2100-02-29", "0100-02-29", "0001-02-29", "2023-02-29", "2030-02-29", "1990-04-31", "1990-00-10", "1990-13-01", "0000-00-00", "1990-01-32"),
  fc.integer({ min: 0, max: 9999 }).filter((y) => !isLeap(y)).map((y) => `${pad(y, 4)}-02-29`),
);

/**
 * Real dates no birthday may be at `today` (`YYYY-MM-DD`, the latest date on Earth): years 0000–0099 (which
 * JavaScript's Date constructors read as 1900–1999), anything before 1900-01-01, anything after today, 9999.
 */
export const outOfRangeBirthday = (today: string) => {
  const year = Number(today.slice(0, 4));
  return fc.oneof(
    realDate(0, 99),
    realDate(100, 1899),
    realDate(year + 1, 9999),
    fc.constantFrom("0000-01-01", "0000-02-29", "0004-02-29", "0090-05-17", "0099-12-31", "1899-12-31", "9999-12-31"),
    // The days just after today.
    fc.integer({ min: 1, max: 400 }).map((days) => new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)),
  );
};

const time = fc.record({ h: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }), s: fc.integer({ min: 0, max: 59 }), frac: fc.option(fc.integer({ min: 0, max: 999_999_999 }), { nil: undefined }) })
  .map(({ h, mi, s, frac }) => `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}${frac === undefined ? "" : `.${pad(frac, 9)}`}`);
const offset = fc.oneof(fc.constant("Z"), fc.record({ sign: fc.constantFrom("+", "-"), h: fc.integer({ min: 0, max: 14 }), m: fc.constantFrom(0, 30, 45) })
  .map(({ sign, h, m }) => `${sign}${pad(h, 2)}:${pad(m, 2)}`));

/**
 * Well-formed RFC 3339 instants of real dates outside a receipt's range (2000-01-01T00:00:00Z inclusive to
 * 2100-01-01T00:00:00Z exclusive): years 0000–0099, the rest before 2000, 2100–9999, leap days, and instants
 * whose local date is inside but whose UTC instant is not (the offset carries them across).
 */
export const outOfRangeInstant = fc.oneof(
  fc.tuple(fc.oneof(realDate(0, 99), realDate(100, 1998), realDate(2101, 9999)), time, offset).map(([d, t, o]) => `${d}T${t}${o}`),
  fc.constantFrom(
    "0000-01-01T00:00:00Z", "0000-02-29T12:00:00+03:00", "0050-03-01T10:00:00Z", "0099-12-31T23:59:59-12:00", "1999-12-31T23:59:59.999999999Z",
    "2000-01-01T00:59:59+01:00", "2000-01-01T13:59:59+14:00", "2100-01-01T00:00:00Z", "2099-12-31T23:00:00-01:00", "2099-12-31T12:00:00-12:00",
    "2100-02-28T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999999999-12:00",
  ),
);

/** Instants whose date is no calendar's (29 February 2100, 1900, 0100…), otherwise well-formed. */
export const notARealInstant = fc.tuple(notARealDate, time, offset).map(([d, t, o]) => `${d}T${t}${o}`);

// ---- sizes ---------------------------------------------------------------------------------------------------

const SAFE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:";
/** Exactly `n` ASCII characters, varied by `seed` (unique per seed). */
const filler = (seed: string, n: number) => (seed + "-" + SAFE.repeat(Math.ceil(n / SAFE.length))).slice(0, n);

/**
 * Receipts at the limits that are too large to store as an order: 1 000 lines (the maximum) with 190–200
 * character ids and skus and two categories of 180–200 characters each, prices and quantities whose sum stays
 * within 10^13 — under the 1 MiB body limit, but the receipt, its evaluation and its book together exceed
 * LIMITS.orderBytes (1 800 000 bytes). Quotes and orders must refuse them naming `lines`, changing nothing.
 */
export const tooLargeToStore = fc.record({
  idLength: fc.integer({ min: 190, max: 200 }),
  categoryLength: fc.integer({ min: 180, max: 200 }),
  qty: fc.constantFrom(1, 7, 1000, 1_000_000),
  salt: fc.string({ unit: fc.constantFrom(...SAFE), minLength: 1, maxLength: 6 }),
}).map(({ idLength, categoryLength, qty, salt }) => {
  const price = Math.floor(1e13 / 1000 / qty);
  return Array.from({ length: 1000 }, (_, i) => ({
    id: filler(`${salt}${i}`, idLength),
    sku: filler(`s${salt}${i}`, idLength),
    categories: [filler(`a${i}`, categoryLength), filler(`b${i}`, categoryLength)],
    price,
    qty,
  }));
});

/**
 * Lines within every per-line limit (prices up to 10^12) whose subtotal (Σ price × qty) is just over 10^13:
 * 10^13 + 1 … 10^13 + 10^6, over 10 to 1 000 lines. Refused naming `lines`.
 */
export const subtotalJustOver = fc.record({ lines: fc.integer({ min: 10, max: 1000 }), over: fc.integer({ min: 1, max: 1_000_000 }) })
  .map(({ lines, over }) => {
    // Lines of 10^12 (the price limit) at qty 1 … 10^6, then one line carrying the rest.
    const total = 10n ** 13n + BigInt(over);
    const out: { id: string; price: number; qty: number }[] = [];
    let left = total;
    for (let i = 0; i < lines - 1 && left > 0n; i++) {
      const qty = BigInt(Math.max(1, Math.floor(10 / lines)));
      const amount = 10n ** 12n * qty > left ? left : 10n ** 12n * qty;
      const price = amount / qty;
      out.push({ id: `l${i}`, price: Number(price), qty: Number(qty) });
      left -= price * qty;
    }
    // What is left, as up to qty 10^6 units of at most 10^12.
    while (left > 0n) {
      const qty = left > 10n ** 12n ? (left / 10n ** 12n > 1_000_000n ? 1_000_000n : left / 10n ** 12n) : 1n;
      const price = left / qty > 10n ** 12n ? 10n ** 12n : left / qty;
      out.push({ id: `r${out.length}`, price: Number(price), qty: Number(qty) });
      left -= price * qty;
    }
    return out;
  })
  .filter((lines) => lines.length <= 1000);
