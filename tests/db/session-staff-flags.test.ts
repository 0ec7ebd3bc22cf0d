/**
 * The staff flags a signed-in request carries (whether its staff member does office work, whether they
 * run the district) are read in the session's own query (accounts/repository.ts), no longer by a second
 * query through the office scope. They must say what the office scope says, for every kind of role:
 * worked out by hand below, and compared with the account as sign-in reads it (findAccountById, which
 * still goes through officeScopes).
 */
import { expect, it } from 'vitest';
import { findAccountById, findSessionWithAccount } from '../../src/domain/accounts/repository.js';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { hashToken } from '../../src/domain/accounts/tokens.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, staffMember } from '../support/factories.js';

const SETTINGS = { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 };

describeEachEngine('staff flags read with the session', (get) => {
  it('says who does office work and who runs the district, as the office scope does, in the session’s one query', async () => {
    const { db } = get();
    const world = await schoolYear(db);
    const middle = await otherSchool(db);
    const cases = [
      // [who, roles, office work, runs the district]
      ['a teacher', [{ role: 'teacher' as const }], 0, 0],
      ['office staff of a school', [{ role: 'office' as const }], 1, 0],
      ['office staff of two schools', [{ role: 'office' as const }, { role: 'office' as const, schoolId: middle.id }], 1, 0],
      ['an office role with no school', [{ role: 'office' as const, schoolId: null }], 0, 0],
      ['a school administrator', [{ role: 'school_admin' as const, schoolId: middle.id }], 1, 0],
      ['a district administrator (no school)', [{ role: 'district_admin' as const, schoolId: null }], 1, 1],
      ['a nurse and a counselor', [{ role: 'nurse' as const }, { role: 'counselor' as const, schoolId: middle.id }], 0, 0],
      ['a teacher who is also office staff', [{ role: 'teacher' as const }, { role: 'office' as const, schoolId: middle.id }], 1, 0],
      ['nobody (no role)', [], 0, 0],
    ] as const;
    const now = new Date();
    for (const [who, roles, office, district] of cases) {
      const staff = await staffMember(db, world, { first: 'Flag', last: who.replace(/\W+/g, ''), roles: [...roles] });
      const session = await startSession(db, staff.account!.id, { persistent: false, ip: null, userAgent: null, settings: SETTINGS, now });
      const found = await findSessionWithAccount(db, hashToken(session.token));
      expect([who, found?.account.is_office, found?.account.is_district_admin]).toEqual([who, office, district]);
      const signIn = await findAccountById(db, staff.account!.id);
      expect([who, signIn?.is_office, signIn?.is_district_admin]).toEqual([who, office, district]);
    }
    // A parent is neither.
    const family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const parent = await startSession(db, family.guardianAccount!.id, { persistent: false, ip: null, userAgent: null, settings: SETTINGS, now });
    const found = await findSessionWithAccount(db, hashToken(parent.token));
    expect([found?.account.is_office, found?.account.is_district_admin]).toEqual([0, 0]);
  });
});
