/**
 * Typed message catalogs: a key that is not in en.ts does not compile, and es.ts must have every key.
 * Values are plain text; views escape them when rendering. A value fills `{name}` placeholders; one
 * whose wording depends on a number says so in ICU MessageFormat —
 * `{minutes, plural, one {# minute} other {# minutes}}` — and is formatted by intl-messageformat, which
 * chooses the form with the language's own plural rules (`Intl.PluralRules`) and writes `#` as a
 * number of that language (ADR 0005).
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { en, type MessageKey } from './en.js';
import { es } from './es.js';
import { localeTag } from './format.js';

export const LOCALES = ['en', 'es'] as const;
export type Locale = (typeof LOCALES)[number];
export type { MessageKey };
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

export const catalogs: Record<Locale, Record<MessageKey, string>> = { en, es };

export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Messages in ICU form, parsed once per language and key. */
const formats = new Map<string, IntlMessageFormat>();
const ICU = /\{\s*\w+\s*,\s*(plural|select|selectordinal)\s*,/;

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const template = catalogs[locale][key];
  if (ICU.test(template)) {
    const id = `${locale}\u0000${key}`;
    let format = formats.get(id);
    if (!format) {
      // ignoreTag: catalog text is plain text, never markup
      format = new IntlMessageFormat(template, localeTag(locale), undefined, { ignoreTag: true });
      formats.set(id, format);
    }
    // A message given too few values stays visible as written (a mistake to see, not a page to break).
    if (!placeholders(template).every((name) => params !== undefined && Object.hasOwn(params, name))) return template;
    return String(format.format(params));
  }
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

/** The best locale for an Accept-Language header, or undefined when none of ours is wanted. */
export function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((r) => r.trim()).find((r) => r.startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return ranked.map((x) => x.lang).find(isLocale);
}

/** The placeholders of a message (simple or ICU plural/select arguments), each once, for checking that translations keep them. */
export function placeholders(message: string): string[] {
  return [...new Set([...message.matchAll(/\{\s*(\w+)\s*[},]/g)].map((m) => m[1] as string))].sort();
}
