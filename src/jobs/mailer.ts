/**
 * Delivers the email outbox in the background: every few seconds, and right after a request that
 * wrote a message (`kick`). Several processes may run it at once; each message is claimed first.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { deliverPending, writtenCount, type DeliveryFailure, type Transport } from '../email/outbox.js';

export interface Mailer {
  /** deliver what is due now, soon */
  kick(): void;
  /** deliver what is due now, and wait for it (tests, shutdown) */
  flush(): Promise<number>;
  stop(): void;
}

export function startMailer(options: {
  db: Kysely<DB>;
  transport: Transport;
  from: string;
  now: () => Date;
  intervalMs?: number;
  onError?: (error: unknown) => void;
  /** every failed attempt of a message (the log warns, and errors when it was the last) */
  onFailure?: (failure: DeliveryFailure) => void;
  /** keep single-use links in sent messages (demo mailbox) */
  keepSecrets?: boolean;
  /** SMTP conversations at once (MAIL_CONNECTIONS; see deliverPending) */
  concurrency?: number;
}): Mailer {
  const concurrency = options.concurrency ?? 1;
  // A pass goes on while it finds a full batch (a burst of notifications), instead of waiting a tick per batch.
  const limit = 50 * concurrency;
  const drain = async () => {
    let total = 0;
    for (;;) {
      const sent = await deliverPending(options.db, options.transport, {
        from: options.from,
        now: options.now,
        limit,
        concurrency,
        keepSecrets: options.keepSecrets ?? false,
        ...(options.onFailure ? { onFailure: options.onFailure } : {}),
      });
      total += sent;
      if (sent < limit) return total;
    }
  };
  let running: Promise<number> | null = null;
  const run = () => {
    running ??= drain().finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () => {
    run().catch((error: unknown) => options.onError?.(error));
  };
  const timer = options.intervalMs === 0 ? null : setInterval(tick, options.intervalMs ?? 5_000);
  timer?.unref();
  let seen = writtenCount();
  return {
    // After a request: only when this process wrote a message since the last look.
    kick: () => {
      if (writtenCount() === seen) return;
      seen = writtenCount();
      setImmediate(tick);
    },
    async flush() {
      let total = 0;
      // Wait for a run in progress, then run once more for what it did not see.
      if (running) total += await running;
      total += await run();
      return total;
    },
    stop: () => {
      if (timer) clearInterval(timer);
      // The SMTP pool keeps its connections open: closed here, or the process would not exit.
      options.transport.close?.();
    },
  };
}
