/**
 * Who a message goes to. The composer's choice (sections, chosen students, a grade, a school, chosen
 * families, the whole district; their students, guardians or both) is checked against what the sender's
 * roles allow, and becomes an `Audience`, stored with the message as JSON. The people it names are
 * one query: the same select counts them for the composer's preview and feeds the delivery's
 * `insert … select`, so ~130,000 rows go in one statement per kind of person, on both engines.
 *
 * Guardians are reached only through portal links (access/guardian-links.ts), and not through a
 * student the district no longer shows them at 18 (people/visibility.ts's rule): a guardian without
 * portal rights to a student gets nothing about that student.
 */
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { DB, MessageSenderRole } from '../../db/schema.js';
import { portalLinks } from '../access/guardian-links.js';
import { counselorScope, officeScope, sectionsTaughtBy } from '../access/staff.js';
import { consentingAdults, refusingAdults } from './adult.js';

export const AUDIENCE_KINDS = ['sections', 'students', 'grade', 'school', 'families', 'district'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];
export const READERS = ['students', 'guardians', 'both'] as const;


export const audienceSchema = z.object({
  kind: z.enum(AUDIENCE_KINDS),
  readers: z.enum(READERS),
  sectionIds: z.array(z.number().int()).optional(),
  studentIds: z.array(z.number().int()).optional(),
  schoolId: z.number().int().optional(),
  grade: z.number().int().optional(),
});
export type Audience = z.output<typeof audienceSchema>;

/** The most people one message of a role may reach: more is refused with a field message. */
export const RECIPIENT_LIMITS: Record<Exclude<MessageSenderRole, 'guardian' | 'student'>, number> = {
  teacher: 1_000,
  counselor: 5_000,
  office: 25_000,
  district_admin: 1_000_000,
};

/** What a staff member may send to, from their roles and the sections they teach today. */
export interface SenderRights {
  staffId: number;
  sections: ReadonlySet<number>;
  /** schools of their office roles (office, school administrator) */
  officeSchools: ReadonlySet<number>;
  /** schools of their counselor roles */
  counselorSchools: ReadonlySet<number>;
  district: boolean;
}

export async function senderRights(db: Kysely<DB>, staffId: number, today: string): Promise<SenderRights> {
  const [sections, office, counselor] = await Promise.all([sectionsTaughtBy(db, staffId, today), officeScope(db, staffId), counselorScope(db, staffId)]);
  return { staffId, sections, officeSchools: office.schools, counselorSchools: counselor.schools, district: office.district };
}

/** Whether the person may send messages at all (who sees the composer). */
export function maySend(r: SenderRights): boolean {
  return r.sections.size > 0 || r.officeSchools.size > 0 || r.counselorSchools.size > 0 || r.district;
}

/** The audience kinds a sender may choose. */
export function kindsFor(r: SenderRights): AudienceKind[] {
  const kinds: AudienceKind[] = [];
  if (r.sections.size > 0) kinds.push('sections', 'students');
  if (r.officeSchools.size > 0 || r.counselorSchools.size > 0 || r.district) kinds.push('grade', 'school', 'families');
  if (r.district) kinds.push('district');
  return kinds;
}

/** The schools whose grades, students and families the sender reaches as office staff or counselor (all: null). */
export function schoolsFor(r: SenderRights): ReadonlySet<number> | null {
  return r.district ? null : new Set([...r.officeSchools, ...r.counselorSchools]);
}

/** The role a message to this kind of audience is sent as. */
export function roleFor(r: SenderRights, kind: AudienceKind): Exclude<MessageSenderRole, 'guardian' | 'student'> {
  if (kind === 'sections' || kind === 'students') return 'teacher';
  if (kind === 'district' || r.district) return 'district_admin';
  return r.officeSchools.size > 0 ? 'office' : 'counselor';
}

/** A message to these kinds is about the student each person is reached through. */
export function concernsStudent(kind: AudienceKind): boolean {
  return kind === 'sections' || kind === 'students' || kind === 'families';
}

const activeOn = (today: string) => (eb: any) => eb.and([eb('e.begin_date', '<=', today), eb.or([eb('e.end_date', 'is', null), eb('e.end_date', '>=', today)])]);

/** The students an audience is about (as `s`), enrolled and active; today decides section enrollment. */
function studentsOf(db: Kysely<DB>, a: Audience, today: string) {
  let q = db.selectFrom('students as s').where('s.enrollment_status', '=', 'active');
  const none = (ids: readonly number[] | undefined) => !ids || ids.length === 0;
  switch (a.kind) {
    case 'sections':
      if (none(a.sectionIds)) return q.where(sql<boolean>`1 = 0`);
      q = q.where('s.id', 'in', db.selectFrom('section_enrollments as e').select('e.student_id').where('e.section_id', 'in', a.sectionIds!).where(activeOn(today)));
      break;
    case 'students':
    case 'families':
      if (none(a.studentIds)) return q.where(sql<boolean>`1 = 0`);
      q = q.where('s.id', 'in', a.studentIds!);
      break;
    case 'grade':
      q = q.where('s.school_id', '=', a.schoolId ?? -1).where('s.grade_level', '=', a.grade ?? -1);
      break;
    case 'school':
      q = q.where('s.school_id', '=', a.schoolId ?? -1);
      break;
    case 'district':
      break;
  }
  return q;
}

const localeOf = (column: string) => sql<string>`case when ${sql.ref(column)} = 'es' then 'es' else 'en' end`;

/** One select per kind of person: (person_kind, person_id, student_id, locale), one row per person. */
export function recipientSelects(db: Kysely<DB>, a: Audience, today: string, adultBornOnOrBefore: string | null) {
  const selects = [];
  if (a.readers !== 'guardians') {
    selects.push(
      studentsOf(db, a, today).select([sql.lit('student').as('person_kind'), 's.id as person_id', 's.id as student_id', localeOf('s.preferred_language').as('locale')]),
    );
  }
  if (a.readers !== 'students') {
    // A student of 18 or older who answered decides for their guardians (adult.ts); until then, the district's rule.
    const students = studentsOf(db, a, today)
      .select('s.id')
      .$if(adultBornOnOrBefore !== null, (q) => q.where((eb) => eb.or([eb('s.birth_date', '>', adultBornOnOrBefore!), eb('s.id', 'in', consentingAdults(db))])))
      .$if(adultBornOnOrBefore === null, (q) => q.where('s.id', 'not in', refusingAdults(db)));
    selects.push(
      portalLinks(db)
        .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
        .where('sg.student_id', 'in', students)
        .groupBy('sg.guardian_id')
        .select([
          sql.lit('guardian').as('person_kind'),
          'sg.guardian_id as person_id',
          (eb) => eb.fn.min('sg.student_id').as('student_id'),
          sql<string>`case when max(g.preferred_language) = 'es' then 'es' else 'en' end`.as('locale'),
        ]),
    );
  }
  return selects;
}

export interface RecipientCount {
  total: number;
  en: number;
  es: number;
}

/** How many people an audience reaches, and in which languages: the composer's preview. */
export async function countRecipients(db: Kysely<DB>, a: Audience, today: string, adultBornOnOrBefore: string | null): Promise<RecipientCount> {
  const count: RecipientCount = { total: 0, en: 0, es: 0 };
  for (const select of recipientSelects(db, a, today, adultBornOnOrBefore)) {
    const rows = await db
      .selectFrom(select.as('x'))
      .select(['x.locale', (eb) => eb.fn.countAll().as('n')])
      .groupBy('x.locale')
      .execute();
    for (const r of rows) {
      const n = Number(r.n);
      count.total += n;
      if (r.locale === 'es') count.es += n;
      else count.en += n;
    }
  }
  return count;
}

/** Students (by number) the sender may name: in a section they teach today (teacher), or at their schools. */
export async function studentsByNumber(
  db: Kysely<DB>,
  numbers: readonly string[],
  within: { sections: ReadonlySet<number>; today: string } | { schools: ReadonlySet<number> | null },
): Promise<Map<string, number>> {
  if (numbers.length === 0) return new Map();
  let q = db.selectFrom('students as s').select(['s.id', 's.student_number']).where('s.student_number', 'in', [...numbers]).where('s.enrollment_status', '=', 'active');
  if ('sections' in within) {
    if (within.sections.size === 0) return new Map();
    q = q.where('s.id', 'in', db.selectFrom('section_enrollments as e').select('e.student_id').where('e.section_id', 'in', [...within.sections]).where(activeOn(within.today)));
  } else if (within.schools !== null) {
    if (within.schools.size === 0) return new Map();
    q = q.where('s.school_id', 'in', [...within.schools]);
  }
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.student_number, r.id]));
}

/** What the composer offers: the sections the sender teaches today, the schools their roles reach. */
export async function composerChoices(db: Kysely<DB>, r: SenderRights): Promise<{ sections: { id: number; label: string }[]; schools: { id: number; name: string }[] }> {
  const sections =
    r.sections.size === 0
      ? []
      : await db
          .selectFrom('sections as x')
          .innerJoin('courses as c', 'c.id', 'x.course_id')
          .select(['x.id', 'c.title', 'x.section_code'])
          .where('x.id', 'in', [...r.sections])
          .orderBy('c.title')
          .orderBy('x.section_code')
          .execute();
  const reach = schoolsFor(r);
  const schools =
    reach !== null && reach.size === 0
      ? []
      : await db
          .selectFrom('schools')
          .select(['id', 'name'])
          .$if(reach !== null, (q) => q.where('id', 'in', [...reach!]))
          .orderBy('name')
          .execute();
  return { sections: sections.map((s) => ({ id: s.id, label: `${s.title} (${s.section_code})` })), schools };
}
