/**
 * Input rules shared by every form and the JSON API: each problem is a message key of the catalogs,
 * so the same schema answers in the reader's language wherever it is used.
 */
import { z } from 'zod';
import type { MessageKey } from '../i18n/index.js';
import { normalizeEmail } from './accounts/identity.js';

// Control characters other than tab and newlines never belong in a form field.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// Bidirectional controls: embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the
// marks (U+200E, U+200F, U+061C). Invisible, they change the order in which text is shown, so a name
// a stranger types could read otherwise to staff than it is stored ("Trojan Source").
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;

/**
 * Characters no free-text field takes: control characters (line breaks too unless `lineBreaks`) and
 * bidirectional controls. Passwords are never shown, so they only refuse control characters.
 */
/** The largest id a record can have (PostgreSQL's integer): a larger number names no record. */
export const MAX_ID = 2_147_483_647;

/** A record's id as typed in a form or an address ("42"), or null when it cannot be one. */
export function recordId(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) return null;
  const id = Number(value);
  return id >= 1 && id <= MAX_ID ? id : null;
}

export function hasForbiddenCharacters(value: string, { lineBreaks = false } = {}): boolean {
  return CONTROL.test(value) || BIDI.test(value) || (!lineBreaks && /[\r\n]/.test(value));
}

/** A missing field is "required"; a field of the wrong type (a list, an object) is "invalid". */
const stringField = () =>
  z.string({
    error: (issue) => (issue.input === undefined ? ('form.required' satisfies MessageKey) : ('form.invalid' satisfies MessageKey)),
  });

/** A required single-line text field, trimmed. */
export function requiredText(max: number) {
  return stringField()
    .transform((v) => v.normalize('NFKC').trim())
    .pipe(
      z
        .string()
        .min(1, 'form.required' satisfies MessageKey)
        .max(max, 'form.tooLong' satisfies MessageKey)
        .refine((v) => !hasForbiddenCharacters(v), 'form.badCharacters' satisfies MessageKey),
    );
}

/** An optional single-line text field: empty or missing becomes null. */
export function optionalText(max: number) {
  return z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .optional()
    .transform((v) => (v ?? '').normalize('NFKC').trim())
    .pipe(
      z
        .string()
        .max(max, 'form.tooLong' satisfies MessageKey)
        .refine((v) => !hasForbiddenCharacters(v), 'form.badCharacters' satisfies MessageKey),
    )
    .transform((v) => (v === '' ? null : v));
}

/** An optional text area: line breaks kept (as \n), other control characters refused; empty becomes null. */
export function optionalLongText(max: number) {
  return z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .optional()
    .transform((v) => (v ?? '').normalize('NFKC').replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .max(max, 'form.tooLong' satisfies MessageKey)
        .refine((v) => !hasForbiddenCharacters(v, { lineBreaks: true }), 'form.badCharacters' satisfies MessageKey),
    )
    .transform((v) => (v === '' ? null : v));
}

/** An optional email address: empty or missing becomes null; otherwise trimmed, lower-cased, valid. */
export function optionalEmail() {
  return optionalText(254).pipe(
    z
      .string()
      .transform(normalizeEmail)
      .pipe(z.email({ message: 'email.invalid' satisfies MessageKey }))
      .nullable(),
  );
}

/** A group of checkboxes sharing one name: none, one (a string) or several (a list) of the allowed values. */
export function checkboxGroup<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .union([z.enum(values), z.array(z.enum(values)).max(values.length)], { error: 'form.invalid' satisfies MessageKey })
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? [...new Set(v)] : [v]));
}

/** A password field: never trimmed or altered, only bounded. */
export function passwordField(max = 1024) {
  return stringField()
    .min(1, 'form.required' satisfies MessageKey)
    .max(max, 'form.tooLong' satisfies MessageKey)
    .refine((v) => !CONTROL.test(v), 'form.badCharacters' satisfies MessageKey);
}

/**
 * A password field that some forms do not show (the current password during a forced change, the
 * password in the first-sign-in setup): missing or empty is undefined, and the domain decides whether
 * it was needed; when given, bounded like passwordField.
 */
export function optionalPasswordField(max = 1024) {
  return z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .max(max, 'form.tooLong' satisfies MessageKey)
    .refine((v) => !CONTROL.test(v), 'form.badCharacters' satisfies MessageKey)
    .optional()
    .transform((v) => (v === '' ? undefined : v));
}

/** An HTML checkbox: present ('on') or absent. */
export const checkbox = z
  .union([z.literal('on'), z.literal('true'), z.literal('1')])
  .optional()
  .transform((v) => v !== undefined);

export type FieldErrors = Record<string, MessageKey>;

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/** Parses a form body; every problem becomes a message key on its field (the first one per field). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? '_form');
    const key = /^(form|password|email|pin|activate|staffKeys|links|request|changes|contacts|staffAccounts|auditLog|messages|push|records)\./.test(issue.message) ? issue.message : 'form.invalid';
    errors[field] ??= key as MessageKey;
  }
  return { ok: false, errors };
}

/** An email address as people type it: trimmed, lower-cased, 254 characters at most. */
export function emailField() {
  return requiredText(254).pipe(
    z
      .string()
      .transform(normalizeEmail)
      .pipe(z.email({ message: 'email.invalid' satisfies MessageKey })),
  );
}
