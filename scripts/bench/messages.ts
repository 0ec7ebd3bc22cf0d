/**
 * The Message Center (issue 21): `npm run bench -- messages`. On the demo district:
 *   1. a district administrator's message to every guardian of the district, sent (the request's part)
 *      and delivered by the job (one `insert … select`): wall time of each and rows written;
 *   2. a guardian with 2,000 messages: the inbox's own queries (`inboxOf` first page and `unreadCount`,
 *      what /messages adds to a signed-in page), one after another, p50/p95/p99.
 *   3. the same guardian's inbox page through HTTP (a `homeroom serve` of its own, wrk paced open-loop
 *      at `rate` requests/s over 8 connections, pages 1 to 5 of the inbox at random): the bar,
 *      p99 ≤ 50 ms at 300 requests/s.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { localDate } from '../../src/domain/calendar/dates.js';
import { senderRights } from '../../src/domain/messages/audience.js';
import { checkCompose, composeInput, deliverMessage, inboxOf, inboxQuery, messageReader, sendMessage, unreadCount } from '../../src/domain/messages/service.js';
import { getDistrictProfile } from '../../src/domain/district/service.js';
import { startSession } from '../../src/domain/accounts/sessions.js';
import { requestScript, runWrk } from './portal.js';
import { startServer } from './server.js';
import { summarize, type Summary, type Timing } from './staff.js';

const root = path.resolve(import.meta.dirname, '../..');

export interface MessagesBenchResult {
  label: string;
  recipients: number;
  sendMs: number;
  deliverMs: number;
  inbox: Summary;
  page: { rate: number; rps: number; p50: number; p90: number; p99: number; errors: number };
}

export async function messagesBench(options: { databaseUrl: string; label: string; students: number; tries: number; reuse: boolean; rate: number; seconds: number; processes: number }): Promise<MessagesBenchResult> {
  if (!options.reuse) {
    execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['scripts/bench/demo-load.ts', options.databaseUrl, String(options.students), '1', '2026', localDate(new Date(), 'America/Chicago')], { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  }
  const database = await connect(options.databaseUrl);
  const db = database.db;
  try {
    const district = await getDistrictProfile(db);
    const now = new Date();
    const admin = await db
      .selectFrom('staff_roles as r')
      .innerJoin('user_accounts as a', 'a.staff_id', 'r.staff_id')
      .select(['r.staff_id', 'a.id as account_id'])
      .where('r.role', '=', 'district_admin')
      .orderBy('r.staff_id')
      .executeTakeFirstOrThrow();
    const form = composeInput.parse({ kind: 'district', readers: 'guardians', subjectEn: 'Benchmark', bodyEn: 'To every guardian.', subjectEs: 'Prueba', bodyEs: 'A cada tutor.' });
    let started = performance.now();
    const checked = await checkCompose(db, await senderRights(db, admin.staff_id, localDate(now, district.timeZone)), form, { now, timeZone: district.timeZone, settings: district.settings });
    if (!checked.ok) throw new Error(`refused: ${JSON.stringify(checked.errors)}`);
    const id = await sendMessage(db, { accountId: admin.account_id, name: 'Benchmark', ip: null }, checked.draft, now);
    const sendMs = performance.now() - started;
    started = performance.now();
    await deliverMessage(db, id, now);
    const deliverMs = performance.now() - started;
    const { recipient_count } = await db.selectFrom('messages').select('recipient_count').where('id', '=', id).executeTakeFirstOrThrow();

    // A guardian with 2,000 messages: copies of the one above, addressed to them.
    const guardian = await db
      .selectFrom('message_recipients as r')
      .innerJoin('user_accounts as a', (j) => j.onRef('a.guardian_id', '=', 'r.person_id').on('r.person_kind', '=', 'guardian'))
      .select(['a.id', 'a.guardian_id'])
      .where('r.message_id', '=', id)
      .orderBy('a.id')
      .executeTakeFirstOrThrow();
    const stamp = now.toISOString();
    for (let i = 0; i < 1999; i++) {
      const copy = await db
        .insertInto('messages')
        .values({ sender_account_id: admin.account_id, sender_name: `Sender ${i % 40}`, sender_role: 'office', subject_en: `Message ${i}`, body_en: 'x', subject_es: null, body_es: null, audience: '{"kind":"district","readers":"guardians"}', thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', send_at: stamp, sent_at: stamp, created_at: stamp })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('message_recipients').values({ message_id: copy.id, person_kind: 'guardian', person_id: guardian.guardian_id!, student_id: null, locale: 'en', read_at: i % 3 === 0 ? null : stamp }).execute();
    }
    const reader = await messageReader(db, { id: guardian.id, person_kind: 'guardian', student_id: null, guardian_id: guardian.guardian_id, staff_id: null }, null);
    const timings: Timing[] = [];
    for (let i = 0; i < options.tries; i++) {
      const t0 = performance.now();
      await Promise.all([inboxOf(db, reader!, inboxQuery.parse({ page: String(1 + (i % 5)) }), 'en'), unreadCount(db, reader!)]);
      timings.push({ ms: performance.now() - t0, ok: true });
    }
    await sql`select 1`.execute(db);

    // The page through HTTP, as the guardian's browser asks for it.
    const session = await startSession(db, guardian.id, { persistent: true, ip: null, userAgent: 'homeroom-bench', settings: { sessionIdleMinutes: 600, sessionAbsoluteHours: 12, rememberDeviceDays: 30 }, now: new Date() });
    const server = await startServer(['--no-worker', '--processes', String(options.processes)], { DATABASE_URL: options.databaseUrl, DEMO_MODE: 'false' }, (out) => out.includes('Homeroom is running at'));
    try {
      const pages = [1, 2, 3, 4, 5].map((n) => [session.token, `/messages?page=${n}`] as const);
      for (const [, url] of pages) {
        const res = await fetch(`${server.base}${url}`, { headers: { cookie: `hr_session=${session.token}` }, redirect: 'manual' });
        const html = await res.text();
        if (res.status !== 200 || !html.includes('Message ')) throw new Error(`${url} answered ${res.status}`);
      }
      const script = path.join(server.dataDir, 'inbox.lua');
      fs.writeFileSync(script, requestScript(pages, options.rate));
      const page = { rate: options.rate, ...(await runWrk(script, server.base, 8, options.seconds)) };
      console.error(`${options.label} inbox page at ${options.rate}/s: ${page.rps.toFixed(0)}/s p50 ${page.p50.toFixed(1)} ms p99 ${page.p99.toFixed(1)} ms errors ${page.errors}`);
      return { label: options.label, recipients: recipient_count, sendMs, deliverMs, inbox: summarize(timings), page };
    } finally {
      await server.stop();
    }
  } finally {
    await database.close();
  }
}
