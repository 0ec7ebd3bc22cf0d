import { expect, it } from 'vitest';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { describeEachEngine, freshDatabase, type TestDatabase } from '../support/db.js';

const DEMO = { students: 60, seed: 23, startYear: 2026 };
const now = () => new Date('2026-11-26T08:00:00.000Z');

async function accountsOf(db: TestDatabase['db']) {
  return db.selectFrom('user_accounts').select(['id', 'guardian_id', 'username', 'status', 'security_email', 'security_email_confirmed_at', 'password_hash']).where('guardian_id', 'is not', null).orderBy('guardian_id').execute();
}

describeEachEngine('nightly parent accounts', (get) => {
  it('creates accounts only for guardians with a unique email and portal access to an enrolled student', async () => {
    const { db } = get();
    await loadDemo(get(), DEMO);
    const before = (await accountsOf(db)).length;
    const summary = await generateParentAccounts(db, { now, batchSize: 7 });
    expect(summary.created).toBeGreaterThan(0);
    for (const reason of ['skippedHasAccount', 'skippedNoEmail', 'skippedSharedEmail', 'skippedNoPortalAccess'] as const) {
      expect(summary[reason], reason).toBeGreaterThan(0);
    }
    const guardians = await db.selectFrom('guardians').select(['id', 'email']).execute();
    expect(
      summary.created + summary.skippedHasAccount + summary.skippedNoEmail + summary.skippedSharedEmail + summary.skippedNoPortalAccess + summary.skippedUsernameTaken,
    ).toBe(guardians.length);

    const made = (await accountsOf(db)).filter((a) => a.status === 'pending');
    expect(made).toHaveLength(summary.created);
    expect((await accountsOf(db)).length).toBe(before + summary.created);
    const emails = new Map<string, number>();
    for (const g of guardians) if (g.email) emails.set(g.email, (emails.get(g.email) ?? 0) + 1);
    for (const a of made) {
      expect(a.username).toBe(a.security_email);
      expect(emails.get(a.username)).toBe(1);
      expect(a.password_hash).toBeNull();
      expect(a.security_email_confirmed_at).toBeNull();
      const access = await db
        .selectFrom('student_guardians as sg')
        .innerJoin('students as s', 's.id', 'sg.student_id')
        .select('sg.id')
        .where('sg.guardian_id', '=', a.guardian_id!)
        .where('sg.portal_access', '=', 1)
        .where('sg.rights_revoked', '=', 0)
        .where('s.enrollment_status', '=', 'active')
        .execute();
      expect(access.length, a.username).toBeGreaterThan(0);
    }
    // The parent whose rights were revoked by a court order gets nothing.
    const revoked = await db.selectFrom('student_guardians').select('guardian_id').where('rights_revoked', '=', 1).execute();
    for (const r of revoked) expect(made.some((a) => a.guardian_id === r.guardian_id)).toBe(false);

    // One welcome job per new account, and a run summary.
    const jobs = await db.selectFrom('jobs').select(['kind', 'unique_key']).where('kind', '=', 'accounts.welcome').execute();
    expect(jobs).toHaveLength(summary.created);
    const run = await db.selectFrom('account_generation_runs').selectAll().where('id', '=', summary.runId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'done', created: summary.created, skipped_shared_email: summary.skippedSharedEmail });
    // The audit log names every account the run made.
    const logged = await db.selectFrom('audit_log').select('details').where('action', '=', 'parent_accounts.created').execute();
    const named = logged.flatMap((r) => (JSON.parse(String(r.details)) as { run: number; accounts: number[] }).accounts);
    expect(named.sort((a, b) => a - b)).toEqual(made.map((a) => a.id).sort((a, b) => a - b));
  });

  it('is idempotent: a second run creates nothing and queues no second email', async () => {
    const { db } = get();
    const jobsBefore = (await db.selectFrom('jobs').select('id').execute()).length;
    const again = await generateParentAccounts(db, { now });
    expect(again.created).toBe(0);
    expect((await db.selectFrom('jobs').select('id').execute()).length).toBe(jobsBefore);
  });

  it('does not count students of 18 or older when the district ends guardians’ access then', async () => {
    const database = await freshDatabase(get().dialect);
    try {
      await loadDemo(database, DEMO);
      // A cutoff after every birth date: every student counts as an adult.
      const summary = await generateParentAccounts(database.db, { now, adultBornOnOrBefore: '2030-01-01' });
      expect(summary.created).toBe(0);
      expect(summary.skippedNoPortalAccess).toBeGreaterThan(0);
    } finally {
      await database.drop();
    }
  });

  it('finishes the work after a run that died half-way, without duplicates or skipped guardians', async () => {
    const reference = await freshDatabase(get().dialect);
    const crashed = await freshDatabase(get().dialect);
    try {
      await loadDemo(reference, DEMO);
      await loadDemo(crashed, DEMO);
      await generateParentAccounts(reference.db, { now, batchSize: 5 });
      let batches = 0;
      await expect(
        generateParentAccounts(crashed.db, {
          now,
          batchSize: 5,
          onBatch: () => {
            if (++batches === 3) throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      const failed = await crashed.db.selectFrom('account_generation_runs').selectAll().executeTakeFirstOrThrow();
      expect(failed).toMatchObject({ status: 'failed', error: 'killed' });
      const partial = (await accountsOf(crashed.db)).length;
      expect(partial).toBeLessThan((await accountsOf(reference.db)).length);
      await generateParentAccounts(crashed.db, { now, batchSize: 5 });
      const expected = (await accountsOf(reference.db)).map((a) => [a.guardian_id, a.username, a.status]);
      expect((await accountsOf(crashed.db)).map((a) => [a.guardian_id, a.username, a.status])).toEqual(expected);
      const jobs = await crashed.db.selectFrom('jobs').select('unique_key').where('kind', '=', 'accounts.welcome').execute();
      expect(new Set(jobs.map((j) => j.unique_key)).size).toBe(jobs.length);
      expect(jobs.length).toBe((await accountsOf(crashed.db)).filter((a) => a.status === 'pending').length);
    } finally {
      await reference.drop();
      await crashed.drop();
    }
  });
});
