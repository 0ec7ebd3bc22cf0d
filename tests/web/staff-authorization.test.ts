/**
 * The staff authorization matrix (issue 19, Rules): every staff and administrator route the app
 * registers, as every role — nobody signed in, a student, a parent, the section's teacher and its
 * co-teacher, a teacher of another section of the school and one of another school, office staff,
 * nurse and counselor of the school and of another school, and a district administrator.
 *
 * The answers follow one rule:
 * - nobody signed in → 303 to the sign-in page, coming back to the page afterwards;
 * - a role the page is not for (its guard, `gate` below) → 403 ("this page is for …");
 * - a role the page is for, but the record (section, student, event, dose …) is outside its rights →
 *   404, as if it did not exist (a few forms answer with a field message instead: `outside` says so);
 * - the roles of `allowed` → 200, 302 or 303.
 * Every refused request leaves every family-visible table, the change events and the audit log exactly
 * as they were. The ids are real records of the fixture world, so a write that wrongly went through
 * would show in the snapshot.
 *
 * The app's own route table is walked too: a staff route that no row below names fails the test and
 * is listed by name. A new staff route is one row here (method, pattern, url, body, gate, allowed).
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  account,
  guardian,
  guardianWithChild,
  immunizations,
  link,
  otherSchool,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  teachSection,
  vaccine,
  type AccountFixture,
  type StudentFixture,
  type World,
} from '../support/factories.js';
import { Client } from '../support/http.js';
import { isStaffPath, registeredRoutes } from '../support/routes.js';

const TODAY = '2027-02-09';
const STAMP = '2027-01-20T12:00:00.000Z';

const ROLES = [
  'anonymous',
  'student',
  'parent',
  'teacher',
  'coTeacher',
  'otherTeacher',
  'farTeacher',
  'office',
  'otherOffice',
  'nurse',
  'otherNurse',
  'counselor',
  'otherCounselor',
  'districtAdmin',
] as const;
type Role = (typeof ROLES)[number];

// Who passes each page guard.
const TEACHERS: Role[] = ['teacher', 'coTeacher', 'otherTeacher', 'farTeacher'];
const OFFICE: Role[] = ['office', 'otherOffice', 'districtAdmin'];
const NURSES: Role[] = ['nurse', 'otherNurse'];
const COUNSELORS: Role[] = ['counselor', 'otherCounselor'];
const ADMIN: Role[] = ['districtAdmin'];
/** the student search: anyone who reaches a student (teachers of a class today, every school role) */
const REACH: Role[] = [...TEACHERS, ...OFFICE, ...NURSES, ...COUNSELORS];

/** The records the rows act on: the world's, and (for each allowed write) fresh ones it may use up. */
interface Ids {
  section: number;
  maya: StudentFixture;
  /** a student of the school without portal accounts */
  fresh: StudentFixture;
  parentAccount: number;
  /** a student of the school with a portal account, whose first password may be issued again */
  reissuable: number;
  /** a parent account without a security email, for a help key */
  noEmailAccount: number;
  /** a guardian account not yet linked to Maya */
  unlinkedUsername: string;
  mmr: number;
  dose: number;
  exemption: number;
  event: number;
  announcement: number;
  /** Maya's whole-day absence (not yet explained) */
  absence: number;
  accountRequest: number;
  changeRequest: number;
  changeField: number;
  mail: number;
  /** an import run in the log, and an upload waiting for its job */
  importRun: number;
  uploadJob: number;
  /** a school day no whole-day absence of Maya's is on yet */
  freeDay: string;
  codes: { unknown: number; illness: number };
  school: number;
  /** Biology's gradebook, Quarter 3 (the period today falls in): a category with two assignments, */
  gradebook: {
    category: number;
    /** one Maya has a score in, */
    scored: number;
    /** one past due that nobody has a score in, */
    blank: number;
    /** and a category with no assignments, which may be removed */
    empty: number;
  };
  /** Quarter 2: ended 18 December, so open for posting (from its last 7 days on); Maya's grade in it is posted */
  postingPeriod: number;
  /** a discussion topic of Biology with a post of Maya's on it */
  discussion: { topic: number; post: number };
  /** a teacher of the school, for the staff accounts pages */
  staffMember: number;
  /** a form published to the school's families, and a signature of it (a fresh student's guardian's) */
  form: number;
  formSignature: number;
  /** a staff member with an account and a second factor, for its reset (ADR 0037) */
  factorHolder: number;
  /** a fee of Maya's ($10.00) and a payment of $2.00 of it (issue 24) */
  fee: number;
  feePayment: number;
}

interface Row {
  method: 'GET' | 'POST';
  /** the route as the app registers it */
  route: string;
  url: (ids: Ids) => string;
  body?: (ids: Ids, db: Kysely<DB>) => Record<string, string | string[]> | Promise<Record<string, string | string[]>>;
  /** the roles the page's guard lets in */
  gate: Role[];
  /** the roles that may do it to these records */
  allowed: Role[];
  /** the answer to a role of `gate` outside `allowed`, when it is not 404 */
  outside?: number;
  /** a file upload (multipart, the token in the address) instead of a plain form */
  upload?: Parameters<Client['upload']>[1];
}

const event = (ids: Ids) => ({ place: String(ids.school), titleEn: 'Art Show', titleEs: 'Muestra de arte', start: '2027-03-11', end: '', startTime: '', endTime: '' });
const notice = (ids: Ids, intent: 'preview' | 'publish') => ({
  target: String(ids.school),
  titleEn: 'Snow day',
  bodyEn: 'No school.',
  titleEs: 'Día de nieve',
  bodyEs: 'No hay clases.',
  start: '2027-02-10',
  end: '2027-02-10',
  intent,
});
const roster = async (ids: Ids, db: Kysely<DB>) => {
  const taking = await db.selectFrom('attendance_takings').select('version').where('section_id', '=', ids.section).where('date', '=', TODAY).executeTakeFirst();
  return { date: TODAY, version: String(taking?.version ?? 0), student: [String(ids.maya.id)], [`mark_${ids.maya.id}`]: 'present' };
};
/** A score form's cell as the grid and the column and row pages send it: what it showed, and the new points. */
const scoreCell = async (ids: Ids, db: Kysely<DB>, full: boolean, points: string) => {
  const score = await db.selectFrom('assignment_scores').selectAll().where('assignment_id', '=', ids.gradebook.scored).where('student_id', '=', ids.maya.id).executeTakeFirstOrThrow();
  const key = `${ids.maya.id}_${ids.gradebook.scored}`;
  if (!full) {
    // The grid: what each cell showed in one field per student row, read in the order of `assignments`.
    return { student: [String(ids.maya.id)], assignments: String(ids.gradebook.scored), [`o_${ids.maya.id}`]: `${score.version}:${score.points ?? ''}`, [`p_${key}`]: points };
  }
  const original = JSON.stringify({ v: score.version, p: score.points, f: [], c: score.comment });
  return { student: [String(ids.maya.id)], [`o_${key}`]: original, [`p_${key}`]: points, [`c_${key}`]: '' };
};
const gradebook = (ids: Ids, rest = '') => `/staff/classes/${ids.section}/gradebook${rest}`;
const assignmentForm = (ids: Ids, title: string) => ({ title, categoryId: String(ids.gradebook.category), assigned: '2027-02-08', due: '2027-02-12', pointsPossible: '20', published: '1', description: '' });
/**
 * The posting form for Quarter 2: Maya's proposed percent (17 of 20 = 85) and the version of her posted
 * grade as the page showed them, and a letter other than the one posted (so every posting changes it).
 */
const posting = async (ids: Ids, db: Kysely<DB>) => {
  const grade = await db.selectFrom('term_grades').select(['version', 'letter']).where('section_id', '=', ids.section).where('student_id', '=', ids.maya.id).where('academic_session_id', '=', ids.postingPeriod).executeTakeFirstOrThrow();
  const m = ids.maya.id;
  return { student: [String(m)], [`shown_${m}`]: '85', [`seen_${m}`]: String(grade.version), [`letter_${m}`]: grade.letter === 'A' ? 'B' : 'A', [`codes_${m}`]: ['', '', ''], [`comment_${m}`]: 'Excellent lab work.' };
};
const signedForm = (ids: Ids) => ({ schoolId: String(ids.school), gradeLevel: '', titleEn: 'Photo release', titleEs: 'Permiso de fotos', bodyEn: 'Photos may be taken.', bodyEs: 'Se pueden tomar fotos.', dueDate: '' });
const feeKey = () => `matrix-${Math.random().toString(36).slice(2)}-${Date.now()}`;
const course = { school: 'Lakeside Academy', schoolYear: '2025', grade: '9', code: 'T-101', title: 'Algebra I', term: 'Year', letter: 'B', weight: 'none', attempted: '1', earned: '1' };

/** Every staff route. The lead adds rows here for routes merged from other branches. */
const ROWS: Row[] = [
  // ── the teacher's classes ───────────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/classes', url: () => '/staff/classes', gate: TEACHERS, allowed: TEACHERS },
  { method: 'GET', route: '/staff/classes/:sectionId/attendance', url: (i) => `/staff/classes/${i.section}/attendance`, gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/classes/:sectionId/attendance', url: (i) => `/staff/classes/${i.section}/attendance`, body: roster, gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },

  // ── the teacher's discussions (its guard: a staff member who teaches a section today) ────────────────
  { method: 'GET', route: '/staff/classes/:sectionId/discussions', url: (i) => `/staff/classes/${i.section}/discussions`, gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/classes/:sectionId/discussions', url: (i) => `/staff/classes/${i.section}/discussions`, body: () => ({ title: 'Energy', prompt: 'Where from?', opensOn: TODAY, closesOn: '2027-02-20' }), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'GET', route: '/staff/discussions/:topicId', url: (i) => `/staff/discussions/${i.discussion.topic}`, gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/discussions/:topicId/lock', url: (i) => `/staff/discussions/${i.discussion.topic}/lock`, body: () => ({ locked: '1' }), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/discussions/posts/:postId/hide', url: (i) => `/staff/discussions/posts/${i.discussion.post}/hide`, body: (i) => ({ [`reason-${i.discussion.post}`]: 'Off topic' }), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },

  // ── the teacher's gradebook (its guard: a staff member who teaches a section today) ───────────────────
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook', url: (i) => gradebook(i), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/classes/:sectionId/gradebook', url: (i) => gradebook(i), body: (i, db) => scoreCell(i, db, false, '19'), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId', url: (i) => gradebook(i, `/assignments/${i.gradebook.scored}`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  {
    method: 'POST',
    route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId',
    url: (i) => gradebook(i, `/assignments/${i.gradebook.scored}`),
    body: (i, db) => scoreCell(i, db, true, '18'),
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },
  { method: 'POST', route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId/fill', url: (i) => gradebook(i, `/assignments/${i.gradebook.blank}/fill`), body: () => ({ points: '10' }), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId/missing', url: (i) => gradebook(i, `/assignments/${i.gradebook.blank}/missing`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook/students/:studentId', url: (i) => gradebook(i, `/students/${i.maya.id}`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  {
    method: 'POST',
    route: '/staff/classes/:sectionId/gradebook/students/:studentId',
    url: (i) => gradebook(i, `/students/${i.maya.id}`),
    body: (i, db) => scoreCell(i, db, true, '17'),
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook/setup', url: (i) => gradebook(i, '/setup'), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  {
    method: 'POST',
    route: '/staff/classes/:sectionId/gradebook/categories',
    url: (i) => gradebook(i, '/categories'),
    body: (i) => ({ name: `Projects ${i.gradebook.category}`, weight: '10', dropLowest: '0', sequence: '9' }),
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },
  {
    method: 'POST',
    route: '/staff/classes/:sectionId/gradebook/categories/:categoryId',
    url: (i) => gradebook(i, `/categories/${i.gradebook.category}`),
    body: (i) => ({ name: `Labs ${i.gradebook.category} (lab reports)`, weight: '30', dropLowest: '1', sequence: '1' }),
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },
  { method: 'POST', route: '/staff/classes/:sectionId/gradebook/categories/:categoryId/remove', url: (i) => gradebook(i, `/categories/${i.gradebook.empty}/remove`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook/assignments/new', url: (i) => gradebook(i, '/assignments/new'), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  {
    method: 'POST',
    route: '/staff/classes/:sectionId/gradebook/assignments/new',
    url: (i) => gradebook(i, '/assignments/new'),
    body: (i) => assignmentForm(i, 'Lab report'),
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId/edit', url: (i) => gradebook(i, `/assignments/${i.gradebook.scored}/edit`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  {
    method: 'POST',
    route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId/edit',
    url: (i) => gradebook(i, `/assignments/${i.gradebook.scored}/edit`),
    body: (i) => assignmentForm(i, 'Cell lab (revised)'),
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },
  { method: 'GET', route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId/delete', url: (i) => gradebook(i, `/assignments/${i.gradebook.scored}/delete`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/classes/:sectionId/gradebook/assignments/:assignmentId/delete', url: (i) => gradebook(i, `/assignments/${i.gradebook.scored}/delete`), gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },

  // ── posting term grades ──────────────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/post-grades', url: () => '/staff/post-grades', gate: TEACHERS, allowed: TEACHERS },
  { method: 'GET', route: '/staff/classes/:sectionId/post-grades', url: (i) => `/staff/classes/${i.section}/post-grades?period=${i.postingPeriod}`, gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  { method: 'POST', route: '/staff/classes/:sectionId/post-grades', url: (i) => `/staff/classes/${i.section}/post-grades?period=${i.postingPeriod}`, body: posting, gate: TEACHERS, allowed: ['teacher', 'coTeacher'] },
  {
    method: 'GET',
    route: '/staff/classes/:sectionId/post-grades/:studentId/history',
    url: (i) => `/staff/classes/${i.section}/post-grades/${i.maya.id}/history?period=${i.postingPeriod}`,
    gate: TEACHERS,
    allowed: ['teacher', 'coTeacher'],
  },

  // ── the attendance office ───────────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/attendance', url: () => '/staff/attendance', gate: OFFICE, allowed: OFFICE },
  { method: 'GET', route: '/staff/attendance/not-taken', url: () => '/staff/attendance/not-taken', gate: OFFICE, allowed: OFFICE },
  {
    method: 'POST',
    route: '/staff/attendance/whole-day',
    url: () => '/staff/attendance/whole-day',
    body: (i) => ({ number: i.maya.number, date: i.freeDay, code: String(i.codes.unknown), comment: '' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
    outside: 400, // "no such student" on the number field
  },
  {
    method: 'POST',
    route: '/staff/attendance/:recordId/excuse',
    url: (i) => `/staff/attendance/${i.absence}/excuse`,
    body: (i) => ({ code: String(i.codes.illness), reason: 'Flu', date: TODAY }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'POST', route: '/staff/attendance/:recordId/remove', url: (i) => `/staff/attendance/${i.absence}/remove`, body: () => ({ date: TODAY }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },

  // ── account requests, change requests, links, keys, account help ───────────────────────────────────
  { method: 'GET', route: '/staff/account-requests', url: () => '/staff/account-requests', gate: OFFICE, allowed: OFFICE },
  { method: 'GET', route: '/staff/account-requests/:id', url: (i) => `/staff/account-requests/${i.accountRequest}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  {
    method: 'POST',
    route: '/staff/account-requests/:id',
    url: (i) => `/staff/account-requests/${i.accountRequest}`,
    body: () => ({ action: 'close', reason: 'resolved' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  {
    method: 'POST',
    route: '/staff/account-requests/:id/redact-comment',
    url: (i) => `/staff/account-requests/${i.accountRequest}/redact-comment`,
    body: () => ({}),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'GET', route: '/staff/change-requests', url: () => '/staff/change-requests', gate: OFFICE, allowed: OFFICE },

  // ── forms signed with the E-Signature PIN ─────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/forms', url: () => '/staff/forms', gate: OFFICE, allowed: OFFICE },
  { method: 'GET', route: '/staff/forms/new', url: () => '/staff/forms/new', gate: OFFICE, allowed: OFFICE },
  // Another school's office is told to choose a school of theirs.
  { method: 'POST', route: '/staff/forms/new', url: () => '/staff/forms/new', body: (i) => signedForm(i), gate: OFFICE, allowed: ['office', 'districtAdmin'], outside: 400 },
  { method: 'GET', route: '/staff/forms/:id', url: (i) => `/staff/forms/${i.form}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/forms/:id/edit', url: (i) => `/staff/forms/${i.form}/edit`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/forms/:id/edit', url: (i) => `/staff/forms/${i.form}/edit`, body: (i) => signedForm(i), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/forms/:id/publish', url: (i) => `/staff/forms/${i.form}/publish`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/forms/:id/remind', url: (i) => `/staff/forms/${i.form}/remind`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/forms/:id/signatures.csv', url: (i) => `/staff/forms/${i.form}/signatures.csv`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/forms/:id/signatures/:file', url: (i) => `/staff/forms/${i.form}/signatures/${i.formSignature}.pdf`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/change-requests/:id', url: (i) => `/staff/change-requests/${i.changeRequest}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },

  // ── fees (issue 24) ───────────────────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/fees', url: () => '/staff/fees?status=open', gate: OFFICE, allowed: OFFICE },
  { method: 'GET', route: '/staff/fees/new', url: () => '/staff/fees/new', gate: OFFICE, allowed: OFFICE },
  // Another school's office is told the student number is not one of its students.
  {
    method: 'POST',
    route: '/staff/fees/new',
    url: () => '/staff/fees/new',
    body: (i) => ({ key: feeKey(), target: 'student', studentNumber: i.maya.number, descriptionEn: 'Lab fee', descriptionEs: 'Cuota de laboratorio', amount: '12.00', dueDate: '', schoolYear: '2027', required: 'required' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
    outside: 400,
  },
  { method: 'GET', route: '/staff/fees/students/:id', url: (i) => `/staff/fees/students/${i.maya.id}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/fees/students/:id/payments', url: (i) => `/staff/fees/students/${i.maya.id}/payments`, body: (i) => ({ key: feeKey(), method: 'cash', [`pay.${i.fee}`]: '1.00' }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/fees/:id/adjust', url: (i) => `/staff/fees/${i.fee}/adjust`, body: () => ({ key: feeKey(), amount: '9.00', reason: 'Price' }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/fees/:id/waive', url: (i) => `/staff/fees/${i.fee}/waive`, body: () => ({ key: feeKey(), reason: 'Assistance' }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/fees/payments/:id/refund', url: (i) => `/staff/fees/payments/${i.feePayment}/refund`, body: () => ({ key: feeKey(), reason: 'Returned' }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/fees/payments/:id/receipt.pdf', url: (i) => `/staff/fees/payments/${i.feePayment}/receipt.pdf?lang=es`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  {
    method: 'POST',
    route: '/staff/change-requests/:id',
    url: (i) => `/staff/change-requests/${i.changeRequest}`,
    body: (i) => ({ [`decision-${i.changeField}`]: 'reject', note: '' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'GET', route: '/staff/guardian-links', url: () => '/staff/guardian-links', gate: OFFICE, allowed: OFFICE },
  {
    method: 'POST',
    route: '/staff/guardian-links',
    url: () => '/staff/guardian-links',
    body: (i) => ({ action: 'link', 'link-username': i.unlinkedUsername, 'link-studentNumber': i.maya.number, relationship: 'other' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'GET', route: '/staff/activation-keys', url: () => '/staff/activation-keys', gate: OFFICE, allowed: OFFICE },
  {
    method: 'POST',
    route: '/staff/activation-keys',
    url: () => '/staff/activation-keys',
    body: (i) => ({ numbers: i.fresh.number, include: 'students', format: 'csv' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'GET', route: '/staff/account-help', url: () => '/staff/account-help', gate: OFFICE, allowed: OFFICE },
  { method: 'POST', route: '/staff/account-help/reissue', url: () => '/staff/account-help/reissue', body: (i) => ({ studentId: String(i.reissuable) }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/account-help/unlock', url: () => '/staff/account-help/unlock', body: (i) => ({ accountId: String(i.parentAccount) }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/account-help/reset-link', url: () => '/staff/account-help/reset-link', body: (i) => ({ accountId: String(i.parentAccount) }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/account-help/key', url: () => '/staff/account-help/key', body: (i) => ({ accountId: String(i.noEmailAccount) }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },

  // ── the school calendar and announcements ────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/calendar', url: () => '/staff/calendar', gate: OFFICE, allowed: OFFICE },
  { method: 'POST', route: '/staff/calendar', url: () => '/staff/calendar', body: event, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  {
    method: 'POST',
    route: '/staff/calendar/days',
    url: () => '/staff/calendar/days',
    body: (i) => ({ school: String(i.school), date: '2027-03-15', kind: 'holiday', note: 'Spring holiday' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'GET', route: '/staff/calendar/:id', url: (i) => `/staff/calendar/${i.event}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/calendar/:id', url: (i) => `/staff/calendar/${i.event}`, body: event, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/calendar/:id/remove', url: (i) => `/staff/calendar/${i.event}/remove`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/calendar/:id/remove', url: (i) => `/staff/calendar/${i.event}/remove`, body: () => ({ confirm: 'yes' }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/announcements', url: () => '/staff/announcements', gate: OFFICE, allowed: OFFICE },
  { method: 'POST', route: '/staff/announcements', url: () => '/staff/announcements', body: (i) => notice(i, 'preview'), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/announcements', url: () => '/staff/announcements', body: (i) => notice(i, 'publish'), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/announcements/:id', url: (i) => `/staff/announcements/${i.announcement}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/announcements/:id', url: (i) => `/staff/announcements/${i.announcement}`, body: (i) => notice(i, 'publish'), gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/announcements/:id/end', url: (i) => `/staff/announcements/${i.announcement}/end`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'POST', route: '/staff/announcements/:id/end', url: (i) => `/staff/announcements/${i.announcement}/end`, body: () => ({ confirm: 'yes' }), gate: OFFICE, allowed: ['office', 'districtAdmin'] },

  // ── meal accounts (food service) ─────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/meals', url: (i) => `/staff/meals?number=${i.maya.number}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  { method: 'GET', route: '/staff/meals/students/:id', url: (i) => `/staff/meals/students/${i.maya.id}`, gate: OFFICE, allowed: ['office', 'districtAdmin'] },
  {
    method: 'POST',
    route: '/staff/meals/students/:id/entries',
    url: (i) => `/staff/meals/students/${i.maya.id}/entries`,
    body: () => ({ kind: 'deposit', amount: '20.00', method: 'cash' }),
    gate: OFFICE,
    allowed: ['office', 'districtAdmin'],
  },
  { method: 'GET', route: '/staff/meals/import', url: () => '/staff/meals/import', gate: OFFICE, allowed: OFFICE },
  {
    method: 'POST',
    route: '/staff/meals/import',
    url: () => '/staff/meals/import',
    upload: [
      { name: 'file', filename: 'pos.csv', content: Buffer.from('transaction_id,student_number,time,amount\nAUTH-1,000000,2027-02-08 11:00,1.00\n') },
      { name: 'dryRun', value: '1' },
    ],
    gate: OFFICE,
    allowed: OFFICE,
  },

  // ── the nurse's health records ───────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/staff/health', url: (i) => `/staff/health?number=${i.maya.number}`, gate: NURSES, allowed: ['nurse'] },
  { method: 'GET', route: '/staff/health/students/:id', url: (i) => `/staff/health/students/${i.maya.id}`, gate: NURSES, allowed: ['nurse'] },
  {
    method: 'POST',
    route: '/staff/health/students/:id/doses',
    url: (i) => `/staff/health/students/${i.maya.id}/doses`,
    body: (i) => ({ vaccine: String(i.mmr), date: '2027-02-08', source: 'school_clinic' }),
    gate: NURSES,
    allowed: ['nurse'],
  },
  {
    method: 'POST',
    route: '/staff/health/students/:id/exemptions',
    url: (i) => `/staff/health/students/${i.maya.id}/exemptions`,
    body: (i) => ({ exemptionVaccine: String(i.mmr), kind: 'religious', granted: '2026-09-01', expires: '' }),
    gate: NURSES,
    allowed: ['nurse'],
  },
  { method: 'GET', route: '/staff/health/doses/:id', url: (i) => `/staff/health/doses/${i.dose}`, gate: NURSES, allowed: ['nurse'] },
  {
    method: 'POST',
    route: '/staff/health/doses/:id',
    url: (i) => `/staff/health/doses/${i.dose}`,
    body: (i) => ({ vaccine: String(i.mmr), date: '2015-05-05', source: 'provider_record' }),
    gate: NURSES,
    allowed: ['nurse'],
  },
  { method: 'POST', route: '/staff/health/doses/:id/remove', url: (i) => `/staff/health/doses/${i.dose}/remove`, gate: NURSES, allowed: ['nurse'] },
  { method: 'POST', route: '/staff/health/exemptions/:id/remove', url: (i) => `/staff/health/exemptions/${i.exemption}/remove`, gate: NURSES, allowed: ['nurse'] },
  { method: 'GET', route: '/staff/health/compliance', url: () => '/staff/health/compliance', gate: NURSES, allowed: NURSES },
  { method: 'GET', route: '/staff/health/compliance.csv', url: () => '/staff/health/compliance.csv', gate: NURSES, allowed: NURSES },

  // ── finding a student; the counselor's reads and transfer credit ───────────────────────────────────
  { method: 'GET', route: '/staff/students', url: (i) => `/staff/students?q=${i.maya.last}`, gate: REACH, allowed: REACH },
  {
    method: 'GET',
    route: '/staff/students/:id',
    url: (i) => `/staff/students/${i.maya.id}`,
    gate: REACH,
    allowed: ['teacher', 'coTeacher', 'office', 'districtAdmin', 'nurse', 'counselor'],
  },
  ...(['grades', 'attendance', 'transcript', 'transfer-credit'] as const).map(
    (tool): Row => ({ method: 'GET', route: `/staff/students/:id/${tool}`, url: (i) => `/staff/students/${i.maya.id}/${tool}`, gate: COUNSELORS, allowed: ['counselor'] }),
  ),
  {
    method: 'POST',
    route: '/staff/students/:id/transfer-credit',
    url: (i) => `/staff/students/${i.maya.id}/transfer-credit`,
    body: () => course,
    gate: COUNSELORS,
    allowed: ['counselor'],
  },

  // ── the district administrator ───────────────────────────────────────────────────────────────────
  { method: 'GET', route: '/admin/mail', url: () => '/admin/mail', gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/mail/retry', url: () => '/admin/mail/retry', body: (i) => ({ id: String(i.mail) }), gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/parent-accounts', url: () => '/admin/parent-accounts', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/parent-accounts/need-keys.csv', url: () => '/admin/parent-accounts/need-keys.csv', gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/parent-accounts/run', url: () => '/admin/parent-accounts/run', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/imports', url: () => '/admin/imports', gate: ADMIN, allowed: ADMIN },
  {
    method: 'POST',
    route: '/admin/imports',
    url: () => '/admin/imports',
    upload: [
      { name: 'package', filename: 'sis.zip', content: Buffer.from('PK not really a zip') },
      { name: 'dryRun', value: '1' },
    ],
    gate: ADMIN,
    allowed: ADMIN,
  },
  { method: 'GET', route: '/admin/imports/runs/:runId', url: (i) => `/admin/imports/runs/${i.importRun}`, gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/imports/uploads/:jobId', url: (i) => `/admin/imports/uploads/${i.uploadJob}`, gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/sign-in-help', url: () => '/admin/sign-in-help', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/settings', url: () => '/admin/settings', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/settings/:group', url: () => '/admin/settings/texts', gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/settings/:group', url: () => '/admin/settings/texts', body: () => ({ 'signInHelp-en': 'Call the office.', 'signInHelp-es': 'Llame a la oficina.' }), gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/bell-schedules', url: () => '/admin/bell-schedules', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/bell-schedules/:school', url: (i) => `/admin/bell-schedules/${i.school}`, gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/bell-schedules/:school', url: (i) => `/admin/bell-schedules/${i.school}`, body: () => ({ rows: '1', action: 'more' }), gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/spanish-names', url: () => '/admin/spanish-names', gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/spanish-names', url: () => '/admin/spanish-names', body: () => ({ kind: 'vaccines' }), gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/settings/identity/preview.css', url: () => '/admin/settings/identity/preview.css?primary=%231a4480&secondary=%238b1303', gate: ADMIN, allowed: ADMIN },

  // ── staff accounts and the audit log (school administrators: tests/web/staff-accounts.test.ts) ─────
  { method: 'GET', route: '/admin/staff', url: () => '/admin/staff', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/staff/new', url: () => '/admin/staff/new', gate: ADMIN, allowed: ADMIN },
  {
    method: 'POST',
    route: '/admin/staff/new',
    url: () => '/admin/staff/new',
    body: (i) => ({ firstName: 'Nell', lastName: `New${i.staffMember}`, email: `nell.${i.staffMember}@fixture.example.org`, username: `nell${i.staffMember}`, staffNumber: `N-${i.staffMember}`, roles: `teacher@${i.school}` }),
    gate: ADMIN,
    allowed: ADMIN,
  },
  { method: 'GET', route: '/admin/staff/:id', url: (i) => `/admin/staff/${i.staffMember}`, gate: ADMIN, allowed: ADMIN },
  {
    method: 'POST',
    route: '/admin/staff/:id',
    url: (i) => `/admin/staff/${i.staffMember}`,
    body: (i) => ({ firstName: 'Tess', lastName: 'Matrix', email: `tess.${i.staffMember}@fixture.example.org`, roles: [`teacher@${i.school}`, `office@${i.school}`] }),
    gate: ADMIN,
    allowed: ADMIN,
  },
  { method: 'POST', route: '/admin/staff/:id/deactivate', url: (i) => `/admin/staff/${i.staffMember}/deactivate`, gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/staff/:id/reactivate', url: (i) => `/admin/staff/${i.staffMember}/reactivate`, gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/staff/:id/second-factor-reset', url: (i) => `/admin/staff/${i.factorHolder}/second-factor-reset`, gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/admin/staff/:id/welcome', url: (i) => `/admin/staff/${i.staffMember}/welcome`, gate: ADMIN, allowed: ADMIN, outside: 409 },
  { method: 'GET', route: '/staff/students/:id/records', url: (i) => `/staff/students/${i.maya.id}/records`, gate: ADMIN, allowed: ADMIN },
  { method: 'POST', route: '/staff/students/:id/records', url: (i) => `/staff/students/${i.maya.id}/records`, body: () => ({ locale: 'en', reason: 'The walk of every route.' }), gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/audit', url: () => '/admin/audit', gate: ADMIN, allowed: ADMIN },
  { method: 'GET', route: '/admin/audit.csv', url: () => '/admin/audit.csv', gate: ADMIN, allowed: ADMIN },
];

const registeredStaffRoutes = (app: FastifyInstance) => registeredRoutes(app, isStaffPath);

/** Every table a family sees, and the change events and audit log: whatever a refused request might have written. */
const WATCHED = [
  'bell_schedules',
  'bell_periods',
  'students',
  'guardians',
  'student_guardians',
  'user_accounts',
  'activation_keys',
  'account_tokens',
  'account_requests',
  'account_request_events',
  'change_requests',
  'change_request_fields',
  'email_outbox',
  'jobs',
  'district',
  'calendar_days',
  'school_events',
  'school_event_texts',
  'school_event_grades',
  'announcements',
  'announcement_texts',
  'attendance_records',
  'attendance_takings',
  'grading_categories',
  'assignments',
  'assignment_scores',
  'term_grades',
  'term_grade_comments',
  'term_grade_history',
  'transcript_courses',
  'immunization_doses',
  'immunization_exemptions',
  'change_events',
  'audit_log',
  'signed_forms',
  'signed_form_versions',
  'signed_form_signatures',
  'fees',
  'fee_ledger',
  'fee_payments',
  'meal_accounts',
  'meal_ledger',
] as const;

async function snapshot(db: Kysely<DB>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // The mailer delivers in the background: of the outbox, what was written, not how its delivery goes.
  out.email_outbox = (await db.selectFrom('email_outbox').select(['id', 'kind', 'to_address', 'subject']).orderBy('id').execute()).map((r) => JSON.stringify(r)).join('\n');
  await Promise.all(
    WATCHED.filter((t) => t !== 'email_outbox').map(async (table) => {
      out[table] = (await db.selectFrom(table).selectAll().execute()).map((r) => JSON.stringify(r)).sort().join('\n');
    }),
  );
  return out;
}

/** What a refused read could write: the audit log and the change events. */
async function readSnapshot(db: Kysely<DB>): Promise<Record<string, string>> {
  const count = async (table: 'audit_log' | 'change_events') => String((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { audit_log: await count('audit_log'), change_events: await count('change_events') };
}

describe('the staff authorization matrix', () => {
  it('names each route once per body, with sane role lists', () => {
    for (const row of ROWS) {
      for (const role of row.allowed) expect(row.gate, `${row.method} ${row.route}: ${role} allowed but not let in`).toContain(role);
      expect(row.gate).not.toContain('anonymous');
    }
  });
});

describeEachEngine('every staff route as every role', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let world: World;
  let ids: Ids;
  let elsewhere: { id: number };
  const clients = new Map<Role, Client>();
  let made = 0;

  /** One set of records to act on; `records()` again for an allowed write that may use them up. */
  const records = async (): Promise<Ids> => {
    const n = ++made;
    const family = ids ? null : await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412', grade: 11 } });
    const maya = ids?.maya ?? family!.student;
    const fresh = await student(db, world, { first: 'Nico', last: `Fresh${n}`, grade: 10 });
    const reissuable = await student(db, world, { first: 'Rey', last: `Issue${n}`, grade: 9 });
    await account(db, { student: reissuable });
    const noEmail = await guardian(db, { first: 'Ines', last: `NoEmail${n}` });
    await link(db, fresh, noEmail);
    const noEmailAccount = await account(db, { guardian: noEmail });
    await db.updateTable('user_accounts').set({ security_email: null, security_email_confirmed_at: null }).where('id', '=', noEmailAccount.id).execute();
    const unlinked = await guardian(db, { first: 'Tia', last: `Unlinked${n}` });
    const unlinkedAccount = await account(db, { guardian: unlinked });
    const mmr = ids?.mmr ?? (await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] })).id;
    await immunizations(db, maya, { id: mmr, code: 'MMR', name: '' }, { doses: [`2011-04-0${(n % 9) + 1}`], exemption: { kind: 'medical', granted: '2020-01-10' } });
    const dose = await db.selectFrom('immunization_doses').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    const exemption = await db.selectFrom('immunization_exemptions').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    const ev = await db
      .insertInto('school_events')
      .values({ sourced_id: null, school_id: world.school.id, start_date: '2027-03-10', end_date: '2027-03-10', start_time: null, end_time: null, location: null, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('school_event_texts').values({ event_id: ev.id, locale: 'en', title: 'Band Night', description: null, location: null }).execute();
    const an = await db
      .insertInto('announcements')
      .values({ school_id: world.school.id, audience: 'all', start_date: '2027-02-01', end_date: '2027-02-28', public: 0, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('announcement_texts').values({ announcement_id: an.id, locale: 'en', title: 'Book Fair', body: 'In the library.' }).execute();
    // School days of February, one per set: a whole-day absence on one, another left free.
    const februaryDays = ['2027-02-01', '2027-02-02', '2027-02-03', '2027-02-04', '2027-02-05', '2027-02-08', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-15', '2027-02-16', '2027-02-17', '2027-02-18', '2027-02-19'];
    const absenceDay = februaryDays[(2 * n) % februaryDays.length]!;
    const freeDay = februaryDays[(2 * n + 1) % februaryDays.length]!;
    const absence = await db
      .insertInto('attendance_records')
      .values({ student_id: maya.id, date: absenceDay, section_id: null, bell_period_id: null, code_id: world.codes['A-UNK'], comment: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const request = await db
      .insertInto('account_requests')
      .values({
        received_at: STAMP,
        student_first_name: 'Maya',
        student_last_name: 'Ortiz',
        student_number: maya.number,
        student_email: null,
        parent_first_name: 'Lucia',
        parent_last_name: 'Ortiz',
        parent_email: `lucia${n}@fixture.example.com`,
        comments: 'She is locked out.',
        locale: 'en',
        ip: null,
        student_id: maya.id,
        school_id: world.school.id,
        outcome: null,
        closed_at: null,
        closed_by: null,
        dedupe_key: `matrix-${n}`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const parentGuardianId = ids ? (await db.selectFrom('user_accounts').select('guardian_id').where('id', '=', ids.parentAccount).executeTakeFirstOrThrow()).guardian_id! : family!.guardian.id;
    const change = await db
      .insertInto('change_requests')
      .values({ guardian_id: parentGuardianId, account_id: null, household_id: null, submitted_at: STAMP, decided_at: null, decided_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const field = await db
      .insertInto('change_request_fields')
      .values({ request_id: change.id, target: 'guardian', field: 'phone_mobile', old_value: null, new_value: '555-0100', reason: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Maya's Biology class (its teachers are added in beforeAll): in Quarter 2 a lab she scored 17 of 20
    // in (85 %) and her posted grade, B; in Quarter 3 the records below, one set each.
    const section =
      ids?.section ??
      (
        await sectionWithGradebook(db, world, {
          course: { code: 'BIO', title: 'Biology' },
          period: '1',
          students: [{ student: maya }],
          categories: [{ name: 'Quarter 2 labs', weight: 100 }],
          assignments: [{ title: 'Microscope lab', category: 'Quarter 2 labs', quarter: 'Q2', due: '2026-11-10', possible: 20 }],
          scores: [{ student: maya, assignment: 'Microscope lab', points: 17 }],
          termGrades: [{ student: maya, term: 'Q2', percent: 85, letter: 'B' }],
        })
      ).id;
    const category = async (name: string) =>
      (await db.insertInto('grading_categories').values({ section_id: section, name, weight: 20, drop_lowest: 0, sequence: 10 + n }).returning('id').executeTakeFirstOrThrow()).id;
    const labs = await category(`Labs ${n}`);
    const empty = await category(`Extra credit ${n}`);
    const assignment = async (title: string, due: string) =>
      (
        await db
          .insertInto('assignments')
          .values({ sourced_id: null, section_id: section, category_id: labs, grading_period_id: world.terms.Q3.id, title, description: null, assigned_date: '2027-01-25', due_date: due, points_possible: 20, published: 1, created_at: STAMP, updated_at: STAMP, updated_by: null })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const scored = await assignment(`Cell lab ${n}`, '2027-02-01');
    const blank = await assignment(`Field notes ${n}`, '2027-02-05');
    await db.insertInto('assignment_scores').values({ assignment_id: scored, student_id: maya.id, points: 15, comment: null, created_at: STAMP, updated_at: STAMP, updated_by: null }).execute();
    const mail = await db
      .insertInto('email_outbox')
      .values({ kind: 'test', to_address: 'lucia@fixture.example.com', locale: 'en', subject: 'Hello', text_body: 'Hello', html_body: '<p>Hello</p>', created_at: STAMP, send_after: '2099-01-01T00:00:00.000Z', sent_at: null, attempts: 5, last_error: 'refused' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const importRun = await db
      .insertInto('import_runs')
      .values({ kind: 'oneroster', status: 'failed', dry_run: 1, source: '/sis/monday.zip', started_by: null, started_at: STAMP, finished_at: STAMP, report: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const uploadJob = await db
      .insertInto('jobs')
      .values({
        kind: 'oneroster.import',
        payload: JSON.stringify({ source: `/data/imports/upload-${'0'.repeat(24)}.zip`, dryRun: true, startedBy: 1, name: 'sis.zip' }),
        run_at: '2099-01-01T00:00:00.000Z',
        created_at: STAMP,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const teacherHere = await staffMember(db, world, { first: 'Tess', last: `Staffed${n}`, roles: [{ role: 'teacher' }], account: false });
    const topic = await db
      .insertInto('discussion_topics')
      .values({ section_id: section, title: `Cells ${n}`, prompt: 'Why?', opens_on: '2027-02-01', closes_on: '2027-02-28', created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const post = await db.insertInto('discussion_posts').values({ topic_id: topic.id, parent_id: null, student_id: maya.id, body: 'Mitochondria', created_at: STAMP }).returning('id').executeTakeFirstOrThrow();
    const form = await db
      .insertInto('signed_forms')
      .values({ school_id: world.school.id, grade_level: null, title_en: `Photo release ${n}`, title_es: `Permiso de fotos ${n}`, due_date: null, status: 'published', published_at: STAMP, reminded_at: null, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const formVersion = await db
      .insertInto('signed_form_versions')
      .values({ form_id: form.id, version: 1, body_en: 'Photos may be taken.', body_es: 'Se pueden tomar fotos.', fields: '[]', created_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    const formSignature = await db
      .insertInto('signed_form_signatures')
      .values({ form_id: form.id, version_id: formVersion.id, student_id: fresh.id, guardian_id: noEmail.id, account_id: noEmailAccount.id, signer_name: `Ines NoEmail${n}`, answers: '{}', locale: 'en', ip: null, method: 'password', signed_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    const factorHolder = await staffMember(db, world, { first: 'Fay', last: `Factor${n}`, roles: [{ role: 'teacher' }] });
    // Only its presence matters to a reset, which deletes it without reading the sealed secret.
    await db.insertInto('second_factors').values({ account_id: factorHolder.account!.id, secret: 'sealed', created_at: STAMP, confirmed_at: STAMP, last_step: null }).execute();
    const fee = await db
      .insertInto('fees')
      .values({ student_id: maya.id, school_id: world.school.id, school_year: 2027, description_en: `Lab fee ${n}`, description_es: `Cuota ${n}`, amount_cents: 1000, due_date: null, required: 1, assessment_key: `matrix-fee-${n}`, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const feePayment = await db
      .insertInto('fee_payments')
      .values({ idempotency_key: `matrix-payment-${n}`, method: 'cash', check_number: null, reference: null, payer: null, total_cents: 200, recorded_by: null, recorded_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('fee_ledger')
      .values([
        { fee_id: fee.id, kind: 'assessed', amount_cents: 1000, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP },
        { fee_id: fee.id, kind: 'paid', amount_cents: -200, reason: null, payment_id: feePayment.id, idempotency_key: null, by_account: null, at: STAMP },
      ])
      .execute();
    return {
      fee: fee.id,
      feePayment: feePayment.id,
      form: form.id,
      formSignature: formSignature.id,
      staffMember: teacherHere.id,
      factorHolder: factorHolder.id,
      section,
      maya,
      fresh,
      parentAccount: ids?.parentAccount ?? family!.guardianAccount!.id,
      reissuable: reissuable.id,
      noEmailAccount: noEmailAccount.id,
      unlinkedUsername: unlinkedAccount.username,
      mmr,
      dose: dose.id,
      exemption: exemption.id,
      event: ev.id,
      announcement: an.id,
      absence: absence.id,
      accountRequest: request.id,
      changeRequest: change.id,
      changeField: field.id,
      mail: mail.id,
      importRun: importRun.id,
      uploadJob: uploadJob.id,
      freeDay,
      codes: { unknown: world.codes['A-UNK'], illness: world.codes['A-ILL'] },
      school: world.school.id,
      gradebook: { category: labs, scored, blank, empty },
      postingPeriod: world.terms.Q2.id,
      discussion: { topic: topic.id, post: post.id },
    };
  };

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    elsewhere = await otherSchool(db);
    const first = await records();
    const family = { studentAccount: null as AccountFixture | null, guardianAccount: null as AccountFixture | null };
    // The family's accounts, made by records() with the fixture password.
    const mayaAccount = await db.selectFrom('user_accounts').select(['username']).where('student_id', '=', first.maya.id).executeTakeFirstOrThrow();
    const parentAccount = await db.selectFrom('user_accounts').select(['username']).where('id', '=', first.parentAccount).executeTakeFirstOrThrow();
    family.studentAccount = { id: 0, username: mayaAccount.username, password: 'fixture lantern meadow' };
    family.guardianAccount = { id: first.parentAccount, username: parentAccount.username, password: 'fixture lantern meadow' };

    const staff = async (first: string, role: 'teacher' | 'office' | 'nurse' | 'counselor' | 'district_admin', schoolId: number | null = world.school.id) =>
      staffMember(db, world, { first, last: 'Matrix', roles: [{ role, schoolId }] });
    const teacher = await staff('Rosa', 'teacher');
    const coTeacher = await staff('Ana', 'teacher');
    const otherTeacher = await staff('Paul', 'teacher');
    const farTeacher = await staff('Omar', 'teacher', elsewhere.id);
    // Maya's Biology class (made by records()) is Rosa's and her co-teacher Ana's; Paul's Chemistry, Omar's Art at the other school.
    const bio = { id: first.section };
    await teachSection(db, teacher, bio, { primary: true });
    await teachSection(db, coTeacher, bio);
    const leo = await student(db, world, { first: 'Leo', last: 'Chem', grade: 10 });
    const chem = await sectionWithGradebook(db, world, { course: { code: 'CHEM', title: 'Chemistry' }, period: '2', students: [{ student: leo }] });
    await teachSection(db, otherTeacher, chem, { primary: true });
    const art = await sectionWithGradebook(db, world, { course: { code: 'ART', title: 'Art' }, period: '3' });
    await db.updateTable('sections').set({ school_id: elsewhere.id }).where('id', '=', art.id).execute();
    await db.updateTable('courses').set({ school_id: elsewhere.id }).where('id', '=', art.courseId).execute();
    await teachSection(db, farTeacher, art, { primary: true });
    ids = first;

    const logins: Record<Exclude<Role, 'anonymous'>, AccountFixture> = {
      student: family.studentAccount,
      parent: family.guardianAccount,
      teacher: teacher.account!,
      coTeacher: coTeacher.account!,
      otherTeacher: otherTeacher.account!,
      farTeacher: farTeacher.account!,
      office: (await staff('Otto', 'office')).account!,
      otherOffice: (await staff('Olga', 'office', elsewhere.id)).account!,
      nurse: (await staff('Nia', 'nurse')).account!,
      otherNurse: (await staff('Ned', 'nurse', elsewhere.id)).account!,
      counselor: (await staff('Cora', 'counselor')).account!,
      otherCounselor: (await staff('Cal', 'counselor', elsewhere.id)).account!,
      districtAdmin: (await staff('Dana', 'district_admin', null)).account!,
    };
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`) });
    let address = 0;
    for (const role of ROLES) {
      const c = new Client(app, {}, `10.9.0.${++address}`);
      if (role !== 'anonymous') {
        const login = logins[role];
        expect((await c.submit('/sign-in', { username: login.username, password: login.password })).statusCode, role).toBe(303);
      }
      // The form token of the session (it stays the same while the session lasts).
      expect((await c.get(role === 'anonymous' ? '/sign-in' : '/home')).statusCode, role).toBe(200);
      clients.set(role, c);
    }
  });
  afterAll(() => app?.close());

  it('lists every staff route the app registers', () => {
    const listed = new Set(ROWS.map((r) => `${r.method} ${r.route}`));
    const registered = registeredStaffRoutes(app);
    expect(registered.length).toBeGreaterThan(40);
    const missing = registered.filter((r) => !listed.has(r));
    expect(missing, `staff routes with no row in tests/web/staff-authorization.test.ts ROWS:\n  ${missing.join('\n  ')}\n`).toEqual([]);
    const gone = [...listed].filter((r) => !registered.includes(r));
    expect(gone, 'rows for routes the app does not register').toEqual([]);
  });

  it('refuses each role outside its rights, changing nothing, and lets each allowed role in', async () => {
    const send = async (role: Role, row: Row, use: Ids) => {
      const c = clients.get(role)!;
      const url = row.url(use);
      if (row.method === 'GET') return { url, res: await c.get(url) };
      if (row.upload) return { url, res: await c.upload(url, row.upload) };
      return { url, res: await c.post(url, (await row.body?.(use, db)) ?? {}) };
    };
    for (const row of ROWS) {
      const refused = ROLES.filter((r) => !row.allowed.includes(r));
      // A page that is only read can write an audit row (a student's page opened) and nothing else.
      const look = row.method === 'GET' ? readSnapshot : snapshot;
      const before = await look(db);
      for (const role of refused) {
        const { url, res } = await send(role, row, ids);
        const what = `${role} ${row.method} ${url}`;
        if (role === 'anonymous') {
          expect(res.statusCode, what).toBe(303);
          expect(String(res.headers.location), what).toBe(`/sign-in?next=${encodeURIComponent(url)}`);
        } else {
          expect(res.statusCode, what).toBe(row.gate.includes(role) ? (row.outside ?? 404) : 403);
          const main = /<main\b[\s\S]*<\/main>/.exec(res.body)?.[0] ?? res.body;
          if (row.method === 'GET' && role !== 'student') expect(main, `${what}: names the student`).not.toContain('Ortiz');
        }
        expect(await look(db), `${what}: a refused request changed data`).toEqual(before);
      }
      for (const role of row.allowed) {
        // A write may use its records up (a removal, a closed request): each allowed role acts on its own.
        const use = row.method === 'POST' ? { ...(await records()), section: ids.section } : ids;
        const { url, res } = await send(role, row, use);
        expect([200, 302, 303], `${role} ${row.method} ${url}: ${res.body.slice(0, 300)}`).toContain(res.statusCode);
      }
    }
    // Every row is a request per role and, for a write, a snapshot of every watched table before and after
    // each refusal: some 800 snapshots, over a minute on PostgreSQL on a busy 2-core machine.
  }, 300_000);
});
