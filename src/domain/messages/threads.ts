/**
 * A teacher's reply threads grouped by section (issue 21, ADR 0042): each thread a family member started
 * under one of the teacher's messages, in the section of the teacher's that its student is in (the
 * sections the message was sent to first, else any section the teacher teaches or taught), with its
 * unread count. Only threads under the teacher's own messages, received by the teacher: the same rows
 * the inbox reads, so nothing here is another teacher's.
 */
import type { Kysely } from 'kysely';
import type { DB, PersonKind } from '../../db/schema.js';
import { audienceSchema } from './audience.js';
import { inLanguage } from './service.js';

/** The most recent replies read to build the page: a teacher's year of threads is far fewer. */
const REPLIES_READ = 5_000;

export interface ThreadLine {
  rootId: number;
  subject: string;
  personKind: PersonKind;
  personName: string;
  /** the latest message of the thread the teacher received: where the link opens */
  latestId: number;
  latestAt: string;
  unread: number;
}

export interface SectionThreads {
  /** null: the student is in none of the teacher's sections (any more) */
  sectionId: number | null;
  label: string | null;
  threads: ThreadLine[];
  unread: number;
}

/** The threads under the account's messages, by section (sections by course title, then "other"), newest thread first. */
export async function threadsBySection(db: Kysely<DB>, staffId: number, accountId: number, locale: string): Promise<SectionThreads[]> {
  const rows = await db
    .selectFrom('message_recipients as r')
    .innerJoin('messages as m', 'm.id', 'r.message_id')
    .innerJoin('messages as root', 'root.id', 'm.thread_root_id')
    .leftJoin('guardians as g', (j) => j.onRef('g.id', '=', 'm.thread_person_id').on('m.thread_person_kind', '=', 'guardian'))
    .leftJoin('students as s', (j) => j.onRef('s.id', '=', 'm.thread_person_id').on('m.thread_person_kind', '=', 'student'))
    .select(['m.id', 'm.sent_at', 'm.thread_root_id', 'm.thread_person_kind', 'm.thread_person_id', 'r.read_at', 'r.student_id', 'root.audience', 'root.subject_en', 'root.subject_es', 'g.first_name', 'g.last_name', 's.preferred_first_name', 's.legal_first_name', 's.legal_last_name'])
    .where('r.person_kind', '=', 'staff')
    .where('r.person_id', '=', staffId)
    .where('root.sender_account_id', '=', accountId)
    .orderBy('m.id', 'desc')
    .limit(REPLIES_READ)
    .execute();
  if (rows.length === 0) return [];

  // Each thread once (the newest reply first), with its unread count, its student and the sections it was sent to.
  const threads = new Map<string, ThreadLine & { studentId: number | null; sentTo: number[] }>();
  for (const r of rows) {
    const key = `${r.thread_root_id}:${r.thread_person_kind}:${r.thread_person_id}`;
    const had = threads.get(key);
    if (had) {
      if (r.read_at === null) had.unread += 1;
      continue;
    }
    const name = r.thread_person_kind === 'guardian' ? `${r.first_name ?? ''} ${r.last_name ?? ''}` : `${r.preferred_first_name ?? r.legal_first_name ?? ''} ${r.legal_last_name ?? ''}`;
    const audience = audienceSchema.safeParse(JSON.parse(r.audience));
    threads.set(key, {
      rootId: r.thread_root_id!,
      subject: inLanguage(r, locale).subject,
      personKind: r.thread_person_kind!,
      personName: name.trim(),
      latestId: r.id,
      latestAt: r.sent_at ?? '',
      unread: r.read_at === null ? 1 : 0,
      studentId: r.student_id,
      sentTo: audience.success && audience.data.kind === 'sections' ? (audience.data.sectionIds ?? []) : [],
    });
  }

  // The teacher's sections and which of their students are in them.
  const sections = await db
    .selectFrom('section_teachers as t')
    .innerJoin('sections as x', 'x.id', 't.section_id')
    .innerJoin('courses as c', 'c.id', 'x.course_id')
    .select(['x.id', 'c.title', 'x.section_code'])
    .where('t.staff_id', '=', staffId)
    .distinct()
    .orderBy('c.title')
    .orderBy('x.section_code')
    .execute();
  const students = [...new Set([...threads.values()].map((t) => t.studentId).filter((id): id is number => id !== null))];
  const enrolled = new Set<string>();
  if (sections.length > 0 && students.length > 0) {
    for (let i = 0; i < students.length; i += 1_000) {
      const part = await db
        .selectFrom('section_enrollments')
        .select(['section_id', 'student_id'])
        .where('section_id', 'in', sections.map((x) => x.id))
        .where('student_id', 'in', students.slice(i, i + 1_000))
        .execute();
      for (const e of part) enrolled.add(`${e.section_id}:${e.student_id}`);
    }
  }

  const groups = new Map<number | null, SectionThreads>(sections.map((x) => [x.id, { sectionId: x.id, label: `${x.title} (${x.section_code})`, threads: [], unread: 0 }]));
  const other: SectionThreads = { sectionId: null, label: null, threads: [], unread: 0 };
  for (const t of threads.values()) {
    const inSection = (id: number) => t.studentId !== null && enrolled.has(`${id}:${t.studentId}`);
    const sectionId = t.sentTo.find(inSection) ?? sections.find((x) => inSection(x.id))?.id ?? null;
    const group = (sectionId === null ? other : groups.get(sectionId)) ?? other;
    const { studentId: _s, sentTo: _t, ...line } = t;
    group.threads.push(line);
    group.unread += t.unread;
  }
  return [...groups.values(), other].filter((g) => g.threads.length > 0);
}
