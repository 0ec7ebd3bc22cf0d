/**
 * A form to sign (issue 22, ADR 0049): when the office publishes a form (signed-forms/service.ts), a job
 * of its own — queued in the transaction that publishes it, as a message's email job is — tells every
 * guardian with a portal link to a student it concerns (its school's active students, of its grade
 * when it has one; the district's end of access at 18 included) once, through notifications/direct.ts:
 * their channels, quiet hours, digest and time zone; the form's title (and due date) in their language.
 * The entry is about one of their children it concerns and opens that child's form; a guardian of two
 * such children gets one entry (the To Do list shows each child's form). Students sign nothing: they
 * are not told. Nothing when the district hides the Forms tool.
 *
 * Exactly once: the entries, deliveries and the job's end are one transaction, and each entry's key is
 * unique per person (`form:<id>`): a job run again adds nothing.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../../db/schema.js';
import { formatCalendarDate } from '../../i18n/format.js';
import { LOCALES, type Locale } from '../../i18n/index.js';
import { portalLinks } from '../access/guardian-links.js';
import { localDate } from '../calendar/dates.js';
import { getDistrictProfile } from '../district/service.js';
import { adultCutoff } from '../district/settings.js';
import { notifyDirect } from './direct.js';
import { bothLanguages } from './localized.js';

export const FORM_NOTICE_JOB = 'notifications.form';
export const formNoticePayload = z.object({ formId: z.number().int().positive() });

/** The job's work, with its end (`finish`) in the same transaction; returns the entries written. */
export async function notifyFormToSign(db: Kysely<DB>, formId: number, now: Date, finish: (trx: Kysely<DB>) => Promise<void>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const written = await tellForm(trx, formId, now);
    await finish(trx);
    return written;
  });
}

async function tellForm(trx: Kysely<DB>, formId: number, now: Date): Promise<number> {
  const district = await getDistrictProfile(trx);
  if (!district.settings.tools.forms) return 0;
  const form = await trx
    .selectFrom('signed_forms as f')
    .innerJoin('schools as s', 's.id', 'f.school_id')
    .select(['f.school_id', 'f.grade_level', 'f.title_en', 'f.title_es', 'f.due_date', 'f.status', 's.name as school'])
    .where('f.id', '=', formId)
    .executeTakeFirst();
  if (!form || form.status !== 'published') return 0;
  const cutoff = adultCutoff(district.settings, localDate(now, district.timeZone));
  // Each guardian once, about the first of their children the form concerns.
  const audience = trx
    .selectFrom('user_accounts as ua')
    .innerJoin(portalLinks(trx).select(['sg.guardian_id', 'sg.student_id']).as('l'), 'l.guardian_id', 'ua.guardian_id')
    .innerJoin('students as st', 'st.id', 'l.student_id')
    .where('ua.person_kind', '=', 'guardian')
    .where('st.school_id', '=', form.school_id)
    .where('st.enrollment_status', '=', 'active')
    .$if(form.grade_level !== null, (q) => q.where('st.grade_level', '=', form.grade_level!))
    .$if(cutoff !== null, (q) => q.where('st.birth_date', '>', cutoff!))
    .groupBy('ua.id')
    .select(['ua.id as account_id', (eb) => eb.fn.min<number | null>('st.id').as('student_id')]);
  const due = form.due_date ? bothLanguages('due', Object.fromEntries(LOCALES.map((l) => [l, formatCalendarDate(form.due_date!, l)])) as Record<Locale, string>) : { due: 'none' };
  return notifyDirect(
    trx,
    audience,
    {
      kind: 'form',
      source: String(formId),
      params: { ...bothLanguages('title', { en: form.title_en, es: form.title_es }), school: form.school, ...due },
      url: sql<string>`'/students/' || cast(a.student_id as text) || ${`/forms/${formId}`}`,
    },
    now,
  );
}
