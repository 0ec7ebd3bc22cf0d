import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateParentAccounts } from '../../src/domain/accounts/parent-generation.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock, DAY } from '../support/http.js';
import { linkIn, startSmtp, type TestSmtp } from '../support/smtp.js';

describeEachEngine('welcome of a nightly parent account', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  const time = clock('2026-11-26T08:00:00Z');
  let account: { username: string; security_email: string | null };

  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 29, startYear: 2026 });
    smtp = await startSmtp();
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url, demoMode: false });
    await generateParentAccounts(get().db, { now: time.now });
    account = await get()
      .db.selectFrom('user_accounts as a')
      .innerJoin('guardians as g', 'g.id', 'a.guardian_id')
      .select(['a.username', 'a.security_email'])
      .where('a.status', '=', 'pending')
      .where('g.preferred_language', '=', 'en')
      .orderBy('a.id')
      .executeTakeFirstOrThrow();
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  /** Runs the queued jobs like the worker does, then delivers the outbox through SMTP. */
  const runJobs = async () => {
    const worker = startWorker({ database: get(), handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now: time.now, pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
    await app.services.mailer.flush();
  };
  const path = (url: string) => url.replace('http://portal.test', '');

  it('emails the username and a link to choose a password, and activates the account with it', async () => {
    // A pending account cannot sign in, whatever is typed.
    expect((await new Client(app).submit('/sign-in', { username: account.username, password: 'anything at all' })).statusCode).toBe(401);
    await runJobs();
    const mail = smtp.messages.find((m) => m.to[0] === account.security_email);
    expect(mail?.subject).toBe('Your Cedar Valley Portal account is ready');
    expect(mail?.text).toContain(`Your username is ${account.username}`);
    // Never a password: the account has none until the guardian chooses one with the link.
    expect(mail?.text.match(/https?:\/\/\S+/g)).toEqual([expect.stringMatching(/^http:\/\/portal\.test\/welcome\?token=/)]);
    const link = path(linkIn(mail!, 'http://portal.test/welcome?token='));
    const c = new Client(app);
    const form = await c.get(link);
    expect(form.statusCode).toBe(200);
    expect(form.headers['referrer-policy']).toBe('strict-origin');
    const token = link.split('token=')[1]!;
    expect((await c.post('/welcome', { token, password: 'short', confirm: 'short' })).statusCode).toBe(400);
    const done = await c.post('/welcome', { token, password: 'sunflower attic bicycle', confirm: 'sunflower attic bicycle' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain(`Sign in with your username ${account.username}`);
    const row = await get().db.selectFrom('user_accounts').selectAll().where('username', '=', account.username).executeTakeFirstOrThrow();
    expect(row.status).toBe('active');
    expect(row.security_email_confirmed_at).not.toBeNull();
    expect((await new Client(app).get(link)).statusCode).toBe(400);
    const signedIn = await new Client(app).submit('/sign-in', { username: account.username, password: 'sunflower attic bicycle' });
    expect(signedIn.headers.location).toBe('/home');
    // Outside demo mode the link does not stay readable in the outbox.
    const stored = await get().db.selectFrom('email_outbox').select('text_body').where('kind', '=', 'welcome').execute();
    expect(stored.every((m) => !m.text_body.includes('token='))).toBe(true);
  });

  it('sends a new link for an expired one, from the sign-in help page, with the same answer for anyone', async () => {
    const other = await get()
      .db.selectFrom('user_accounts')
      .select(['username', 'security_email'])
      .where('status', '=', 'pending')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const first = smtp.messages.find((m) => m.to[0] === other.security_email);
    time.advance(15 * DAY);
    expect((await new Client(app).get(path(linkIn(first!, 'http://portal.test/welcome?token=')))).statusCode).toBe(400);
    const help = await new Client(app).get('/help/sign-in');
    expect(help.body).toContain('href="/welcome/resend"');
    const count = smtp.messages.length;
    const answer = await new Client(app).submit('/welcome/resend', { email: other.security_email!.toUpperCase() });
    const nobody = await new Client(app).submit('/welcome/resend', { email: 'nobody@example.org' });
    expect(answer.statusCode).toBe(200);
    expect(answer.body.replace(/value="[^"]*"/g, '')).toBe(nobody.body.replace(/value="[^"]*"/g, ''));
    await runJobs();
    const fresh = smtp.messages.slice(count).filter((m) => m.to[0] === other.security_email);
    expect(fresh).toHaveLength(1);
    const c = new Client(app);
    expect((await c.get(path(linkIn(fresh[0]!, 'http://portal.test/welcome?token=')))).statusCode).toBe(200);
  });
});
