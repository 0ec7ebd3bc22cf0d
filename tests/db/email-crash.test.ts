/**
 * Email after a crash (issue 18, item 3), through a real SMTP server: a process killed after the server
 * accepted a message but before it was marked sent does not send it again; a refused attempt is retried
 * with the same Message-ID. With several rounds in flight (ADR 0055): two processes at once send each
 * message once, and a process killed mid-run leaves at most its conversations in doubt, none sent twice.
 * A message in doubt that held a single-use link has it wiped when it is counted as sent; the marks'
 * commit without waiting for the disk is their statement's alone.
 */
import { sql } from 'kysely';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commitWithoutWaiting } from '../../src/db/connect.js';
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

  /** `n` messages to fresh addresses of their own, written now; their addresses */
  async function many(tag: string, n: number): Promise<string[]> {
    const to = Array.from({ length: n }, (_, i) => `${tag}-${i}@example.org`);
    for (const address of to) await write(address);
    return to;
  }
  const copiesTo = (addresses: readonly string[]) => addresses.map((a) => received.filter((m) => m.to === a).length);

  it('two processes, each with several rounds in flight, send every message once', async () => {
    const to = await many('rounds', 30);
    const options = { from: FROM, now: time.now, concurrency: 6, roundSize: 2, limit: 100 };
    const transports = [smtpTransport(url, 6), smtpTransport(url, 6)];
    const sent = await Promise.all(transports.map((t) => deliverPending(get().db, t, options)));
    for (const t of transports) t.close?.();
    expect(sent.reduce((x, y) => x + y, 0)).toBe(30);
    expect(copiesTo(to)).toEqual(to.map(() => 1));
    const rows = await get().db.selectFrom('email_outbox').select(['sent_at', 'sending_at', 'attempts']).where('to_address', 'in', to).execute();
    expect(rows.map((r) => [r.sent_at !== null, r.sending_at, r.attempts])).toEqual(to.map(() => [true, null, 1]));
  });

  it('a process killed with several rounds in flight leaves at most its conversations in doubt, and none is sent twice', async () => {
    const to = await many('killed', 20);
    const transport = smtpTransport(url, 6);
    let accepted = 0;
    // Killed right after the server accepted its third message: three rounds of two were in flight.
    await deliverPending(get().db, transport, { from: FROM, now: time.now, concurrency: 6, roundSize: 2, limit: 100, dieAfterAccepted: () => ++accepted === 3 });
    const byKilled = received.filter((m) => to.includes(m.to)).length;
    const inDoubt = Number(
      (await get().db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('to_address', 'in', to).where('sent_at', 'is', null).where('sending_at', 'is not', null).executeTakeFirstOrThrow()).n,
    );
    expect(inDoubt).toBeGreaterThanOrEqual(1);
    expect(inDoubt).toBeLessThanOrEqual(6);
    // Another process at once sends the rest, not the ones in doubt.
    expect(await deliverPending(get().db, transport, { from: FROM, now: time.now, concurrency: 6, roundSize: 2, limit: 100 })).toBe(20 - byKilled);
    // After the claim runs out: the ones in doubt are counted as sent, not sent again.
    time.advance(6 * MINUTE);
    expect(await deliverPending(get().db, transport, { from: FROM, now: time.now, concurrency: 6, roundSize: 2, limit: 100 })).toBe(0);
    transport.close?.();
    expect(copiesTo(to)).toEqual(to.map(() => 1));
    const rows = await get().db.selectFrom('email_outbox').select(['sent_at', 'last_error']).where('to_address', 'in', to).execute();
    expect(rows.every((r) => r.sent_at !== null)).toBe(true);
    expect(rows.filter((r) => r.last_error === OUTCOME_UNKNOWN)).toHaveLength(inDoubt);
  });

  it('wipes the single-use link of a message left in doubt when it is counted as sent', async () => {
    const to = 'reset-in-doubt@example.org';
    const link = 'https://portal.example.org/reset?token=4f1c9a0e';
    await enqueueEmail(get().db, { kind: 'reset_password', to, locale: 'en', subject: 'Reset your password', text: `Reset: ${link}`, html: `<a href="${link}">Reset</a>` }, time.now());
    const transport = smtpTransport(url);
    await deliverPending(get().db, transport, { from: FROM, now: time.now, dieAfterAccepted: () => true });
    expect((await row(to)).text_body).toContain(link);
    time.advance(6 * MINUTE);
    await deliverPending(get().db, transport, { from: FROM, now: time.now });
    transport.close?.();
    const after = await row(to);
    expect(after.last_error).toBe(OUTCOME_UNKNOWN);
    expect(after.text_body).not.toContain('token=');
    expect(after.html_body).not.toContain('token=');
    expect(received.filter((m) => m.to === to)).toHaveLength(1);
  });

  it("commits without waiting for the disk for the marking statement's own transaction only", async () => {
    const { db, dialect } = get();
    const total = Number((await db.selectFrom('email_outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    await db.connection().execute(async (connection) => {
      // The condition is true for every row: it filters nothing.
      expect(await connection.selectFrom('email_outbox').select('id').where(commitWithoutWaiting(dialect)).execute()).toHaveLength(total);
      if (dialect === 'postgres') {
        // On the same connection afterwards, commits wait for the disk again.
        expect((await sql<{ value: string }>`select current_setting('synchronous_commit') as value`.execute(connection)).rows[0]?.value).toBe('on');
      }
    });
  });
});
