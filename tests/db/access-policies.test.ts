/**
 * The access module's rules, role × action × relationship, against a fixture built for this file (no
 * demo district): two schools, students at each, guardians with every kind of link, staff with every
 * role. The expected answers are written out by hand.
 */
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB, StaffRole } from '../../src/db/schema.js';
import { contactLinks, portalLinks } from '../../src/domain/access/guardian-links.js';
import { isDistrictAdmin, isOfficeStaff, mayActOnSchool, officeScope, officeScopes, operatorScope, OutsideScope, schoolOfficeScope } from '../../src/domain/access/staff.js';
import { issueActivationKeys, issueKeysForStudents } from '../../src/domain/accounts/activation.js';
import { guardiansNeedingKeys } from '../../src/domain/accounts/parent-generation.js';
import { findAccountById } from '../../src/domain/accounts/repository.js';
import { studentsVisibleTo } from '../../src/domain/people/visibility.js';
import { describeEachEngine } from '../support/db.js';

const t = '2026-12-01T12:00:00.000Z';
const changed = { created_at: t, updated_at: t, updated_by: null };
const A = 1;
const B = 2;

/** Students: s1 and s3 at school A (s3 turned 18 in 2025), s2 at school B. */
const STUDENTS = [
  { id: 11, number: '0011', school: A, born: '2012-03-01' },
  { id: 12, number: '0012', school: B, born: '2012-05-01' },
  { id: 13, number: '0013', school: A, born: '2007-02-01' },
];

/** Guardians and their links: [student, portal_access, rights_revoked]. */
const GUARDIANS: Record<number, [number, 0 | 1, 0 | 1][]> = {
  21: [
    [11, 1, 0],
    [13, 1, 0],
  ], // a parent of two at school A
  22: [[11, 0, 0]], // an emergency contact: no portal access
  23: [[11, 1, 1]], // rights revoked by a court order (portal access still marked on)
  24: [
    [12, 1, 0],
    [11, 0, 0],
  ], // a parent at school B, and a contact at school A
};

/** Staff and their roles: [role, school or null for the district]. */
const STAFF: Record<number, [StaffRole, number | null][]> = {
  31: [['office', A]],
  32: [['school_admin', B]],
  33: [['district_admin', null]],
  34: [['teacher', A]],
  35: [['counselor', A]],
  36: [['office', null]],
  37: [
    ['nurse', B],
    ['teacher', B],
  ],
  38: [
    ['teacher', A],
    ['office', B],
  ],
};

async function buildFixture(db: Kysely<DB>) {
  for (const [id, name] of [
    [A, 'Alder Middle School'],
    [B, 'Birch High School'],
  ] as const) {
    await db.insertInto('schools').values({ id, school_number: `0${id}00`, name, short_name: name.slice(0, 3), grade_low: 6, grade_high: 12, ...changed }).execute();
  }
  for (const s of STUDENTS) {
    await db
      .insertInto('students')
      .values({ id: s.id, student_number: s.number, legal_first_name: `S${s.id}`, legal_last_name: 'Fixture', birth_date: s.born, grade_level: 7, school_id: s.school, ...changed })
      .execute();
  }
  for (const [id, links] of Object.entries(GUARDIANS)) {
    await db.insertInto('guardians').values({ id: Number(id), first_name: `G${id}`, last_name: 'Fixture', ...changed }).execute();
    for (const [student, portal, revoked] of links) {
      await db
        .insertInto('student_guardians')
        .values({ student_id: student, guardian_id: Number(id), relationship: 'guardian', portal_access: portal, rights_revoked: revoked, ...changed })
        .execute();
    }
  }
  for (const [id, roles] of Object.entries(STAFF)) {
    await db.insertInto('staff').values({ id: Number(id), staff_number: `T${id}`, first_name: `T${id}`, last_name: 'Fixture', school_id: roles[0]![1], ...changed }).execute();
    for (const [role, school] of roles) await db.insertInto('staff_roles').values({ staff_id: Number(id), role, school_id: school }).execute();
    await db
      .insertInto('user_accounts')
      .values({ id: 100 + Number(id), username: `t${id}`, username_key: `t${id}`, person_kind: 'staff', staff_id: Number(id), ...changed })
      .execute();
  }
  await db.insertInto('user_accounts').values({ id: 111, username: '0011', username_key: '0011', person_kind: 'student', student_id: 11, ...changed }).execute();
}

describeEachEngine('access policies', (get) => {
  beforeAll(async () => {
    await buildFixture(get().db);
  });

  describe('guardian links', () => {
    // guardian → [students through portal links, students through contact links]
    const expected: Record<number, [number[], number[]]> = {
      21: [
        [11, 13],
        [11, 13],
      ],
      22: [[], [11]],
      23: [[], []],
      24: [[12], [11, 12]],
    };
    it.each(Object.entries(expected))('guardian %s: portal links and contact links', async (guardian, [portal, contact]) => {
      const { db } = get();
      const students = async (q: ReturnType<typeof portalLinks>) =>
        (await q.select('sg.student_id').where('sg.guardian_id', '=', Number(guardian)).orderBy('sg.student_id').execute()).map((r) => r.student_id);
      expect(await students(portalLinks(db))).toEqual(portal);
      expect(await students(contactLinks(db))).toEqual(contact);
    });
  });

  describe('who sees which students in the portal', () => {
    const guardian = (id: number) => ({ person_kind: 'guardian', student_id: null, guardian_id: id });
    // [reader, cutoff for the end of access at 18, the students seen in order (oldest first)]
    const cases: [string, { person_kind: string; student_id: number | null; guardian_id: number | null }, string | null, number[]][] = [
      ['the student themself', { person_kind: 'student', student_id: 11, guardian_id: null }, null, [11]],
      ['a parent with portal links', guardian(21), null, [13, 11]],
      ['a parent, after 18 ends access', guardian(21), '2008-12-01', [11]],
      ['an emergency contact', guardian(22), null, []],
      ['a parent whose rights were revoked', guardian(23), null, []],
      ['a parent at another school who is a contact here', guardian(24), null, [12]],
      ['staff', { person_kind: 'staff', student_id: null, guardian_id: null }, null, []],
    ];
    it.each(cases)('%s', async (_name, reader, cutoff, seen) => {
      expect((await studentsVisibleTo(get().db, reader, cutoff)).map((s) => s.id)).toEqual(seen);
    });
  });

  describe('staff scope: one answer for navigation, routes and the domain', () => {
    // staff → [opens the office pages, opens the administrators' pages, acts for school A, acts for school B]
    const expected: Record<number, [boolean, boolean, boolean, boolean]> = {
      31: [true, false, true, false], // office at A
      32: [true, false, false, true], // school administrator at B
      33: [true, true, true, true], // district administrator
      34: [false, false, false, false], // teacher
      35: [false, false, false, false], // counselor
      36: [false, false, false, false], // an office role naming no school opens nothing
      37: [false, false, false, false], // nurse and teacher
      38: [true, false, false, true], // teacher at A, office at B
    };
    it.each(Object.entries(expected))('staff %s', async (id, [office, admin, actA, actB]) => {
      const { db } = get();
      const scope = await officeScope(db, Number(id));
      expect([isOfficeStaff(scope), isDistrictAdmin(scope), mayActOnSchool(scope, A), mayActOnSchool(scope, B)]).toEqual([office, admin, actA, actB]);
      // The navigation's flags come from the same scope.
      const account = await findAccountById(db, 100 + Number(id));
      expect([account?.is_office, account?.is_district_admin]).toEqual([office ? 1 : 0, admin ? 1 : 0]);
    });

    it('answers the same for many staff at once as for each', async () => {
      const { db } = get();
      const ids = Object.keys(STAFF).map(Number);
      const many = await officeScopes(db, ids);
      for (const id of ids) expect(many.get(id)).toEqual(await officeScope(db, id));
    });

    it('gives families and accounts without staff nothing', async () => {
      const { db } = get();
      const none = await officeScope(db, null);
      expect([isOfficeStaff(none), isDistrictAdmin(none), mayActOnSchool(none, A)]).toEqual([false, false, false]);
      expect((await findAccountById(db, 111))?.is_office).toBe(0);
    });

    it('routes a public request as one school’s office would see it, and lets the command line act for every school', () => {
      const a = schoolOfficeScope(A);
      expect([isOfficeStaff(a), isDistrictAdmin(a), mayActOnSchool(a, A), mayActOnSchool(a, B)]).toEqual([true, false, true, false]);
      const operator = operatorScope();
      expect([mayActOnSchool(operator, A), mayActOnSchool(operator, B)]).toEqual([true, true]);
    });
  });

  describe('domain functions acting for staff check the scope they are given', () => {
    const now = new Date(t);
    const actor = async (staffId: number) => ({ scope: await officeScope(get().db, staffId), actorAccountId: 100 + staffId, ip: null });

    it('Activation Keys by student number: refused for another school’s student, issued for one’s own', async () => {
      const { db } = get();
      const officeA = await officeScope(db, 31);
      const keys = (numbers: string[], include: 'students' | 'guardians') => issueKeysForStudents(db, { scope: officeA, numbers, include, issuedBy: 131, days: 30, confirmed: false }, now);
      expect(await keys(['0012'], 'students')).toEqual({ kind: 'outside', numbers: ['0012'] });
      expect(await keys(['0011'], 'students')).toMatchObject({ kind: 'none', skipped: [{ recipient: 'S11 Fixture', reason: 'hasAccount' }] });
      const issued = await keys(['0011'], 'guardians');
      expect(issued.kind === 'issued' && issued.issued.map((k) => [k.recipient.kind, k.recipient.id])).toEqual([['guardian', 21]]);
      expect(await db.selectFrom('activation_keys').select(['guardian_id', 'issued_by']).execute()).toEqual([{ guardian_id: 21, issued_by: 131 }]);
    });

    it('an Activation Key for someone outside the scope is never issued', async () => {
      const { db } = get();
      const recipient = { kind: 'guardian' as const, id: 24, firstName: 'G24', lastName: 'Fixture', language: 'en', students: [{ name: 'S12 Fixture', number: '0012', schoolId: B }] };
      await expect(issueActivationKeys(db, { scope: await officeScope(db, 31), recipients: [recipient], issuedBy: 131, days: 30 }, now)).rejects.toBeInstanceOf(OutsideScope);
      expect(await db.selectFrom('activation_keys').select('guardian_id').where('guardian_id', '=', 24).execute()).toEqual([]);
    });

    it('the district’s list of guardians needing keys: district administrators only, and each reading audited', async () => {
      const { db } = get();
      await expect(guardiansNeedingKeys(db, { viewer: await actor(31), adultBornOnOrBefore: null }, now)).rejects.toBeInstanceOf(OutsideScope);
      const rows = await guardiansNeedingKeys(db, { viewer: await actor(33), adultBornOnOrBefore: null }, now);
      // No email on record: g21 (two students at A, one row each) and g24 (at B). g22 and g23 have no portal link.
      expect(rows.map((r) => [r.id, r.student_number])).toEqual([
        [21, '0011'],
        [21, '0013'],
        [24, '0012'],
      ]);
      const audited = await db.selectFrom('audit_log').select(['actor_account_id', 'details']).where('action', '=', 'parent_accounts.need_keys_exported').execute();
      expect(audited).toEqual([{ actor_account_id: 133, details: JSON.stringify({ rows: 3 }) }]);
    });
  });
});
