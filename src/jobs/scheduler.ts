/**
 * Recurring jobs on cron patterns in the district's time zone (croner). Every process may run the
 * scheduler: a run is enqueued with the key `kind@slot`, so each slot becomes exactly one job however
 * many processes saw it.
 */
import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { enqueue } from './queue.js';

export interface Schedule {
  kind: string;
  /** a cron pattern, e.g. '0 2 * * *' for 02:00 every night */
  pattern: string;
  timeZone: string;
  payload?: unknown;
}

/** The next time a pattern fires after `from`, in a time zone. */
export function nextRun(pattern: string, timeZone: string, from: Date): Date | null {
  return new Cron(pattern, { timezone: timeZone, paused: true }).nextRun(from);
}

/** The job for one slot of a schedule; safe to call from every process. */
export function enqueueSlot(db: Kysely<DB>, schedule: Schedule, slot: Date, now: Date): Promise<number | null> {
  return enqueue(db, { kind: schedule.kind, payload: schedule.payload ?? {}, runAt: slot, uniqueKey: `${schedule.kind}@${slot.toISOString()}` }, now);
}

export interface Scheduler {
  stop(): void;
  /**
   * Takes new schedules without a restart: a schedule whose pattern or time zone changed is restarted,
   * one no longer listed stops, a new one starts; an unchanged one keeps running.
   */
  update(schedules: Schedule[]): void;
  /** The next slot of each schedule after `from`, in the order given. */
  upcoming(from: Date): { kind: string; at: Date | null }[];
}

const sameSchedule = (a: Schedule, b: Schedule) => a.pattern === b.pattern && a.timeZone === b.timeZone && JSON.stringify(a.payload ?? {}) === JSON.stringify(b.payload ?? {});

export function startScheduler(options: {
  db: Kysely<DB>;
  schedules: Schedule[];
  now: () => Date;
  onError?: (error: unknown) => void;
}): Scheduler {
  const start = (schedule: Schedule) =>
    new Cron(schedule.pattern, { timezone: schedule.timeZone, protect: true, unref: true }, (self: Cron) => {
      const slot = self.currentRun() ?? options.now();
      enqueueSlot(options.db, schedule, slot, options.now()).catch((error: unknown) => options.onError?.(error));
    });
  let running = options.schedules.map((schedule) => ({ schedule, cron: start(schedule) }));
  return {
    stop: () => {
      for (const r of running) r.cron.stop();
    },
    update: (schedules) => {
      const next = schedules.map((schedule) => {
        const same = running.find((r) => r.schedule.kind === schedule.kind && sameSchedule(r.schedule, schedule));
        return same ?? { schedule, cron: start(schedule) };
      });
      for (const r of running) if (!next.includes(r)) r.cron.stop();
      running = next;
    },
    upcoming: (from) => running.map((r) => ({ kind: r.schedule.kind, at: r.cron.nextRun(from) })),
  };
}
