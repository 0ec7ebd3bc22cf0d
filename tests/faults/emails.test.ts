/**
 * Welcome emails through crashes (issue 18): a worker killed right after a welcome job's work, then a
 * worker killed right after the SMTP server accepted a message, then a healthy one. Each new parent
 * gets exactly one email and keeps exactly one working link; no job runs twice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { deliverPending, OUTCOME_UNKNOWN } from '../../src/email/outbox.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';
import { describeFaults, homeroom, laggingSequences, tally } from './support.js';

describeFaults('welcome emails through two crashes', (get) => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startSmtp();
  });
  afterAll(() => smtp.close());

  it('sends each new parent one email with one working link', async () => {
    const { db } = get();
    await loadDemo(get(), { students: 40, seed: 29, startYear: 2026 });
    const { created } = await generateParentAccounts(db, { now: () => new Date() });
    expect(created).toBeGreaterThan(8);
    const pending = await db.selectFrom('user_accounts').select(['id', 'username']).where('status', '=', 'pending').execute();
    expect(pending).toHaveLength(created);

    // 1. Killed after the third welcome job wrote its email and link, before the worker went on.
    const first = await homeroom(get(), ['worker', '--until-idle'], { fault: 'job.after-work:3', smtpUrl: smtp.url });
    expect(first.signal, first.stderr).toBe('SIGKILL');
    const welcomeJobs = () => db.selectFrom('jobs').select(['status', 'attempts']).where('kind', '=', 'accounts.welcome').execute();
    expect((await welcomeJobs()).filter((j) => j.status === 'done')).toHaveLength(3);
    expect(await db.selectFrom('email_outbox').select('id').execute()).toHaveLength(3);
    expect(smtp.messages).toHaveLength(0);

    // 2. Killed after the server accepted the fifth message, before it was marked sent.
    const second = await homeroom(get(), ['worker', '--until-idle'], { fault: 'mail.after-accepted:5', smtpUrl: smtp.url });
    expect(second.signal, second.stderr).toBe('SIGKILL');
    expect(smtp.messages).toHaveLength(5);
    // Every welcome job ran once: the third one's work and its "done" were one transaction.
    expect(await welcomeJobs()).toEqual(Array.from({ length: created }, () => ({ status: 'done', attempts: 1 })));

    // 3. A healthy worker delivers the rest and leaves the accepted message alone.
    const third = await homeroom(get(), ['worker', '--until-idle'], { smtpUrl: smtp.url });
    expect(third.code, third.stderr).toBe(0);
    expect(tally(smtp.messages.flatMap((m) => m.to))).toEqual(new Map(pending.map((a) => [a.username, 1])));
    // Once its claim is over, the message left "sending" counts as sent: nothing goes out again.
    const later = () => new Date(Date.now() + 6 * 60_000);
    const again: string[] = [];
    await deliverPending(db, { send: async (m) => void again.push(m.to) }, { from: 'portal@cedarvalley.example.org', now: later });
    expect(again).toEqual([]);
    const outbox = await db.selectFrom('email_outbox').select(['sent_at', 'last_error']).execute();
    expect(outbox.every((m) => m.sent_at !== null)).toBe(true);
    expect(outbox.filter((m) => m.last_error === OUTCOME_UNKNOWN)).toHaveLength(1);
    // One working link per new parent; each email carries its account's link.
    const links = await db.selectFrom('account_tokens').select('account_id').where('purpose', '=', 'activation').where('used_at', 'is', null).execute();
    expect(tally(links.map((l) => l.account_id))).toEqual(new Map(pending.map((a) => [a.id, 1])));
    expect(smtp.messages.every((m) => /\/welcome\?token=/.test(m.text))).toBe(true);
    expect(await laggingSequences(get())).toEqual([]);
  });
});
