/**
 * The low-balance notification (issue 24, ADR 0040) on both engines: a purchase or an import that takes a
 * child's meal balance below a guardian's threshold (their own, or the district's $10 default) tells that
 * guardian once; a balance that stays below tells nobody again; one that goes back up and falls again is
 * told again; a guardian without portal rights, a revoked link, the student and a guardian who turned the
 * kind off get nothing; a dry run and a file imported twice tell nobody. (An import's notices are written
 * by the jobs it queues, run here after each import.) The emails go through a real SMTP
 * server, in each guardian's language; the kind is on Notification Settings for guardians only. Every
 * balance below is worked out by hand from the steps.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { officeScope, type StaffActor } from '../../src/domain/access/staff.js';
import { SETTING_DEFAULTS } from '../../src/domain/district/admin-settings.js';
import { setThreshold } from '../../src/domain/meals/family.js';
import { importMeals } from '../../src/domain/meals/import.js';
import { recordOfficeEntry } from '../../src/domain/meals/office.js';
import { deliverDue } from '../../src/domain/notifications/deliver.js';
import { defaultSettings, saveSettings } from '../../src/domain/notifications/settings.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, staffMember, type AccountFixture, type Family } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { runJobs } from '../support/jobs.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

// 18:00 UTC is noon in Chicago: outside the district's quiet hours (21:00–07:00).
const NOW = new Date('2027-02-09T18:00:00Z');
const ZONE = 'America/Chicago';

describeEachEngine('the low meal balance notification', (get) => {
  let db: Kysely<DB>;
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let office: StaffActor;
  /** Maya's mother: the district's $10 default, reads Spanish */
  let rosa: Family;
  /** Maya's father: his own $5 threshold */
  let tom: Family;
  /** Maya's aunt: an emergency contact with an account but no portal rights */
  let aunt: Family;
  /** a parent whose rights were revoked */
  let revoked: Family;
  /** Maya's grandmother: turned the kind off */
  let quiet: Family;
  let serial = 0;

  beforeAll(async () => {
    db = get().db;
    const world = await schoolYear(db, { today: '2027-02-09', timeZone: ZONE });
    rosa = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' }, guardian: { first: 'Rosa', last: 'Ortiz' }, locale: 'es' });
    await db.updateTable('guardians').set({ preferred_language: 'es' }).where('id', '=', rosa.guardian.id).execute();
    tom = await guardianWithChild(db, world, { child: rosa.student, guardian: { first: 'Tom', last: 'Ortiz' }, accounts: 'guardian' });
    aunt = await guardianWithChild(db, world, { child: rosa.student, guardian: { first: 'Ana', last: 'Ruiz' }, portalAccess: false, accounts: 'guardian' });
    revoked = await guardianWithChild(db, world, { child: rosa.student, guardian: { first: 'Hugo', last: 'Ortiz' }, revoked: true, accounts: 'guardian' });
    quiet = await guardianWithChild(db, world, { child: rosa.student, guardian: { first: 'Ines', last: 'Ortiz' }, accounts: 'guardian' });
    expect(await setThreshold(db, tom.guardian.id, '5', NOW)).toEqual({ ok: true });
    const settings = defaultSettings(SETTING_DEFAULTS);
    settings.own.mealLow = { on: false, email: true, push: true };
    await saveSettings(db, quiet.guardianAccount!.id, settings, NOW);
    const o = await staffMember(db, world, { first: 'Tia', last: 'Cole', roles: [{ role: 'office' }] });
    office = { scope: await officeScope(db, o.id), actorAccountId: o.account!.id, ip: null };
    smtp = await startSmtp();
    app = await makeApp(get(), { now: () => NOW, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  const entries = (family: Family) =>
    db.selectFrom('notifications').select(['kind', 'student_id', 'params', 'url']).where('account_id', '=', family.guardianAccount!.id).where('kind', '=', 'mealLow').orderBy('id').execute();
  const balances = async (family: Family) => (await entries(family)).map((e) => (JSON.parse(e.params) as { balance: string }).balance);
  const balance = async () => Number((await db.selectFrom('meal_accounts').select('balance_cents').where('student_id', '=', rosa.student.id).executeTakeFirstOrThrow()).balance_cents);
  /** A point-of-sale file of purchases (dollars) for Maya, each with a new transaction id. */
  const purchases = (...amounts: string[]) =>
    Buffer.from(`transaction_id,student_number,time,amount,item\n${amounts.map((a) => `T-${++serial},412,2027-02-09 11:30,${a},Lunch`).join('\n')}\n`);
  /** An import, then the jobs it queued (its notices are written after its commit: tests/db/meal-notices-job.test.ts). */
  const pos = async (file: Buffer, dryRun = false) => {
    const report = await importMeals(db, office, file, { file: 'pos.csv', timeZone: ZONE, dryRun, now: NOW });
    await runJobs(get(), () => NOW);
    return report;
  };
  const deposit = (cents: number) => recordOfficeEntry(db, office, rosa.student.id, { kind: 'deposit', amountCents: cents, method: 'cash', checkNumber: null, reason: null }, NOW);

  it('tells each guardian once per crossing of their own threshold, and again after the balance went back up', async () => {
    // $20.00 deposited: going up tells nobody.
    expect(await deposit(2000)).toEqual({ kind: 'saved' });
    // $20.00 − $6.00 = $14.00: above both thresholds.
    expect((await pos(purchases('6.00'))).added).toBe(1);
    expect(await entries(rosa)).toEqual([]);
    // $14.00 − $5.00 = $9.00: below Rosa's $10 (the district's), above Tom's $5.
    expect((await pos(purchases('5.00'))).added).toBe(1);
    expect(await balance()).toBe(900);
    expect(await balances(rosa)).toEqual(['$9.00']);
    expect(await entries(tom)).toEqual([]);
    const [entry] = await entries(rosa);
    expect(entry).toMatchObject({ student_id: rosa.student.id, url: `/payments/meals/${rosa.student.id}` });
    expect(JSON.parse(entry!.params)).toEqual({ student: 'Maya', balance: '$9.00' });
    // $9.00 − $3.25 = $5.75: still below $10, nobody is told again; still above $5.
    await pos(purchases('3.25'));
    expect(await balances(rosa)).toEqual(['$9.00']);
    expect(await entries(tom)).toEqual([]);
    // $5.75 − $1.00 = $4.75: below Tom's $5 now; Rosa was told already.
    await pos(purchases('1.00'));
    expect(await balances(tom)).toEqual(['$4.75']);
    expect(await balances(rosa)).toEqual(['$9.00']);
    // Back up to $24.75, then $24.75 − $15.00 = $9.75: below $10 again, a new crossing for Rosa.
    await deposit(2000);
    await pos(purchases('15.00'));
    expect(await balance()).toBe(975);
    expect(await balances(rosa)).toEqual(['$9.00', '$9.75']);
    expect(await balances(tom)).toEqual(['$4.75']);
    // The office's negative adjustment is a write like any other: $9.75 − $5.00 = $4.75. The balance went
    // back above Tom's $5 since his last notice, so this is a new crossing for him; Rosa's stands.
    await recordOfficeEntry(db, office, rosa.student.id, { kind: 'adjustment', amountCents: -500, method: null, checkNumber: null, reason: 'Charged twice by the register' }, NOW);
    expect(await balances(tom)).toEqual(['$4.75', '$4.75']);
    expect(await balances(rosa)).toEqual(['$9.00', '$9.75']);
  });

  it('tells nobody without portal rights, nor the student, nor a guardian who turned the kind off', async () => {
    for (const family of [aunt, revoked, quiet]) expect(await entries(family)).toEqual([]);
    const student = await db.selectFrom('notifications').select('id').where('account_id', '=', rosa.studentAccount!.id).where('kind', '=', 'mealLow').execute();
    expect(student).toEqual([]);
  });

  it('tells nobody from a dry run or from a file imported again', async () => {
    // Back above $10: $4.75 + $20.00 = $24.75.
    await deposit(2000);
    const file = purchases('20.00');
    const dry = await pos(file, true);
    expect([dry.ok, dry.added]).toEqual([true, 1]);
    expect(await balance()).toBe(2475);
    expect(await balances(rosa)).toEqual(['$9.00', '$9.75']);
    // For real: $4.75, below both: each told once.
    await pos(file);
    expect(await balances(rosa)).toEqual(['$9.00', '$9.75', '$4.75']);
    expect(await balances(tom)).toEqual(['$4.75', '$4.75', '$4.75']);
    // The same file again adds no row and tells nobody.
    expect((await pos(file)).added).toBe(0);
    expect(await balances(rosa)).toEqual(['$9.00', '$9.75', '$4.75']);
    expect(await balances(tom)).toEqual(['$4.75', '$4.75', '$4.75']);
  });

  it('emails each guardian in their language through SMTP, with the link to the account', async () => {
    await deliverDue(get(), { now: NOW, baseUrl: 'http://portal.test', queuePush: null });
    await app.services.mailer.flush();
    // Rosa: three crossings; Tom: three.
    const mails = await smtp.waitFor(6);
    expect(mails.length).toBe(6);
    const toRosa = mails.filter((m) => m.to.includes(rosa.guardian.email!));
    const toTom = mails.filter((m) => m.to.includes(tom.guardian.email!));
    expect(toRosa.map((m) => m.subject).every((s) => s.includes('Saldo de comidas bajo: Maya'))).toBe(true);
    expect(toRosa.map((m) => m.text.includes('El saldo de comidas de Maya es $9.75, menor que su monto de saldo bajo.')).some(Boolean)).toBe(true);
    expect(toTom.map((m) => m.subject).every((s) => s.includes('Low meal balance: Maya'))).toBe(true);
    expect(toTom[0]!.text).toContain('Maya’s meal balance is $4.75, below your low-balance amount.');
    for (const m of [...toRosa, ...toTom]) {
      expect(m.text).toContain(`http://portal.test/payments/meals/${rosa.student.id}`);
      expect(m.raw.headerLines.some((h) => h.key === 'list-unsubscribe')).toBe(true);
    }
    for (const family of [aunt, revoked, quiet]) expect(mails.some((m) => m.to.includes(family.guardian.email!))).toBe(false);
  });

  it('offers the kind on Notification Settings to guardians, not to students', async () => {
    const signedIn = async (who: AccountFixture, ip: string) => {
      const c = new Client(app, {}, ip);
      expect((await c.submit('/sign-in', { username: who.username, password: who.password })).statusCode).toBe(303);
      return c;
    };
    const guardianPage = textOf((await (await signedIn(tom.guardianAccount!, '10.9.0.1')).get('/account/notifications')).body);
    expect(guardianPage).toContain('A child’s meal balance falls below your low-balance amount');
    const studentPage = textOf((await (await signedIn(rosa.studentAccount!, '10.9.0.2')).get('/account/notifications')).body);
    expect(studentPage).not.toContain('meal balance');
  });
});
