/**
 * Commands killed mid-work (issue 18): `homeroom demo --reset` killed just before its commit keeps the
 * old district and every id counter ahead of its table; `homeroom accounts generate` killed after a
 * batch leaves an interrupted run that the next start ends and the next run resumes.
 */
import { expect, it } from 'vitest';
import { audit } from '../../src/domain/audit/service.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { enqueue } from '../../src/jobs/queue.js';
import { describeFaults, homeroom, laggingSequences } from './support.js';

describeFaults('commands killed mid-work', (get) => {
  const count = async (table: 'students' | 'guardians' | 'audit_log' | 'user_accounts') =>
    Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('keeps the district and its id counters when a demo --reset is killed before its commit', async () => {
    const now = new Date();
    await loadDemo(get(), { students: 30, seed: 3, startYear: 2026 });
    for (let i = 0; i < 30; i++) await audit(get().db, { action: 'test.after_load', details: { i } }, now);
    await enqueue(get().db, { kind: 'test.noop', uniqueKey: 'noop' }, now);
    const before = { students: await count('students'), guardians: await count('guardians'), audit: await count('audit_log') };

    const killed = await homeroom(get(), ['demo', '--students', '10', '--seed', '4', '--year', '2026', '--reset'], { fault: 'demo.before-commit' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect({ students: await count('students'), guardians: await count('guardians'), audit: await count('audit_log') }).toEqual(before);
    expect(await laggingSequences(get())).toEqual([]);
    // The next command that writes works: it was `accounts generate` that failed on a lagging counter.
    const generated = await homeroom(get(), ['accounts', 'generate']);
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.stdout).toMatch(/Parent accounts: \d+ created/);
  });

  it('ends a killed accounts generate as interrupted, and the next run resumes it', async () => {
    await loadDemo(get(), { students: 40, seed: 5, startYear: 2026 }, { reset: true });
    const accounts = await count('user_accounts');

    const killed = await homeroom(get(), ['accounts', 'generate', '--batch', '5'], { fault: 'generate.after-batch:2' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const [dead] = await get().db.selectFrom('account_generation_runs').selectAll().execute();
    expect(dead).toMatchObject({ status: 'running', job_id: null });
    expect(await count('user_accounts')).toBe(accounts + dead!.created);

    // A worker that starts ends the run at once (its process is gone) …
    const worker = await homeroom(get(), ['worker', '--until-idle']);
    expect(worker.code, worker.stderr).toBe(0);
    expect(await get().db.selectFrom('account_generation_runs').select('status').where('id', '=', dead!.id).executeTakeFirstOrThrow()).toEqual({ status: 'interrupted' });
    // … and the next run says it resumed it, and finishes the work.
    const resumed = await homeroom(get(), ['accounts', 'generate']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Resuming run ${dead!.id}, which was interrupted`);
    const runs = await get().db.selectFrom('account_generation_runs').select(['status', 'resumed_from', 'created']).orderBy('id').execute();
    expect(runs.map((r) => [r.status, r.resumed_from])).toEqual([
      ['interrupted', null],
      ['done', dead!.id],
    ]);
    const guardians = await get().db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null).execute();
    expect(new Set(guardians.map((g) => g.guardian_id)).size).toBe(guardians.length);
    expect(await laggingSequences(get())).toEqual([]);
  });
});
