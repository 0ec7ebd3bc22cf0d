/**
 * The mail server down, then refusing, then back (issue 18): every failed attempt is recorded and told
 * (the recipient's domain, never the address), the message waits with back-off, and once the server
 * accepts it arrives exactly once, with the Message-ID it had from the start.
 */
import net from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, expect, it } from 'vitest';
import { deliverPending, enqueueEmail, messageIdOf, type DeliveryFailure } from '../../src/email/outbox.js';
import { smtpTransport } from '../../src/email/transport.js';
import { describeEachEngine } from '../support/db.js';
import { clock, MINUTE } from '../support/http.js';

const FROM = 'Cedar Valley Portal <portal@cedarvalley.example.org>';

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A real SMTP server on `port` that refuses every connection (421) or accepts every message. */
async function smtpServer(port: number, mode: 'refuse' | 'accept', received: { to: string; messageId: string | undefined }[]) {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      if (mode === 'refuse') callback(Object.assign(new Error('Too many connections, try again later'), { responseCode: 421 }));
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ to: session.envelope.rcptTo[0]!.address, messageId: mail.messageId });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

describeEachEngine('the mail server down, refusing, then back', (get) => {
  const time = clock('2026-11-25T15:00:00Z');
  let stop: (() => Promise<void>) | null = null;
  afterAll(async () => stop?.());

  it('keeps the message through each failure and delivers it once when the server is back', async () => {
    const port = await freePort();
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    const received: { to: string; messageId: string | undefined }[] = [];
    const failures: DeliveryFailure[] = [];
    const deliver = () => deliverPending(get().db, transport, { from: FROM, now: time.now, onFailure: (f) => failures.push(f) });
    await enqueueEmail(get().db, { kind: 'usernames', to: 'ana.ruiz@families.example.net', locale: 'en', subject: 'Your username', text: 'ana.ruiz', html: '<p>ana.ruiz</p>' }, time.now());
    const row = () => get().db.selectFrom('email_outbox').selectAll().executeTakeFirstOrThrow();

    // Down: nothing listens.
    expect(await deliver()).toBe(0);
    let message = await row();
    expect(message).toMatchObject({ attempts: 1, sent_at: null, sending_at: null });
    expect(message.last_error).toMatch(/ECONNREFUSED/);
    const retryAt = new Date(message.send_after).getTime();
    expect(retryAt).toBeGreaterThan(time.now().getTime());
    // Not before its time.
    expect(await deliver()).toBe(0);
    expect((await row()).attempts).toBe(1);

    // Refusing: the server answers 421 to every connection.
    stop = await smtpServer(port, 'refuse', received);
    time.advance(new Date(message.send_after).getTime() - time.now().getTime());
    expect(await deliver()).toBe(0);
    message = await row();
    expect(message.attempts).toBe(2);
    expect(message.last_error).toMatch(/421|Too many connections/);
    // Each wait is longer than the one before.
    expect(new Date(message.send_after).getTime() - time.now().getTime()).toBeGreaterThan(retryAt - new Date('2026-11-25T15:00:00Z').getTime());
    await stop();

    // Back.
    stop = await smtpServer(port, 'accept', received);
    time.advance(new Date(message.send_after).getTime() - time.now().getTime());
    expect(await deliver()).toBe(1);
    time.advance(60 * MINUTE);
    expect(await deliver()).toBe(0);
    expect(received).toEqual([{ to: 'ana.ruiz@families.example.net', messageId: messageIdOf((await row()).message_id!, FROM) }]);
    expect(await row()).toMatchObject({ attempts: 3, last_error: null, sending_at: null });

    // Two failures told, with the domain and not the address; neither was the last attempt.
    expect(failures.map((f) => [f.attempt, f.domain, f.gaveUp])).toEqual([
      [1, 'families.example.net', false],
      [2, 'families.example.net', false],
    ]);
    expect(JSON.stringify(failures)).not.toContain('ana.ruiz@');
  });
});
