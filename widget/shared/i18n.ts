/**
 * Russian and English. The language is the element's `lang`, else the closest ancestor's, else the document's;
 * anything that is not Russian is English. Plural forms come from Intl.PluralRules ("1 балл, 2 балла,
 * 5 баллов"), money from Intl.NumberFormat in the program's currency, dates in the program's time zone.
 */
import { en, type Messages } from "./messages-en.ts";
import { ru } from "./messages-ru.ts";

export type Lang = "ru" | "en";
export type { Messages };

const MESSAGES: Record<Lang, Messages> = { ru, en };

/** The language an element should speak, from its own `lang` or the closest ancestor's, through shadow roots. */
export function langOf(element: Element): Lang {
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element && node.hasAttribute("lang")) return normalizeLang(node.getAttribute("lang")!);
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null);
  }
  return normalizeLang(document.documentElement.lang || navigator.language || "ru");
}

export function normalizeLang(tag: string): Lang {
  return tag.toLowerCase().startsWith("ru") ? "ru" : "en";
}

/** Everything a view needs to speak one language about one program. */
export class Locale {
  readonly lang: Lang;
  readonly m: Messages;
  private readonly locale: string;
  private readonly plurals: Intl.PluralRules;
  private readonly numbers: Intl.NumberFormat;
  private readonly currency: string;
  private readonly minorDigits: number;
  private readonly timeZone: string | undefined;

  constructor(lang: Lang, currency = "RUB", timeZone?: string) {
    this.lang = lang;
    this.m = MESSAGES[lang];
    this.locale = lang === "ru" ? "ru-RU" : "en-GB";
    this.plurals = new Intl.PluralRules(this.locale);
    this.numbers = new Intl.NumberFormat(this.locale);
    this.currency = currency;
    this.minorDigits = minorDigits(currency);
    this.timeZone = validTimeZone(timeZone);
  }

  /** "1 балл", "2 балла", "5 баллов", "1 point", "2 points". */
  points(n: number): string {
    return `${this.numbers.format(n)}\u00a0${this.pointsWord(n)}`;
  }

  /** The word alone, in the form that agrees with `n`. */
  pointsWord(n: number): string {
    const forms = this.m.pointForms;
    return forms[this.plurals.select(n) as keyof typeof forms] ?? forms.other;
  }

  number(n: number): string {
    return this.numbers.format(n);
  }

  /** Money given in minor units, e.g. 150000 → "1 500 ₽" / "₽1,500"; kopecks shown only when there are any. */
  money(minor: number): string {
    const scale = 10 ** this.minorDigits;
    const whole = minor % scale === 0;
    return new Intl.NumberFormat(this.locale, {
      style: "currency",
      currency: this.currency,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: whole ? 0 : this.minorDigits,
      maximumFractionDigits: whole ? 0 : this.minorDigits,
    }).format(minor / scale);
  }

  /** A rate in basis points as a percentage: 1000 → "10 %" / "10%". */
  percent(bps: number): string {
    return new Intl.NumberFormat(this.locale, { style: "percent", maximumFractionDigits: 2 }).format(bps / 10000);
  }

  /** An RFC 3339 instant as a date in the program's time zone: "23 ноября 2026 г." / "23 November 2026". */
  date(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const options: Intl.DateTimeFormatOptions = { day: "numeric", month: "long", year: "numeric" };
    if (this.timeZone) options.timeZone = this.timeZone;
    return new Intl.DateTimeFormat(this.locale, options).format(date);
  }
}

function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

function validTimeZone(timeZone: string | undefined): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}

const langListeners = new Set<() => void>();
let langObserver: MutationObserver | null = null;

/** Calls `listener` whenever the document's `lang` changes (a storefront's language switch); returns the unsubscribe. */
export function watchDocumentLang(listener: () => void): () => void {
  langListeners.add(listener);
  if (!langObserver) {
    langObserver = new MutationObserver(() => langListeners.forEach((l) => l()));
    langObserver.observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  }
  return () => langListeners.delete(listener);
}
