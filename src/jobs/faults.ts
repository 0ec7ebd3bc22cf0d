/**
 * Fault injection for the `tests/faults/` suite: with `HOMEROOM_FAULT=point` (or `point:n`) in its
 * environment, a process kills itself with SIGKILL — no handler, no `finally`, as a power cut or the
 * out-of-memory killer would — the first (or n-th) time it reaches that named point. Without the
 * variable, and for every other point, `faultPoint` does nothing; districts never set it.
 *
 * The points (each names the moment just after a durable step and before the next):
 *   job.after-work          a job's handler returned, its completion not yet written (worker.ts)
 *   generate.after-batch    a batch of nightly parent accounts committed (parent-generation.ts)
 *   mail.after-accepted     the SMTP server accepted a message, not yet marked sent (email/outbox.ts)
 *   demo.before-commit      a demo load wrote everything, not yet committed (domain/demo/load.ts)
 *   notify.after-notification  the decider wrote a notification, its write not yet committed (domain/notifications/decide.ts)
 *   notify.after-chunk  one of a batch's writes committed, the next (and the cursor's move) not yet begun (decide.ts)
 *   web.before-listen   a web process built its app and opened its connections, not yet listening (cli/main.ts)
 */
const spec = process.env.HOMEROOM_FAULT ?? '';
const [armedPoint = '', nth = '1'] = spec.split(':');
const armedAt = Math.max(1, Number(nth) || 1);
let reached = 0;

export function faultPoint(point: string): void {
  if (spec === '' || point !== armedPoint) return;
  reached += 1;
  if (reached === armedAt) process.kill(process.pid, 'SIGKILL');
}
