/**
 * What a form asks, and the rules of the office's form editor and of a family's answers. Each problem is
 * a catalog key, so the same rules answer in the reader's language.
 */
import type { Locale, MessageKey } from '../../i18n/index.js';
import { hasForbiddenCharacters } from '../forms.js';

export type FieldKind = 'checkbox' | 'text' | 'choice';
export const FIELD_KINDS: readonly FieldKind[] = ['checkbox', 'text', 'choice'];

export interface FormField {
  /** its name in the family's form: f1, f2 … */
  key: string;
  kind: FieldKind;
  label: { en: string; es: string };
  /** a checkbox that must be checked, an answer that must be given, a choice that must be made */
  required: boolean;
  /** a choice's options, in order */
  options: { en: string; es: string }[];
}

export type Answer = boolean | string;
export type Answers = Record<string, Answer>;

/** The editor's rows: a form has at most this many fields. */
export const MAX_FIELDS = 5;
export const MAX_OPTIONS = 10;
export const MAX_TITLE = 150;
export const MAX_BODY = 20_000;
export const MAX_LABEL = 300;
export const MAX_OPTION = 100;
/** a short answer */
export const MAX_ANSWER = 500;

export type Problems = Record<string, MessageKey>;

const text = (v: unknown): string => (typeof v === 'string' ? v.normalize('NFKC').trim() : '');

/** Text in the field's language, or the other one when it is missing. */
export function inLocale(pair: { en: string; es: string }, locale: Locale): string {
  return (locale === 'es' ? pair.es : pair.en) || pair.en || pair.es;
}

/**
 * The editor's field rows (`fieldN.kind`, `fieldN.labelEn`, `fieldN.labelEs`, `fieldN.options`: one
 * option a line, "English | Español", `fieldN.required`) → fields, or the problems per input name.
 * A row whose kind is empty is no field.
 */
export function parseFieldRows(body: Record<string, unknown>): { fields: FormField[]; problems: Problems } {
  const fields: FormField[] = [];
  const problems: Problems = {};
  for (let n = 1; n <= MAX_FIELDS; n++) {
    const p = `field${n}.`;
    const kind = body[`${p}kind`];
    if (kind === undefined || kind === '') continue;
    if (typeof kind !== 'string' || !(FIELD_KINDS as readonly string[]).includes(kind)) {
      problems[`${p}kind`] = 'form.invalid';
      continue;
    }
    const label = { en: text(body[`${p}labelEn`]), es: text(body[`${p}labelEs`]) };
    for (const [lang, value] of [['En', label.en], ['Es', label.es]] as const) {
      if (value === '') problems[`${p}label${lang}`] = 'form.required';
      else if (value.length > MAX_LABEL) problems[`${p}label${lang}`] = 'form.tooLong';
      else if (hasForbiddenCharacters(value)) problems[`${p}label${lang}`] = 'form.badCharacters';
    }
    const options: { en: string; es: string }[] = [];
    if (kind === 'choice') {
      const raw = typeof body[`${p}options`] === 'string' ? (body[`${p}options`] as string) : '';
      const lines = raw.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      for (const line of lines) {
        const [en = '', es = ''] = line.split('|').map((s) => s.normalize('NFKC').trim());
        options.push({ en, es: es || en });
      }
      if (options.length < 2) problems[`${p}options`] = 'forms.problem.twoOptions';
      else if (options.length > MAX_OPTIONS) problems[`${p}options`] = 'forms.problem.manyOptions';
      else if (options.some((o) => o.en === '' || o.en.length > MAX_OPTION || o.es.length > MAX_OPTION || hasForbiddenCharacters(o.en) || hasForbiddenCharacters(o.es)))
        problems[`${p}options`] = 'forms.problem.badOption';
    }
    fields.push({ key: `f${n}`, kind: kind as FieldKind, label, required: body[`${p}required`] === 'on' || body[`${p}required`] === '1', options });
  }
  return { fields, problems };
}

/** The editor's rows for fields already written (to show the form again). */
export function fieldRows(fields: readonly FormField[]): Record<string, string> {
  const rows: Record<string, string> = {};
  for (const f of fields) {
    const p = `field${f.key.slice(1)}.`;
    rows[`${p}kind`] = f.kind;
    rows[`${p}labelEn`] = f.label.en;
    rows[`${p}labelEs`] = f.label.es;
    rows[`${p}options`] = f.options.map((o) => `${o.en} | ${o.es}`).join('\n');
    if (f.required) rows[`${p}required`] = 'on';
  }
  return rows;
}

/**
 * A family's answers to the fields: a checkbox is "on" or absent; a short answer, text up to MAX_ANSWER;
 * a choice, the number of one of the options. Anything else is a problem of that field.
 */
export function parseAnswers(fields: readonly FormField[], body: Record<string, unknown>): { answers: Answers; problems: Problems } {
  const answers: Answers = {};
  const problems: Problems = {};
  for (const f of fields) {
    const raw = body[f.key];
    if (raw !== undefined && typeof raw !== 'string') {
      problems[f.key] = 'form.invalid';
      continue;
    }
    if (f.kind === 'checkbox') {
      if (raw !== undefined && raw !== 'on') problems[f.key] = 'form.invalid';
      else if (f.required && raw !== 'on') problems[f.key] = 'forms.problem.mustCheck';
      else answers[f.key] = raw === 'on';
    } else if (f.kind === 'text') {
      const value = (raw ?? '').normalize('NFKC').trim();
      if (f.required && value === '') problems[f.key] = 'form.required';
      else if (value.length > MAX_ANSWER) problems[f.key] = 'form.tooLong';
      else if (hasForbiddenCharacters(value, { lineBreaks: true })) problems[f.key] = 'form.badCharacters';
      else answers[f.key] = value;
    } else {
      const value = raw ?? '';
      if (value === '') {
        if (f.required) problems[f.key] = 'forms.problem.choose';
        else answers[f.key] = '';
      } else if (!/^\d{1,2}$/.test(value) || Number(value) >= f.options.length) problems[f.key] = 'forms.problem.notAnOption';
      else answers[f.key] = value;
    }
  }
  return { answers, problems };
}

/** An answer as a person reads it, in their language. */
export function answerText(field: FormField, answer: Answer | undefined, locale: Locale, yesNo: { yes: string; no: string; none: string }): string {
  if (field.kind === 'checkbox') return answer === true ? yesNo.yes : yesNo.no;
  if (field.kind === 'choice') {
    const option = typeof answer === 'string' && answer !== '' ? field.options[Number(answer)] : undefined;
    return option ? inLocale(option, locale) : yesNo.none;
  }
  return typeof answer === 'string' && answer !== '' ? answer : yesNo.none;
}
