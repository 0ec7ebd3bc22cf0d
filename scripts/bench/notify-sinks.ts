/**
 * The notification benchmark's receivers in a process of their own (scripts/bench/notify.ts forks it): an
 * SMTP sink (smtp-server on 127.0.0.1) and the local Web Push service (tests/support/push-service.ts:
 * HTTPS, VAPID checked, every payload decrypted). A real district's mail relay and push services run on
 * other machines; in the sender's process they took half of its CPU (the push service's ECDH and JWT
 * check cost what the sender's encryption and signing cost). On two cores they now share the machine
 * with the sender and the database as a separate party. Talks to its parent over IPC: `subscriptions`
 * (n devices' endpoints and keys), `counts`, `close`.
 */
import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startPushService } from '../../tests/support/push-service.js';

type Request = { type: 'subscriptions'; count: number } | { type: 'counts' } | { type: 'close' };

const push = await startPushService({ keepAlive: true });
let received = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
smtp.server.on('connection', (socket: Socket) => socket.setNoDelay(true));
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const address = smtp.server.address();
const send = (message: unknown) => process.send!(message);
send({ type: 'ready', smtpPort: typeof address === 'object' && address ? address.port : 0, ca: push.ca.toString('utf8') });

process.on('message', (message: Request) => {
  if (message.type === 'subscriptions') {
    send({ type: 'subscriptions', subscriptions: Array.from({ length: message.count }, () => push.subscription()).map((s) => ({ endpoint: s.endpoint, keys: s.keys })) });
  } else if (message.type === 'counts') {
    send({ type: 'counts', smtp: received, push: push.received.length, problems: push.problems.slice(0, 5), problemCount: push.problems.length });
  } else {
    void Promise.all([push.close(), new Promise<void>((resolve) => smtp.close(() => resolve()))]).then(() => process.exit(0));
  }
});
