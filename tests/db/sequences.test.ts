/**
 * Id counters after an interrupted bulk load (issue 18, item 1): PostgreSQL never rolls a `setval` back,
 * so the demo load sets its sequences only once its rows are committed, and every start moves forward
 * a sequence that lags its table.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { repairIdSequences, TABLES_WITH_ID } from '../../src/db/bulk.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { audit } from '../../src/domain/audit/service.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { enqueue } from '../../src/jobs/queue.js';
import { describeEachEngine } from '../support/db.js';

describeEachEngine('id counters after an interrupted load', (get, engine) => {
  /** Every table whose next id (PostgreSQL's sequence) is not above its largest id. */
  const lagging = async () => {
    const out: string[] = [];
    for (const table of TABLES_WITH_ID) {
      const { rows } = await sql<{ name: string | null; top: string | null }>`
        select pg_get_serial_sequence(${table}, 'id') as name, (select max(id) from ${sql.table(table)})::text as top`.execute(get().db);
      const { name, top } = rows[0]!;
      if (!name || top === null) continue;
      const state = (await sql<{ last_value: string; is_called: boolean }>`select last_value::text, is_called from ${sql.raw(name)}`.execute(get().db)).rows[0]!;
      const next = BigInt(state.last_value) + (state.is_called ? 1n : 0n);
      if (next <= BigInt(top)) out.push(table);
    }
    return out;
  };

  it('keeps the old district and its counters when a demo --reset fails just before its commit', async () => {
    const now = new Date('2026-11-25T15:00:00Z');
    await loadDemo(get(), { students: 30, seed: 3, startYear: 2026 });
    // Life after the load: audit rows and jobs beyond the demo's own ids.
    for (let i = 0; i < 40; i++) await audit(get().db, { action: 'test.after_load', details: { i } }, now);
    for (let i = 0; i < 5; i++) await enqueue(get().db, { kind: 'test.noop', uniqueKey: `noop-${i}` }, now);
    const before = Number((await get().db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    await expect(
      loadDemo(get(), { students: 10, seed: 4, startYear: 2026 }, { reset: true, beforeCommit: () => Promise.reject(new Error('killed while committing')) }),
    ).rejects.toThrow('killed while committing');

    // The old district is all there, and every next id is free.
    expect(Number((await get().db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(before);
    if (engine === 'postgres') expect(await lagging()).toEqual([]);
    await audit(get().db, { action: 'test.after_failed_reset' }, now);
    expect(await enqueue(get().db, { kind: 'test.noop', uniqueKey: 'noop-after' }, now)).not.toBeNull();
  });

  it.runIf(engine === 'postgres')('moves a lagging sequence forward at start-up, and only forward', async () => {
    await sql`select setval(pg_get_serial_sequence('audit_log', 'id'), 1, false)`.execute(get().db);
    await sql`select setval(pg_get_serial_sequence('jobs', 'id'), 1, false)`.execute(get().db);
    expect(await lagging()).toEqual(expect.arrayContaining(['audit_log', 'jobs']));
    await migrateToLatest(get());
    expect(await lagging()).toEqual([]);
    await audit(get().db, { action: 'test.after_repair' }, new Date());
    // Nothing lags: nothing moves.
    expect(await repairIdSequences(get().db, 'postgres')).toEqual([]);
  });
});
