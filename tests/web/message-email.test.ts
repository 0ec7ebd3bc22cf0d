/**
 * The email copy of a message through a real SMTP server: each recipient with an account gets "you have a
 * new message" in their language with a link, never the message's words; a worker that dies after
 * writing the copies does not send them twice.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { senderRights } from '../../src/domain/messages/audience.js';
import { checkCompose, composeInput, sendMessage } from '../../src/domain/messages/service.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { runNotifications } from '../../src/domain/notifications/service.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family } from '../support/factories.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('the email copy of a message', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  let maya: Family;
  let noah: Family;
  let messageId = 0;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db);
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' }, accounts: 'guardian' });
    await db.updateTable('guardians').set({ preferred_language: 'es' }).where('id', '=', maya.guardian.id).execute();
    // Noah's father has no account: the message waits in the portal for him, no email.
    noah = await guardianWithChild(db, world, { student: { first: 'Noah', last: 'Reed' }, accounts: 'none' });
    const section = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }, { student: noah.student }] });
    const rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, section, { primary: true });
    const checked = await checkCompose(db, await senderRights(db, rosa.id, world.today), composeInput.parse({ kind: 'sections', sectionIds: String(section.id), readers: 'guardians', subjectEn: 'Grades', bodyEn: 'Maya is failing Biology.', subjectEs: 'Notas', bodyEs: 'Maya está reprobando Biología.' }), { now: NOW, timeZone: world.timeZone, settings: parsePortalSettings('{}') });
    if (!checked.ok) throw new Error('refused');
    messageId = await sendMessage(db, { accountId: rosa.account!.id, name: rosa.name, ip: null }, checked.draft, NOW);
    smtp = await startSmtp();
    app = await makeApp(get(), { now: () => NOW, smtpUrl: smtp.url });
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
  });

  it('sends one copy per person with an account, in their language, without the words', async () => {
    let t = NOW.getTime();
    const handlers = jobHandlers({ baseUrl: 'http://portal.test' });
    // The delivery, then the copies' job, whose worker dies after its commit; another takes it over later.
    const first = startWorker({ database: get(), handlers, now: () => new Date(t), pollMs: 0 });
    expect(await first.runOnce()).toBe(true);
    await first.stop();
    const doomed = startWorker({ database: get(), handlers, now: () => new Date(t), pollMs: 0, dieBeforeComplete: () => true });
    expect(await doomed.runOnce()).toBe(true);
    await doomed.stop();
    t += 16 * 60_000;
    const healthy = startWorker({ database: get(), handlers, now: () => new Date(t), pollMs: 0 });
    while (await healthy.runOnce());
    await healthy.stop();
    // Her account has a confirmed address: the copy is her "new message" notification's email (ADR 0041),
    // sent by the notifications' run (every minute in production), once however often it runs.
    await runNotifications(get(), { now: NOW, baseUrl: 'http://portal.test', queuePush: null });
    await runNotifications(get(), { now: NOW, baseUrl: 'http://portal.test', queuePush: null });
    await app.services.mailer.flush();
    const [mail] = await smtp.waitFor(1);
    expect(smtp.messages.length).toBe(1);
    expect(mail!.to).toEqual([maya.guardian.email]);
    expect(mail!.subject).toContain('Mensaje nuevo de Rosa Carter');
    expect(mail!.text).toContain('Rosa Carter le envió un mensaje. Abra el Centro de Mensajes para leerlo.');
    expect(mail!.text).toContain(`http://portal.test/messages/${messageId}`);
    expect(mail!.text + mail!.html).not.toContain('reprobando');
    expect(mail!.text + mail!.html).not.toContain('failing');
  });
});
