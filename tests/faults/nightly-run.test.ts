/**
 * The nightly parent-account run killed between two of its batches (issue 18): the run ends
 * "interrupted", the next worker takes the job over at once (its holder's process is gone), a new run
 * says it resumed the first, and every guardian ends with at most one account, one live welcome link
 * and one delivered email.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { enqueue } from '../../src/jobs/queue.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { describeFaults, homeroom, laggingSequences, tally } from './support.js';

describeFaults('a nightly run killed between batches', (get) => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp.close());

  it('ends interrupted, is resumed by the next worker at once, and makes each account, link and email once', async () => {
    const { db } = get();
    await loadDemo(get(), { students: 60, seed: 23, startYear: 2026 });
    const accountsBefore = await db.selectFrom('user_accounts').select('guardian_id').where('guardian_id', 'is not', null).execute();
    const jobId = (await enqueue(db, { kind: 'accounts.generate', payload: { batchSize: 10 } }, new Date()))!;

    // The first worker dies right after its second batch committed.
    const killed = await homeroom(get(), ['worker', '--until-idle'], { fault: 'generate.after-batch:2', smtpUrl: smtp.url });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const left = await db.selectFrom('jobs').select(['status', 'locked_until']).where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(left.status).toBe('running');
    // Its lease still has most of its two minutes to run: only knowing the holder is dead lets the next worker in.
    expect(new Date(left.locked_until as string).getTime()).toBeGreaterThan(Date.now() + 60_000);
    const [dying] = await db.selectFrom('account_generation_runs').selectAll().execute();
    expect(dying).toMatchObject({ status: 'running', job_id: jobId });
    const madeByFirst = dying!.created;
    // Two whole batches, nothing of a third: the batch counts and the accounts agree.
    const partial = await db.selectFrom('user_accounts').select('id').where('guardian_id', 'is not', null).execute();
    expect(partial.length - accountsBefore.length).toBe(madeByFirst);
    expect(dying!.created + dying!.skipped_has_account + dying!.skipped_no_email + dying!.skipped_shared_email + dying!.skipped_no_portal_access + dying!.skipped_username_taken).toBe(20);

    const healthy = await homeroom(get(), ['worker', '--until-idle'], { smtpUrl: smtp.url });
    expect(healthy.code, healthy.stderr).toBe(0);

    const runs = await db.selectFrom('account_generation_runs').selectAll().orderBy('id').execute();
    expect(runs.map((r) => [r.status, r.resumed_from, r.job_id])).toEqual([
      ['interrupted', null, jobId],
      ['done', runs[0]!.id, jobId],
    ]);
    expect(runs.every((r) => r.finished_at !== null)).toBe(true);
    expect(await db.selectFrom('jobs').select('status').where('status', '!=', 'done').execute()).toEqual([]);

    // At most one account per guardian; the two runs together made every new one, once.
    const accounts = await db.selectFrom('user_accounts').select(['id', 'guardian_id', 'username', 'status']).where('guardian_id', 'is not', null).execute();
    expect([...tally(accounts.map((a) => a.guardian_id)).values()].every((n) => n === 1)).toBe(true);
    const made = accounts.filter((a) => a.status === 'pending');
    expect(made.length).toBe(accounts.length - accountsBefore.length);
    expect(runs[0]!.created + runs[1]!.created).toBe(made.length);
    // One live welcome link per new account, and exactly one email to each of them.
    const links = await db.selectFrom('account_tokens').select('account_id').where('purpose', '=', 'activation').where('used_at', 'is', null).execute();
    expect(tally(links.map((l) => l.account_id))).toEqual(new Map(made.map((a) => [a.id, 1])));
    // (the welcome's subject in either language: "Your … account is ready", "Su cuenta de … está lista")
    const welcomes = smtp.messages.filter((m) => /account is ready|está lista/.test(m.subject));
    expect(welcomes.length).toBe(smtp.messages.length);
    const received = tally(welcomes.flatMap((m) => m.to));
    expect(received).toEqual(new Map(made.map((a) => [a.username, 1])));
    // Nothing left for a third run, and no id counter behind its table.
    expect((await generateParentAccounts(db, { now: () => new Date() })).created).toBe(0);
    expect(await laggingSequences(get())).toEqual([]);
  });
});
