/**
 * A district built by hand for the staff student search and student page (Tuesday 9 February 2027):
 *
 *   Cedar Ridge High School (the world's school):
 *     José Álvarez, goes by Pepe, number 0000123, grade 11, in Biology (period 2, room B-114, Rosa Marquez
 *       and, as co-teacher, the fixture teacher Tomás Reed). His mother Lucía (portal access, an account,
 *       mobile +15735550101, stored E.164), his father Víctor (rights revoked), his grandmother Rosa (no portal access,
 *       not living with him, called second, home 555-0199, kept as typed). Links are emergency contacts and live with
 *       the student unless said (the columns' defaults).
 *       Biology Q2 posted grade 91 A-; one absence on 3 February (A-ILL); a transcript course of 2025–26
 *       (ENG10 English 10, A, 1 credit).
 *     Ana López, number 0000456, grade 10; Anatole Green, number 0004567, grade 9. In no class.
 *   Fixture Middle School: Zoe Smith, number 0000789, grade 7.
 *
 * Staff (each with an account): the teacher Tomás Reed; office, nurse and counselor of the high school;
 * a district administrator; the office and the counselor of the middle school; a teacher with no class.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.js';
import {
  attendance,
  guardianWithChild,
  otherSchool,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  teachSection,
  transcriptHistory,
  type Family,
  type StaffFixture,
  type StudentFixture,
  type World,
} from './factories.js';

export const SEARCH_TODAY = '2027-02-09';

export interface SearchWorld {
  world: World;
  middle: { id: number; name: string };
  jose: Family;
  ana: StudentFixture;
  anatole: StudentFixture;
  zoe: StudentFixture;
  staff: {
    teacher: StaffFixture;
    idleTeacher: StaffFixture;
    office: StaffFixture;
    nurse: StaffFixture;
    counselor: StaffFixture;
    districtAdmin: StaffFixture;
    otherOffice: StaffFixture;
    otherCounselor: StaffFixture;
  };
}

export async function searchWorld(db: Kysely<DB>): Promise<SearchWorld> {
  const world = await schoolYear(db, { today: SEARCH_TODAY });
  const middle = await otherSchool(db);
  const jose = await guardianWithChild(db, world, {
    student: { first: 'José', last: 'Álvarez', number: '0000123', grade: 11, birthDate: '2010-05-01' },
    guardian: { first: 'Lucía', last: 'Álvarez' },
  });
  await db.updateTable('students').set({ preferred_first_name: 'Pepe' }).where('id', '=', jose.student.id).execute();
  await db.updateTable('guardians').set({ phone_mobile: '+15735550101' }).where('id', '=', jose.guardian.id).execute();
  await guardianWithChild(db, world, { child: jose.student, guardian: { first: 'Víctor', last: 'Álvarez' }, relationship: 'Father', revoked: true, accounts: 'none' });
  const rosa = await guardianWithChild(db, world, { child: jose.student, guardian: { first: 'Rosa', last: 'Álvarez' }, relationship: 'Grandmother', portalAccess: false, accounts: 'none' });
  await db.updateTable('guardians').set({ phone_home: '555-0199' }).where('id', '=', rosa.guardian.id).execute();
  await db.updateTable('student_guardians').set({ emergency_contact: 1, lives_with: 0, contact_priority: 2 }).where('id', '=', rosa.linkId).execute();

  const ana = await student(db, world, { first: 'Ana', last: 'López', number: '0000456', grade: 10 });
  const anatole = await student(db, world, { first: 'Anatole', last: 'Green', number: '0004567', grade: 9 });
  const zoe = await student(db, world, { first: 'Zoe', last: 'Smith', number: '0000789', grade: 7 });
  await db.updateTable('students').set({ school_id: middle.id }).where('id', '=', zoe.id).execute();

  const biology = await sectionWithGradebook(db, world, {
    course: { code: 'BIO', title: 'Biology', credits: 1 },
    period: '2',
    room: 'B-114',
    teacher: { first: 'Rosa', last: 'Marquez' },
    categories: [{ name: 'Tests', weight: 100 }],
    assignments: [{ title: 'Unit test: cells', category: 'Tests', quarter: 'Q3', due: '2027-01-27', possible: 100 }],
    students: [{ student: jose.student }],
    scores: [{ student: jose.student, assignment: 'Unit test: cells', points: 88 }],
    termGrades: [{ student: jose.student, term: 'Q2', percent: 91, letter: 'A-' }],
  });
  await attendance(db, world, jose.student, [{ date: '2027-02-03', code: 'A-ILL', section: biology }]);
  await transcriptHistory(db, world, jose.student, [
    { schoolYear: 2026, grade: 10, code: 'ENG10', title: 'English 10', term: 'Year', letter: 'A', gpaPoints: 4, attempted: 1, earned: 1 },
  ]);

  const teacher = await staffMember(db, world, { first: 'Tomás', last: 'Reed', roles: [{ role: 'teacher' }] });
  await teachSection(db, teacher, biology);
  const staff = {
    teacher,
    idleTeacher: await staffMember(db, world, { first: 'Ida', last: 'Idle', roles: [{ role: 'teacher' }] }),
    office: await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] }),
    nurse: await staffMember(db, world, { first: 'Nora', last: 'Nurse', roles: [{ role: 'nurse' }] }),
    counselor: await staffMember(db, world, { first: 'Carl', last: 'Counsel', roles: [{ role: 'counselor' }] }),
    districtAdmin: await staffMember(db, world, { first: 'Dana', last: 'District', roles: [{ role: 'district_admin', schoolId: null }] }),
    otherOffice: await staffMember(db, world, { first: 'Mia', last: 'Middle', roles: [{ role: 'office', schoolId: middle.id }] }),
    otherCounselor: await staffMember(db, world, { first: 'Max', last: 'Middle', roles: [{ role: 'counselor', schoolId: middle.id }] }),
  };
  return { world, middle, jose, ana, anatole, zoe, staff };
}
