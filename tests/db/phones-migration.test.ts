/**
 * Migration 0036 (issue 23): phones typed any way become E.164; one it cannot read is kept exactly as
 * typed and listed in the audit log; a waiting change request's phone is converted, a decided one is
 * left as it was asked; run again, it changes nothing.
 */
import { Migrator, type Migration } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, migrations } from '../../src/db/migrate.js';
import { phonesE164 } from '../../src/db/migrations/0036_phones_e164.js';
import { describeEachEngine, freshDatabase } from '../support/db.js';

const t = '2026-11-25T15:00:00.000Z';
const changed = { created_at: t, updated_at: t, updated_by: null };

describeEachEngine('migration 0036: phones in E.164', (get) => {
  it('converts what it can read, keeps and lists what it cannot', async () => {
    const database = await freshDatabase(get().dialect, { migrate: false });
    try {
      const { db, dialect } = database;
      const before = migrations.filter((m) => m.name < '0036');
      const provider = { getMigrations: async () => Object.fromEntries(before.map((m) => [m.name, { up: (tx) => m.up(tx, dialect) } satisfies Migration])) };
      expect((await new Migrator({ db, provider }).migrateToLatest()).error).toBeUndefined();

      await db.insertInto('schools').values({ id: 1, school_number: '0201', name: 'Test Middle School', short_name: 'TMS', grade_low: 6, grade_high: 8, phone: '573.555.0100', ...changed }).execute();
      await db.insertInto('households').values({ id: 1, name: 'Ruiz', phone: '(573) 555-0187', ...changed }).execute();
      await db
        .insertInto('students')
        .values({ id: 1, student_number: '0045', legal_first_name: 'Ana', legal_last_name: 'Ruiz', birth_date: '2011-04-05', grade_level: 9, school_id: 1, phone: 'ask her mom', ...changed })
        .execute();
      await db
        .insertInto('guardians')
        .values([
          { id: 1, first_name: 'Rosa', last_name: 'Ruiz', household_id: 1, phone_mobile: '573-555-0199', phone_home: '555-0101', phone_work: '+44 20 7946 0958', ...changed },
          { id: 2, first_name: 'Luis', last_name: 'Ruiz', household_id: 1, phone_mobile: '+15735550142', phone_home: null, phone_work: '1 (573) 555 0143', ...changed },
        ])
        .execute();
      const request = await db.insertInto('change_requests').values({ guardian_id: 1, account_id: null, household_id: 1, submitted_at: t, decided_at: null, decided_by: null }).returning('id').executeTakeFirstOrThrow();
      await db
        .insertInto('change_request_fields')
        .values([
          { request_id: request.id, target: 'guardian', field: 'phone_home', old_value: '555-0101', new_value: '573 555 0111', reason: null, status: 'pending' },
          { request_id: request.id, target: 'guardian', field: 'phone_work', old_value: null, new_value: '573 555 0112', reason: null, status: 'rejected' },
        ])
        .execute();

      expect((await migrateToLatest(database)).error).toBeUndefined();

      expect(await db.selectFrom('guardians').select(['id', 'phone_mobile', 'phone_home', 'phone_work']).orderBy('id').execute()).toEqual([
        { id: 1, phone_mobile: '+15735550199', phone_home: '555-0101', phone_work: '+442079460958' },
        { id: 2, phone_mobile: '+15735550142', phone_home: null, phone_work: '+15735550143' },
      ]);
      expect((await db.selectFrom('households').select('phone').executeTakeFirstOrThrow()).phone).toBe('+15735550187');
      expect((await db.selectFrom('schools').select('phone').executeTakeFirstOrThrow()).phone).toBe('+15735550100');
      expect((await db.selectFrom('students').select('phone').executeTakeFirstOrThrow()).phone).toBe('ask her mom');
      expect(await db.selectFrom('change_request_fields').select(['field', 'old_value', 'new_value']).orderBy('id').execute()).toEqual([
        { field: 'phone_home', old_value: '555-0101', new_value: '+15735550111' },
        { field: 'phone_work', old_value: null, new_value: '573 555 0112' },
      ]);
      const listed = await db.selectFrom('audit_log').select('details').where('action', '=', 'phones.kept_as_typed').execute();
      expect(listed).toHaveLength(1);
      expect(JSON.parse(listed[0]!.details!).rows).toEqual([
        { table: 'guardians', id: 1, column: 'phone_home', value: '555-0101' },
        { table: 'students', id: 1, column: 'phone', value: 'ask her mom' },
      ]);

      // again: nothing changes but a second list of the same kept values
      await phonesE164.up(db, dialect);
      expect((await db.selectFrom('guardians').select('phone_mobile').where('id', '=', 1).executeTakeFirstOrThrow()).phone_mobile).toBe('+15735550199');
    } finally {
      await database.drop();
    }
  });
});
