/**
 * Mail failures made visible (issue 18, item 6), through a real SMTP server that refuses one domain:
 * every failed attempt is a warning in the log and the last one an error (with the message id and the
 * recipient's domain, never the address); district administrators see the queue and retry a message;
 * /metrics counts the queue.
 */
import { Writable } from 'node:stream';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { DEMO_PASSWORD } from '../../src/domain/demo/generate.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { enqueueEmail } from '../../src/email/outbox.js';
import { buildApp } from '../../src/web/app.js';
import { describeEachEngine } from '../support/db.js';
import { Client, clock, HOUR } from '../support/http.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

describeEachEngine('mail failures made visible', (get) => {
  let app: FastifyInstance;
  let server: SMTPServer;
  let dir = '';
  const time = clock('2026-11-25T15:00:00Z');
  const lines: { level: number; msg: string; domain?: string; messageId?: string; attempt?: number }[] = [];
  const logged: string[] = [];
  const demo: Record<string, { username: string }> = {};

  beforeAll(async () => {
    await loadDemo(get(), { students: 20, seed: 12, startYear: 2026 });
    const district = await get().db.selectFrom('district').select('settings').executeTakeFirstOrThrow();
    for (const a of parsePortalSettings(district.settings).demo?.accounts ?? []) demo[a.role] ??= a;
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (address.address.endsWith('@bounce.example')) callback(Object.assign(new Error('No such mailbox here'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, _session, callback) {
        stream.on('data', () => undefined);
        stream.on('end', () => callback());
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.server.address();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-mail-'));
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          logged.push(line);
          lines.push(JSON.parse(line) as (typeof lines)[number]);
        }
        done();
      },
    });
    const config = loadConfig({
      LOG_LEVEL: 'info',
      DATA_DIR: dir,
      BASE_URL: 'http://portal.test',
      MAIL_FROM: 'Cedar Valley Portal <portal@cedarvalley.example.org>',
      SMTP_URL: `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      METRICS_TOKEN: TOKEN,
    });
    app = await buildApp({ config, database: get(), logger: { level: 'info', stream }, mailIntervalMs: 0, now: time.now });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const signIn = async (role: string) => {
    const c = new Client(app);
    await c.submit('/sign-in', { username: demo[role]!.username, password: DEMO_PASSWORD });
    return c;
  };

  it('logs each failed attempt and the give-up, shows the queue to district administrators, and retries on request', async () => {
    await enqueueEmail(get().db, { kind: 'usernames', to: 'nobody@bounce.example', locale: 'en', subject: 'Your username', text: 'x', html: '<p>x</p>' }, time.now());
    await enqueueEmail(get().db, { kind: 'usernames', to: 'someone@example.org', locale: 'en', subject: 'Your username', text: 'y', html: '<p>y</p>' }, time.now());
    for (let i = 0; i < 8; i++) {
      await app.services.mailer.flush();
      time.advance(7 * HOUR);
    }
    const failures = lines.filter((l) => l.msg.startsWith('email '));
    expect(failures.map((l) => l.level)).toEqual([...Array(7).fill(40), 50]);
    expect(failures.every((l) => l.domain === 'bounce.example' && /^<[0-9a-f-]{36}@cedarvalley\.example\.org>$/.test(l.messageId ?? ''))).toBe(true);
    expect(failures.map((l) => l.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The address itself is never in the log.
    expect(logged.some((l) => l.includes('nobody@bounce.example'))).toBe(false);

    // Only district administrators see the queue.
    expect((await (await signIn('office')).get('/admin/mail')).statusCode).toBe(403);
    const admin = await signIn('district_admin');
    const page = await admin.get('/admin/mail');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Given up: 1');
    expect(page.body).toContain('Sent in the last 24 hours: 0');
    expect(page.body).toContain('nobody@bounce.example');
    expect(page.body).toContain('No such mailbox here');
    expect(page.body).toContain('given up after 8 attempts');

    // /metrics counts the queue.
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(metrics.body).toContain('homeroom_email_messages{state="gave_up"} 1');

    // Retry now: one more attempt, which the server refuses again: given up again, and said so.
    const row = await get().db.selectFrom('email_outbox').select('id').where('to_address', '=', 'nobody@bounce.example').executeTakeFirstOrThrow();
    lines.length = 0;
    const retried = await admin.post('/admin/mail/retry', { id: String(row.id) });
    expect(retried.statusCode).toBe(200);
    expect(retried.body).toContain('The message will be tried again in a moment.');
    await app.services.mailer.flush();
    expect(lines.filter((l) => l.msg.startsWith('email ')).map((l) => l.level)).toEqual([50]);
    for (const bad of ['999999', '9999999999', 'x', '']) expect((await admin.post('/admin/mail/retry', { id: bad })).statusCode, bad).toBe(404);
  });
});
