/**
 * To Do (issue 21, ADR 0033): one list of what a student (or, for a guardian, each child) still has to
 * do, each item linking to where it is done. Nothing is stored: every source computes its items from the
 * records as they are now, so an item that is done leaves the list by itself.
 *
 * Sources plug in here: a source is `(db, reader, now) => TodoItem[]` for the students the reader may
 * read (the proofs of access/portal.ts). The assignment sources are built here; others (messages that
 * ask for an answer, forms waiting for a signature) add their function to `TODO_SOURCES`.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import type { PortalReader, ReadableStudent } from '../access/portal.js';
import { addDays } from '../calendar/dates.js';
import { gradesOf } from '../gradebook/grades.js';
import { toolUrl } from '../portal/tools.js';
import { DUE_SOON_DAYS } from '../portal/today.js';
import { todoItemsForMessages, type MessageReader, type ReaderAccount } from '../messages/service.js';
import { todoItemsForForms } from '../signed-forms/service.js';
import { FEE_DUE_SOON_DAYS, todoItemsForFees } from '../fees/service.js';
import { getDistrictProfile } from '../district/service.js';

export interface TodoItem {
  /** what kind of thing is to do: 'assignmentDue', 'assignmentMissing', … (a catalog key `todo.kind.<kind>`) */
  kind: string;
  title: string;
  /** where it is done */
  url: string;
  /** the day it is due, in the district's zone; null when it has no date */
  due: string | null;
  /** the student it concerns; null when it concerns the reader themself */
  studentId: number | null;
}

/** Who a source answers for: the signed-in reader, the students they may read, and the district's today. */
export interface TodoReader {
  /** the signed-in account (its person, and its language for the items' titles) */
  reader: PortalReader & ReaderAccount & { locale: string | null };
  students: readonly ReadableStudent[];
  today: DateString;
  /**
   * The request's one message reader, the header's and Home's (`messageReaderOf` in the web layer): the
   * district's end of access at 18 and the answers of students of 18 or older included; null when the
   * reader has no Messages (the district hides the tool), and then no message is on the list.
   */
  messages: MessageReader | null;
  /**
   * The list across every student the reader reads (`students` is all of them, the /todo page), rather
   * than one student's page: then the messages the message reader reaches about a student outside them —
   * an adult child who lets their guardians read messages about them (messages/adult.ts), counted in the
   * header — are listed too, under the child's name, and nothing else about that child.
   */
  acrossStudents?: boolean;
}

export type TodoSource = (db: Kysely<DB>, reader: TodoReader, now: Date) => Promise<TodoItem[]>;

/**
 * Assignments due from today through the next 7 days that have nothing entered yet (no points, not
 * marked missing, not exempt) and assignments marked missing that were due by today — the same two
 * lists as Today's "Due soon" and the missing work of "Needs attention" (flags as the portal shows them,
 * ADR 0025), so the two never disagree. Only published assignments reach a family (gradesOf).
 */
export const assignmentSources: TodoSource = async (db, { students, today }) => {
  const until = addDays(today, DUE_SOON_DAYS);
  const items: TodoItem[] = [];
  for (const student of students) {
    const grades = await gradesOf(db, student, today);
    for (const c of grades.classes) {
      for (const a of c.assignments) {
        const url = toolUrl(student.id, 'grades', a.sectionId);
        const title = `${a.title} · ${c.class.courseTitle}`;
        if (a.missing && a.due <= today) items.push({ kind: 'assignmentMissing', title, url, due: a.due, studentId: student.id });
        else if (a.due >= today && a.due <= until && a.points === null && !a.missing && !a.exempt) items.push({ kind: 'assignmentDue', title, url, due: a.due, studentId: student.id });
      }
    }
  }
  return items;
};

/** Unread messages that ask for an answer (the Message Center), read as the header counts them: each leaves the list once read. */
const messageSource: TodoSource = async (db, { reader, messages }, now) => (messages ? todoItemsForMessages(db, messages, now, reader.locale ?? 'en') : []);

/** Forms waiting for this guardian's signature, per child (forms signed with the PIN). */
const formSource: TodoSource = (db, { reader }, now) => todoItemsForForms(db, reader, now);

/** Required fees still unpaid, past or near their due date, per child (Payments). */
const feeSource: TodoSource = async (db, { reader, students, today }) => {
  const district = await getDistrictProfile(db);
  if (!district.settings.tools.payments) return [];
  const locale = reader.locale === 'es' || (reader.locale !== 'en' && district.locale === 'es') ? 'es' : 'en';
  return todoItemsForFees(db, students, addDays(today, FEE_DUE_SOON_DAYS), locale);
};

/** Every source of the list. */
export const TODO_SOURCES: readonly TodoSource[] = [assignmentSources, messageSource, formSource, feeSource];

/** Whom a group is about: a student the reader reads, or an adult child whose messages only the reader reads (the name). */
export type TodoStudent = Pick<ReadableStudent, 'id' | 'firstName' | 'lastName'>;

export interface TodoGroup {
  /** null: items about the reader themself */
  student: TodoStudent | null;
  items: TodoItem[];
}

/**
 * The reader's list, grouped by student in the order of their students (then the adult children whose
 * messages only they read, by name), each group's items by due day (undated last).
 */
export async function todoListOf(db: Kysely<DB>, reader: TodoReader, now: Date, sources: readonly TodoSource[] = TODO_SOURCES): Promise<TodoGroup[]> {
  const found = (await Promise.all(sources.map((source) => source(db, reader, now)))).flat();
  const readable = new Set(reader.students.map((s) => s.id));
  // Students the reader reaches by messages only (an adult child who said yes): their messages, nothing else.
  const messagesOnly = new Set(reader.acrossStudents ? (reader.messages?.students ?? []).filter((id) => !readable.has(id)) : []);
  // A source answers only for the students it was given; anything else is dropped, never shown.
  const items = found.filter((i) => i.studentId === null || readable.has(i.studentId) || (i.kind === 'message' && messagesOnly.has(i.studentId)));
  const order = (i: TodoItem) => i.due ?? '9999-12-31';
  const sorted = [...items].sort((a, b) => order(a).localeCompare(order(b)) || a.title.localeCompare(b.title));
  const groups: TodoGroup[] = [];
  const own = sorted.filter((i) => i.studentId === null);
  if (own.length > 0) groups.push({ student: null, items: own });
  for (const student of reader.students) groups.push({ student, items: sorted.filter((i) => i.studentId === student.id) });
  const adults = [...messagesOnly].filter((id) => sorted.some((i) => i.studentId === id));
  if (adults.length > 0) {
    const names = await db.selectFrom('students').select(['id', 'preferred_first_name', 'legal_first_name', 'legal_last_name']).where('id', 'in', adults).execute();
    const named = names.map((r) => ({ id: r.id, firstName: r.preferred_first_name ?? r.legal_first_name, lastName: r.legal_last_name }));
    named.sort((a, b) => `${a.firstName} ${a.lastName}`.localeCompare(`${b.firstName} ${b.lastName}`) || a.id - b.id);
    for (const student of named) groups.push({ student, items: sorted.filter((i) => i.studentId === student.id) });
  }
  return groups;
}
