/**
 * Migration 0014 repairs the username keys that were written before the identity rule, and never
 * loses an account when two keys collide: the older account gets the key, the other keeps its old key
 * and is named in the audit log.
 */
import { Migrator, type Migration } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, migrations } from '../../src/db/migrate.js';
import { findAccountByKeys } from '../../src/domain/accounts/repository.js';
import { pickAccount, usernameKeys } from '../../src/domain/accounts/sign-in.js';
import { describeEachEngine, freshDatabase } from '../support/db.js';

const t = '2026-11-25T15:00:00.000Z';
const changed = { created_at: t, updated_at: t, updated_by: null };

describeEachEngine('migration 0014: username keys by the identity rule', (get) => {
  it('repairs keys and security emails, and settles collisions without losing an account', async () => {
    const database = await freshDatabase(get().dialect, { migrate: false });
    try {
      const { db, dialect } = database;
      const before = migrations.filter((m) => m.name < '0013');
      const provider = { getMigrations: async () => Object.fromEntries(before.map((m) => [m.name, { up: (tx) => m.up(tx, dialect) } satisfies Migration])) };
      const first = await new Migrator({ db, provider }).migrateToLatest();
      expect(first.error).toBeUndefined();

      await db.insertInto('schools').values({ id: 1, school_number: '0201', name: 'Test Middle School', short_name: 'TMS', grade_low: 6, grade_high: 8, ...changed }).execute();
      await db
        .insertInto('students')
        .values({ id: 1, student_number: '0045', legal_first_name: 'Ana', legal_last_name: 'Ruiz', birth_date: '2013-04-05', grade_level: 7, school_id: 1, ...changed })
        .execute();
      for (let id = 1; id <= 5; id++) await db.insertInto('guardians').values({ id, first_name: `G${id}`, last_name: 'Fixture', ...changed }).execute();
      const account = (id: number, username: string, key: string, more: Record<string, unknown> = {}) => ({
        id,
        username,
        username_key: key,
        person_kind: 'guardian' as const,
        guardian_id: id,
        security_email: null as string | null,
        ...changed,
        ...more,
      });
      await db
        .insertInto('user_accounts')
        .values([
          // A nightly account made before the rule: its key kept the capitals, so nobody could sign in.
          account(1, 'Ana.Ruiz@Example.com', 'Ana.Ruiz@Example.com', { security_email: 'Ana.Ruiz@Example.com' }),
          // Two parents whose addresses differed only in capitals both got one: the older gets the key.
          account(2, 'Ben@Example.com', 'Ben@Example.com'),
          account(3, 'BEN@example.com', 'BEN@example.com'),
          // An account already under the key keeps it; the newer one with capitals keeps its old key.
          account(4, 'carla@example.com', 'carla@example.com', { security_email: 'carla@example.com' }),
          account(5, 'Carla@example.com', 'Carla@example.com'),
          // A student's key is the student number as issued: unchanged.
          { ...account(6, '0045', '0045'), person_kind: 'student' as const, guardian_id: null, student_id: 1 },
        ])
        .execute();

      await migrateToLatest(database);

      const rows = await db.selectFrom('user_accounts').select(['id', 'username', 'username_key', 'security_email']).orderBy('id').execute();
      expect(rows).toEqual([
        { id: 1, username: 'Ana.Ruiz@Example.com', username_key: 'ana.ruiz@example.com', security_email: 'ana.ruiz@example.com' },
        { id: 2, username: 'Ben@Example.com', username_key: 'ben@example.com', security_email: null },
        { id: 3, username: 'BEN@example.com', username_key: 'BEN@example.com', security_email: null },
        { id: 4, username: 'carla@example.com', username_key: 'carla@example.com', security_email: 'carla@example.com' },
        { id: 5, username: 'Carla@example.com', username_key: 'Carla@example.com', security_email: null },
        { id: 6, username: '0045', username_key: '0045', security_email: null },
      ]);
      const collisions = await db.selectFrom('audit_log').select(['subject_id', 'details']).where('action', '=', 'account.username_key_collision').orderBy('subject_id').execute();
      expect(collisions.map((c) => [c.subject_id, JSON.parse(String(c.details))])).toEqual([
        [3, { key: 'ben@example.com', heldBy: 2 }],
        [5, { key: 'carla@example.com', heldBy: 4 }],
      ]);
      // Sign-in finds one account for every spelling: the one that holds the key.
      for (const [typed, id] of [
        ['ANA.RUIZ@example.com', 1],
        ['BEN@example.com', 2],
        ['Carla@Example.com', 4],
        ['0045', 6],
      ] as const) {
        expect(pickAccount(await findAccountByKeys(db, usernameKeys(typed)), typed)?.id, typed).toBe(id);
      }
      // Run again: nothing left to do.
      expect((await migrateToLatest(database)).results).toEqual([]);
    } finally {
      await database.drop();
    }
  });
});
