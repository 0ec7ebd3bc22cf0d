/**
 * Email after a crash (issue 18, item 3), through a real SMTP server: a process killed after the server
 * accepted a message but before it was marked sent does not send it again; a refused attempt is retried
 * with the same Message-ID.
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliverPending, enqueueEmail, messageIdOf, OUTCOME_UNKNOWN } from '../../src/email/outbox.js';
import { smtpTransport } from '../../src/email/transport.js';
import { describeEachEngine } from '../support/db.js';
import { clock, MINUTE } from '../support/http.js';

const FROM = 'Cedar Valley Portal <portal@cedarvalley.example.org>';

describeEachEngine('email after a crash', (get) => {
  const time = clock('2026-11-25T15:00:00Z');
  const received: { to: string; messageId: string | undefined }[] = [];
  /** recipients the server refuses once (a full mailbox, a greylist) */
  const refuseOnce = new Set<string>();
  let server: SMTPServer;
  let url = '';

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        if (refuseOnce.delete(address.address)) {
          callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 450 }));
          return;
        }
        callback();
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
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.server.address();
    url = `smtp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const write = (to: string) =>
    enqueueEmail(get().db, { kind: 'usernames', to, locale: 'en', subject: 'Your username', text: 'diane.alda', html: '<p>diane.alda</p>' }, time.now());
  const row = (to: string) => get().db.selectFrom('email_outbox').selectAll().where('to_address', '=', to).executeTakeFirstOrThrow();

  it('does not send a message again that the server accepted before the process died', async () => {
    const to = 'once@example.org';
    await write(to);
    const transport = smtpTransport(url);
    // Killed right after the server said "250 accepted", before the row says sent.
    expect(await deliverPending(get().db, transport, { from: FROM, now: time.now, dieAfterAccepted: () => true })).toBe(0);
    expect(received.filter((m) => m.to === to)).toHaveLength(1);
    // Another process, at once: the attempt's claim still holds.
    expect(await deliverPending(get().db, transport, { from: FROM, now: time.now })).toBe(0);
    // After the claim runs out: counted as sent, not sent again.
    time.advance(6 * MINUTE);
    await deliverPending(get().db, transport, { from: FROM, now: time.now });
    expect(received.filter((m) => m.to === to)).toHaveLength(1);
    const after = await row(to);
    expect(after.sent_at).not.toBeNull();
    expect(after.sending_at).toBeNull();
    expect(after.last_error).toBe(OUTCOME_UNKNOWN);
    expect(received.find((m) => m.to === to)?.messageId).toBe(messageIdOf(after.message_id!, FROM));
  });

  it('retries a refused message later, once, with the same Message-ID', async () => {
    const to = 'busy@example.org';
    refuseOnce.add(to);
    await write(to);
    const transport = smtpTransport(url);
    expect(await deliverPending(get().db, transport, { from: FROM, now: time.now })).toBe(0);
    const refused = await row(to);
    expect(refused.sent_at).toBeNull();
    expect(refused.sending_at).toBeNull();
    expect(refused.last_error).toContain('Mailbox busy');
    time.advance(3 * MINUTE);
    expect(await deliverPending(get().db, transport, { from: FROM, now: time.now })).toBe(1);
    const copies = received.filter((m) => m.to === to);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.messageId).toBe(messageIdOf(refused.message_id!, FROM));
    expect(copies[0]!.messageId).toMatch(/^<[0-9a-f-]{36}@cedarvalley\.example\.org>$/);
  });
});
