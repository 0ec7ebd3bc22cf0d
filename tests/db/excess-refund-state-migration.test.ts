/**
 * Migration 0066 (ADR 0067, addendum): an excess Homeroom gave back before it is taken as given back
 * (`excess_refund_status` succeeded, what its page said), one not given back keeps no state, and only the
 * states Stripe reports while a refund is live can be stored (a failed refund's id moves aside instead).
 */
import { Migrator, type Migration } from 'kysely';
import { expect, it } from 'vitest';
import { migrateToLatest, migrations } from '../../src/db/migrate.js';
import { describeEachEngine, freshDatabase } from '../support/db.js';

const t = '2027-01-15T15:00:00.000Z';
const changed = { created_at: t, updated_at: t, updated_by: null };

describeEachEngine('migration 0066: the state of an excess refund', (get) => {
  it('marks the excesses given back before as succeeded, leaves the others without a state, and refuses other states', async () => {
    const database = await freshDatabase(get().dialect, { migrate: false });
    try {
      const { db, dialect } = database;
      const before = migrations.filter((m) => m.name < '0066');
      const provider = { getMigrations: async () => Object.fromEntries(before.map((m) => [m.name, { up: (tx) => m.up(tx, dialect) } satisfies Migration])) };
      expect((await new Migrator({ db, provider }).migrateToLatest()).error).toBeUndefined();

      await db.insertInto('guardians').values({ id: 1, first_name: 'Rosa', last_name: 'Diaz', ...changed }).execute();
      const checkout = (id: number, refund: string | null, excess: number) => ({
        id,
        idempotency_key: `k-${id}-0000000000000000`,
        provider: 'stripe',
        account_id: null,
        guardian_id: 1,
        session_id: `cs_${id}`,
        url: null,
        status: 'paid' as const,
        total_cents: 2000,
        locale: 'en',
        expires_at: t,
        payment_id: null,
        reference: `pi_${id}`,
        excess_cents: excess,
        excess_refund_id: refund,
        failure: null,
        created_at: t,
        updated_at: t,
      });
      await db.insertInto('online_checkouts').values([checkout(1, 're_given_back', 500), checkout(2, null, 500), checkout(3, null, 0)]).execute();

      expect((await migrateToLatest(database)).error).toBeUndefined();

      expect(await db.selectFrom('online_checkouts').select(['id', 'excess_refund_status', 'excess_failed_refund_id', 'excess_at_provider_at']).orderBy('id').execute()).toEqual([
        { id: 1, excess_refund_status: 'succeeded', excess_failed_refund_id: null, excess_at_provider_at: null },
        { id: 2, excess_refund_status: null, excess_failed_refund_id: null, excess_at_provider_at: null },
        { id: 3, excess_refund_status: null, excess_failed_refund_id: null, excess_at_provider_at: null },
      ]);
      await expect(db.updateTable('online_checkouts').set({ excess_refund_status: 'failed' as never }).where('id', '=', 2).execute()).rejects.toThrow(/check/i);
      await db.updateTable('online_checkouts').set({ excess_refund_status: 'pending' }).where('id', '=', 2).execute();
    } finally {
      await database.drop();
    }
  });
});
