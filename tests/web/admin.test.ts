import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { holderId } from '../../src/jobs/holders.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock } from '../support/http.js';

describeEachEngine('parent-account runs for district administrators', (get) => {
  let app: FastifyInstance;
  const time = clock('2026-11-25T15:00:00Z');
  const demo: Record<string, { username: string }> = {};

  beforeAll(async () => {
    await loadDemo(get(), { students: 30, seed: 31, startYear: 2026 });
    app = await makeApp(get(), { now: time.now });
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) demo[a.role] ??= a;
  });
  afterAll(() => app.close());

  const as = async (role: string) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: demo[role]!.username, password: DEMO_PASSWORD });
    return c;
  };

  it('keeps everyone but district administrators out', async () => {
    expect((await new Client(app).get('/admin/parent-accounts')).statusCode).toBe(303);
    const office = await as('office');
    expect((await office.get('/home')).body).not.toContain('href="/admin/parent-accounts"');
    expect((await office.get('/admin/parent-accounts')).statusCode).toBe(403);
    expect((await office.post('/admin/parent-accounts/run', {})).statusCode).toBe(403);
  });

  it('runs the generation now and shows what it did', async () => {
    const admin = await as('district_admin');
    expect((await admin.get('/home')).body).toContain('href="/admin/parent-accounts"');
    const page = await admin.get('/admin/parent-accounts');
    expect(page.body).toContain('Every night at 02:00');
    expect(page.body).toContain('No run yet.');
    const run = await admin.post('/admin/parent-accounts/run', {});
    expect(run.headers.location).toBe('/admin/parent-accounts?started=1');
    // A second press in the same minute starts nothing and says why (the first has not begun: 9:00 a.m. Chicago)
    const again = await admin.post('/admin/parent-accounts/run', {});
    expect(again.statusCode).toBe(200);
    expect(again.body).not.toContain('The run has started.');
    expect(again.body).toMatch(/Nothing new was started: the run asked for on November 25, 2026[^<]*9:00[^<]*has not begun yet/);
    const jobs = await get().db.selectFrom('jobs').selectAll().where('kind', '=', 'accounts.generate').execute();
    expect(jobs).toHaveLength(1);
    const worker = startWorker({ database: get(), handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now: time.now, pollMs: 0 });
    expect(await worker.runOnce()).toBe(true);
    await worker.stop();
    // pressed again within the minute, after the run ended
    const third = await admin.post('/admin/parent-accounts/run', {});
    expect(third.body).toMatch(/Nothing new was started: a run was already started this minute and finished on November 25, 2026/);
    expect(await get().db.selectFrom('jobs').select('id').where('kind', '=', 'accounts.generate').execute()).toHaveLength(1);
    const runs = await get().db.selectFrom('account_generation_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.started_by).not.toBeNull();
    const after = await admin.get('/admin/parent-accounts?started=1');
    expect(after.body).toContain('The run has started.');
    expect(after.body).toContain('>Done<');
    expect(after.body).toContain(`<td>${runs[0]!.created}</td>`);
  });

  it('says a run is already running instead of starting another, and starts one once a dead run is found out', async () => {
    const start = (holder: string) => ({ started_at: '2026-11-25T14:58:00.000Z', finished_at: null, started_by: null, error: null, holder, status: 'running' as const });
    // a run held by this very process (alive): 8:58 a.m. in Chicago
    const live = await get().db.insertInto('account_generation_runs').values(start(holderId())).returning('id').executeTakeFirstOrThrow();
    const admin = await as('district_admin');
    const jobsBefore = (await get().db.selectFrom('jobs').select('id').where('kind', '=', 'accounts.generate').execute()).length;
    await admin.get('/admin/parent-accounts');
    const pressed = await admin.post('/admin/parent-accounts/run', {});
    expect(pressed.statusCode).toBe(200);
    expect(pressed.body).toMatch(/Nothing new was started: a run is already running \(started November 25, 2026[^<]*8:58/);
    expect(await get().db.selectFrom('jobs').select('id').where('kind', '=', 'accounts.generate').execute()).toHaveLength(jobsBefore);
    await get().db.updateTable('account_generation_runs').set({ status: 'done', finished_at: '2026-11-25T14:59:00.000Z' }).where('id', '=', live.id).execute();
    // a run whose process is gone (this machine, a pid no process has) is ended, and the press starts a run
    const [host, , tag, started, scope] = holderId().split(':');
    const dead = await get().db.insertInto('account_generation_runs').values(start(`${host}:999999999:${tag}:${started}:${scope}`)).returning('id').executeTakeFirstOrThrow();
    time.advance(60_000);
    const now = await admin.post('/admin/parent-accounts/run', {});
    expect(now.headers.location).toBe('/admin/parent-accounts?started=1');
    const row = await get().db.selectFrom('account_generation_runs').select('status').where('id', '=', dead.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('interrupted');
    await get().db.deleteFrom('account_generation_runs').where('id', 'in', [live.id, dead.id]).execute();
  });

  it('shows a run whose process died as interrupted, and the run that resumed it', async () => {
    const at = (iso: string) => ({ started_at: iso, finished_at: iso, started_by: null, error: null, holder: 'gone-host:1:abc:-:-' });
    const dead = await get()
      .db.insertInto('account_generation_runs')
      .values({ ...at('2026-11-24T08:00:00.000Z'), status: 'interrupted' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await get()
      .db.insertInto('account_generation_runs')
      .values({ ...at('2026-11-24T08:05:00.000Z'), status: 'done', resumed_from: dead.id })
      .execute();
    const admin = await as('district_admin');
    const page = (await admin.get('/admin/parent-accounts')).body;
    expect(page).toContain('>Interrupted<');
    // 08:00 UTC is 2:00 a.m. in the demo district (Chicago)
    expect(page).toMatch(/Resumed the interrupted run of [^<]*2:00/);
    await get().db.updateTable('user_accounts').set({ locale: 'es' }).where('username', '=', demo.district_admin!.username).execute();
    const spanish = (await admin.get('/admin/parent-accounts')).body;
    expect(spanish).toContain('>Interrumpida<');
    expect(spanish).toContain('Retomó la ejecución interrumpida del');
    await get().db.updateTable('user_accounts').set({ locale: 'en' }).where('username', '=', demo.district_admin!.username).execute();
  });

  it('lists the parents who need an Activation Key instead', async () => {
    const admin = await as('district_admin');
    const res = await admin.get('/admin/parent-accounts/need-keys.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('school,student_number,student,guardian_first_name,guardian_last_name,guardian_email,reason');
    expect(lines.slice(1).some((l) => l.endsWith(',no email'))).toBe(true);
    expect(lines.slice(1).some((l) => l.endsWith(',shared email'))).toBe(true);
    expect((await (await as('office')).get('/admin/parent-accounts/need-keys.csv')).statusCode).toBe(403);
  });
  it('sends the sign-in help editor of before to the settings area', async () => {
    expect((await (await as('office')).get('/admin/sign-in-help')).statusCode).toBe(403);
    const admin = await as('district_admin');
    const res = await admin.get('/admin/sign-in-help');
    expect([res.statusCode, res.headers.location]).toEqual([302, '/admin/settings/texts']);
    const form = await admin.get('/admin/settings/texts');
    expect(form.body).toContain('Your first password is the first letter of your first name');
    const hostile = '<script>alert(1)</script> Call Ms. O\'Brien; DROP TABLE district;';
    const saved = await admin.post('/admin/settings/texts', { 'signInHelp-en': `Student usernames are ID numbers.\r\n\r\n${hostile}`, 'signInHelp-es': 'Los nombres de usuario son números de estudiante.' });
    expect(saved.headers.location).toBe('/admin/settings/texts?saved=1');
    const english = await new Client(app).get('/help/sign-in');
    expect(english.body).toContain('<p>Student usernames are ID numbers.</p>');
    expect(english.body).toContain("<p>&lt;script>alert(1)&lt;/script> Call Ms. O'Brien; DROP TABLE district;</p>");
    expect(english.body).not.toContain('<script>alert(1)');
  });
});
