import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { TABLES_IN_FK_ORDER } from '../../src/db/bulk.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { describeEachEngine } from '../support/db.js';

const now = '2026-11-25T15:00:00.000Z';
const changed = { created_at: now, updated_at: now, updated_by: null };

describeEachEngine('migrations', (get) => {
  it('create every table from empty, and a second run changes nothing', async () => {
    const { db } = get();
    // Empty, but for the notifications' one-row cursor over the change events, at the start (migration 0033).
    const seeded: Partial<Record<(typeof TABLES_IN_FK_ORDER)[number], unknown[]>> = { notification_cursor: [{ id: 1, decided_through: 0 }] };
    for (const table of TABLES_IN_FK_ORDER) {
      const rows = (await db.selectFrom(table).selectAll().execute()).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v])));
      expect(rows, table).toEqual(seeded[table] ?? []);
    }
    const again = await migrateToLatest(get());
    expect(again.results).toEqual([]);
  });

  it('keep leading zeros: "0045" and "45" are two students', async () => {
    const { db } = get();
    await db.insertInto('schools').values({ id: 1, school_number: '0201', name: 'Test Middle School', short_name: 'TMS', grade_low: 6, grade_high: 8, ...changed }).execute();
    const student = (id: number, number: string) => ({
      id,
      student_number: number,
      legal_first_name: 'Ana',
      legal_last_name: 'Ruiz',
      birth_date: '2013-04-05',
      grade_level: 7,
      school_id: 1,
      ...changed,
    });
    await db.insertInto('students').values([student(1, '0045'), student(2, '45')]).execute();
    const rows = await db.selectFrom('students').select(['student_number', 'birth_date', 'created_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { student_number: '0045', birth_date: '2013-04-05', created_at: now },
      { student_number: '45', birth_date: '2013-04-05', created_at: now },
    ]);
    await expect(db.insertInto('students').values(student(3, '0045')).execute()).rejects.toThrow();
  });

  it('enforce flags, foreign keys and the one-person rule of accounts', async () => {
    const { db } = get();
    await db.insertInto('guardians').values({ id: 1, first_name: 'Rosa', last_name: 'Ruiz', ...changed }).execute();
    const link = { student_id: 1, guardian_id: 1, relationship: 'mother', ...changed };
    await expect(db.insertInto('student_guardians').values({ ...link, portal_access: 2 as 1 }).execute()).rejects.toThrow();
    await expect(db.insertInto('student_guardians').values({ ...link, student_id: 999 }).execute()).rejects.toThrow();
    await db.insertInto('student_guardians').values(link).execute();
    const saved = await db.selectFrom('student_guardians').selectAll().executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ portal_access: 1, rights_revoked: 0, lives_with: 1, contact_priority: 1 });

    const account = { username: 'rosa', username_key: 'rosa', person_kind: 'guardian' as const, ...changed };
    await expect(db.insertInto('user_accounts').values({ ...account, guardian_id: null }).execute()).rejects.toThrow();
    await expect(db.insertInto('user_accounts').values({ ...account, guardian_id: 1, student_id: 1 }).execute()).rejects.toThrow();
    await db.insertInto('user_accounts').values({ ...account, guardian_id: 1 }).execute();
    await expect(
      db.insertInto('user_accounts').values({ ...account, username: 'ROSA', guardian_id: 1 }).execute(),
    ).rejects.toThrow();
  });

  it('assign ids when none is given', async () => {
    const { db } = get();
    const inserted = await db
      .insertInto('audit_log')
      .values({ at: now, action: 'test' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(inserted.id).toBeGreaterThan(0);
    const count = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(get().db);
    expect(Number(count.rows[0]?.n)).toBe(1);
  });
});
