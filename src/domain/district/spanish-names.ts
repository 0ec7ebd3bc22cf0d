/**
 * The Spanish names a district keeps beside its own (issue 23, ADR 0043 and its addendum): the titles of
 * its school years, terms and grading periods, the descriptions of its attendance codes and the names of
 * its vaccines. District administrators type them on one page (/admin/spanish-names), one form per kind
 * of record, saved whole in one transaction with one audit entry naming what changed. A field left empty
 * is no Spanish name (families see the district's); a field of only spaces, a name too long or with
 * characters no form takes is refused at its field and nothing is written. Calendar day notes are the
 * office's, written by the calendar days service (src/domain/calendar/days.ts) with the same rule.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';
import { audit } from '../audit/service.js';
import { hasForbiddenCharacters, type FieldErrors } from '../forms.js';
import { forgetTerms } from '../scheduling/schedule.js';

export const NAME_KINDS = ['sessions', 'codes', 'vaccines'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

export function isNameKind(value: unknown): value is NameKind {
  return typeof value === 'string' && (NAME_KINDS as readonly string[]).includes(value);
}

/** The longest Spanish name a field takes. */
export const SPANISH_NAME_MAX = 120;

/**
 * A Spanish name as typed: empty or missing is null (the district's name shows); only spaces, too long
 * or forbidden characters are refused with the field's message.
 */
export function spanishNameField(max = SPANISH_NAME_MAX) {
  return z
    .string({ error: 'form.invalid' satisfies MessageKey })
    .optional()
    .transform((v) => (v ?? '').normalize('NFKC'))
    .refine((v) => v === '' || v.trim() !== '', 'form.onlySpaces' satisfies MessageKey)
    .transform((v) => v.trim())
    .pipe(
      z
        .string()
        .max(max, 'form.tooLong' satisfies MessageKey)
        .refine((v) => !hasForbiddenCharacters(v), 'form.badCharacters' satisfies MessageKey),
    )
    .transform((v) => (v === '' ? null : v));
}

/** One record of a kind: its id, the district's name, the Spanish one, and what tells it apart. */
export interface NameLine {
  id: number;
  base: string;
  es: string | null;
  /** sessions: the session's type and dates and school year; codes: the code; vaccines: the code */
  detail: { code?: string; type?: string; start?: string; end?: string; schoolYear?: number };
}

/** At most this many records of a kind are listed (a district's sessions over many years stay well under). */
const MAX_LINES = 400;

/** The records of a kind with their names, in the order a district thinks of them. */
export async function namesOf(db: Kysely<DB>, kind: NameKind): Promise<NameLine[]> {
  if (kind === 'sessions') {
    const rows = await db
      .selectFrom('academic_sessions')
      .select(['id', 'title', 'title_es', 'type', 'start_date', 'end_date', 'school_year'])
      .orderBy('school_year', 'desc')
      .orderBy('start_date')
      .orderBy('end_date', 'desc')
      .orderBy('id')
      .limit(MAX_LINES)
      .execute();
    return rows.map((r) => ({ id: r.id, base: r.title, es: r.title_es, detail: { type: r.type, start: r.start_date, end: r.end_date, schoolYear: r.school_year } }));
  }
  if (kind === 'codes') {
    const rows = await db.selectFrom('attendance_codes').select(['id', 'code', 'description', 'description_es']).orderBy('code').orderBy('id').limit(MAX_LINES).execute();
    return rows.map((r) => ({ id: r.id, base: r.description, es: r.description_es, detail: { code: r.code } }));
  }
  const rows = await db.selectFrom('vaccines').select(['id', 'code', 'name', 'name_es']).orderBy('name').orderBy('id').limit(MAX_LINES).execute();
  return rows.map((r) => ({ id: r.id, base: r.name, es: r.name_es, detail: { code: r.code } }));
}

/** The form's field of a record. */
export function nameField(id: number): string {
  return `es-${id}`;
}

export type SaveNames = { kind: 'saved'; changed: number } | { kind: 'refused'; errors: FieldErrors };

/**
 * Saves the Spanish names of one kind of record from a form (`es-<id>` per record). A record whose field
 * is not in the form keeps its name; a record that is not there any more is ignored. All or nothing: one
 * refused field writes nothing. Unchanged names write nothing and audit nothing.
 */
export async function saveSpanishNames(db: Kysely<DB>, input: { kind: NameKind; body: Record<string, unknown>; actorAccountId: number; ip: string | null }, now: Date): Promise<SaveNames> {
  const field = spanishNameField();
  return db.transaction().execute(async (trx): Promise<SaveNames> => {
    const lines = await namesOf(trx, input.kind);
    const errors: FieldErrors = {};
    const changes: { id: number; base: string; before: string | null; after: string | null }[] = [];
    for (const line of lines) {
      const name = nameField(line.id);
      if (!(name in input.body)) continue;
      const parsed = field.safeParse(input.body[name]);
      if (!parsed.success) {
        errors[name] = (parsed.error.issues[0]?.message ?? 'form.invalid') as MessageKey;
        continue;
      }
      if (parsed.data !== line.es) changes.push({ id: line.id, base: line.base, before: line.es, after: parsed.data });
    }
    if (Object.keys(errors).length > 0) return { kind: 'refused', errors };
    if (changes.length === 0) return { kind: 'saved', changed: 0 };
    for (const c of changes) {
      if (input.kind === 'sessions') await trx.updateTable('academic_sessions').set({ title_es: c.after, updated_at: now.toISOString(), updated_by: input.actorAccountId }).where('id', '=', c.id).execute();
      else if (input.kind === 'codes') await trx.updateTable('attendance_codes').set({ description_es: c.after }).where('id', '=', c.id).execute();
      else await trx.updateTable('vaccines').set({ name_es: c.after }).where('id', '=', c.id).execute();
    }
    await audit(trx, { action: 'district.spanish_names_changed', actorAccountId: input.actorAccountId, subjectType: 'district', subjectId: null, ip: input.ip, details: { kind: input.kind, changes } }, now);
    return { kind: 'saved', changed: changes.length };
  }).then((result) => {
    // Terms are cached half a minute per process: this process shows the new names at once.
    if (result.kind === 'saved' && result.changed > 0 && input.kind === 'sessions') forgetTerms(db);
    return result;
  });
}
