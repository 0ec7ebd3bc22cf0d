/**
 * Text a notice carries in both languages (an announcement's title, a form's title and due date):
 * stored once in the entry's parameters as `name@en` and `name@es`, and read as `name` in the reader's
 * language — or in the other one when the reader's is empty (ADR 0049). Every other parameter is as it was.
 */
import { LOCALES, type Locale } from '../../i18n/index.js';

type Params = Record<string, string | number>;

/** The parameters `name@en` and `name@es` of a text written in both languages. */
export function bothLanguages(name: string, text: Record<Locale, string>): Params {
  return Object.fromEntries(LOCALES.map((l) => [`${name}@${l}`, text[l]]));
}

/** The parameters as a reader of `locale` reads them: `name@<locale>` as `name`, else the other language's. */
export function inReaderLanguage(locale: Locale, params: Params): Params {
  const out: Params = {};
  const fallback: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    const at = key.lastIndexOf('@');
    if (at <= 0) {
      out[key] = value;
      continue;
    }
    const name = key.slice(0, at);
    if (value === '') continue;
    if (key.slice(at + 1) === locale) out[name] = value;
    else fallback[name] ??= value;
  }
  for (const [name, value] of Object.entries(fallback)) out[name] ??= value;
  return out;
}
