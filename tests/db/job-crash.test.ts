/**
 * A worker killed after a job's work was written but before the job was marked done (issue 18, item 2):
 * the job's email and its completion are one transaction, so when the lease runs out nothing runs again
 * — no second email, no second link.
 */
import { expect, it } from 'vitest';
import { requestPasswordReset } from '../../src/domain/accounts/recovery.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { enqueue } from '../../src/jobs/queue.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';
import { clock, MINUTE } from '../support/http.js';

describeEachEngine('jobs killed before they were marked done', (get) => {
  const time = clock('2026-11-25T15:00:00Z');
  const handlers = jobHandlers({ baseUrl: 'http://portal.test' });

  /** One worker that dies right after the first handler it runs (a kill -9 at that point), then a healthy one once the lease is over. */
  const crashThenRecover = async () => {
    const doomed = startWorker({ database: get(), handlers, now: time.now, pollMs: 0, dieBeforeComplete: () => true });
    expect(await doomed.runOnce()).toBe(true);
    await doomed.stop();
    time.advance(16 * MINUTE);
    const healthy = startWorker({ database: get(), handlers, now: time.now, pollMs: 0 });
    while (await healthy.runOnce());
    await healthy.stop();
  };
  const emailsTo = async (to: string, kind: string) =>
    Number((await get().db.selectFrom('email_outbox').select((eb) => eb.fn.countAll().as('n')).where('to_address', '=', to).where('kind', '=', kind).executeTakeFirstOrThrow()).n);

  it('sends one welcome email with one working link', async () => {
    await loadDemo(get(), { students: 20, seed: 8, startYear: 2026 });
    const guardian = await get()
      .db.selectFrom('guardians')
      .select('id')
      .where('id', 'not in', get().db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null))
      .executeTakeFirstOrThrow();
    const email = 'crash.test.parent@example.org';
    const t = time.now().toISOString();
    const account = await get()
      .db.insertInto('user_accounts')
      .values({ username: email, username_key: email, status: 'pending', person_kind: 'guardian', guardian_id: guardian.id, security_email: email, created_at: t, updated_at: t, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await enqueue(get().db, { kind: 'accounts.welcome', payload: { accountId: account.id } }, time.now());
    await crashThenRecover();
    expect(await emailsTo(email, 'welcome')).toBe(1);
    const links = await get().db.selectFrom('account_tokens').select(['used_at']).where('account_id', '=', account.id).where('purpose', '=', 'activation').execute();
    expect(links).toEqual([{ used_at: null }]);
    const job = await get().db.selectFrom('jobs').select(['status', 'attempts']).where('kind', '=', 'accounts.welcome').executeTakeFirstOrThrow();
    expect(job).toEqual({ status: 'done', attempts: 1 });
  });

  it('sends one reset email for one "Forgot your password?"', async () => {
    const parent = await get()
      .db.selectFrom('user_accounts')
      .select(['username', 'security_email'])
      .where('person_kind', '=', 'guardian')
      .where('security_email_confirmed_at', 'is not', null)
      .executeTakeFirstOrThrow();
    await requestPasswordReset(get().db, { username: parent.username, ip: '192.0.2.1' }, time.now());
    await crashThenRecover();
    expect(await emailsTo(parent.security_email!, 'reset_password')).toBe(1);
  });
});
