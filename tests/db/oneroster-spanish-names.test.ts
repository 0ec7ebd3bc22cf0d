/**
 * A OneRoster import keeps the Spanish names a district typed (issue 23, ADR 0043 addendum): OneRoster
 * has no Spanish title for academicSessions, so the loader writes only the district's title and leaves
 * `title_es` alone — on an unchanged package, and when the SIS renames the session. Records are written
 * here by hand (tests/support/oneroster.ts); the Spanish names are typed through the administrator's
 * save, as on the page.
 */
import { expect, it } from 'vitest';
import { saveSpanishNames } from '../../src/domain/district/spanish-names.js';
import { describeEachEngine } from '../support/db.js';
import { bulkRecords, load, NOW, session } from '../support/oneroster.js';

describeEachEngine('OneRoster import and the Spanish names', (get) => {
  it('keeps the Spanish titles of sessions across an unchanged and a renamed import', async () => {
    const db = get().db;
    expect((await load(get(), bulkRecords())).report.ok).toBe(true);
    const ids = Object.fromEntries((await db.selectFrom('academic_sessions').select(['id', 'sourced_id']).execute()).map((r) => [r.sourced_id, r.id]));
    // The district administrator of the package (Sam Chief), with an account made in Homeroom.
    const sam = await db.selectFrom('staff').select('id').where('sourced_id', '=', 'A1').executeTakeFirstOrThrow();
    const admin = await db
      .insertInto('user_accounts')
      .values({ username: 'admin', username_key: 'admin', password_hash: 'x', status: 'active', person_kind: 'staff', security_email: null, security_email_confirmed_at: null, student_id: null, guardian_id: null, staff_id: sam.id, locale: 'en', created_at: NOW.toISOString(), updated_at: NOW.toISOString(), updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const saved = await saveSpanishNames(db, { kind: 'sessions', body: { [`es-${ids.T1}`]: 'Otoño', [`es-${ids.Y27}`]: 'Año escolar 2026-27' }, actorAccountId: admin.id, ip: null }, NOW);
    expect(saved).toEqual({ kind: 'saved', changed: 2 });
    const titles = () => db.selectFrom('academic_sessions').select(['sourced_id', 'title', 'title_es']).orderBy('sourced_id').execute();

    // The same package again.
    expect((await load(get(), bulkRecords(), { now: new Date(NOW.getTime() + 86_400_000) })).report.ok).toBe(true);
    expect(await titles()).toEqual([
      { sourced_id: 'T1', title: 'Fall', title_es: 'Otoño' },
      { sourced_id: 'T2', title: 'Spring', title_es: null },
      { sourced_id: 'Y27', title: '2026-27', title_es: 'Año escolar 2026-27' },
    ]);

    // The SIS renames the fall semester: its title follows, its Spanish title stays.
    const renamed = bulkRecords();
    renamed.academicSessions = renamed.academicSessions!.map((s) => (s.sourcedId === 'T1' ? session('T1', 'semester', 'Fall semester', '2026-08-20', '2027-01-15', { parentSourcedId: 'Y27' }) : s));
    expect((await load(get(), renamed, { now: new Date(NOW.getTime() + 2 * 86_400_000) })).report.ok).toBe(true);
    expect((await titles())[0]).toEqual({ sourced_id: 'T1', title: 'Fall semester', title_es: 'Otoño' });
  });
});
