/**
 * The background work Homeroom knows: job kinds with their handlers, and the recurring schedules.
 * The district's own schedules (the nightly parent-account run, imports) join this list.
 */
import { accountHousekeeping } from '../domain/accounts/housekeeping.js';
import type { Schedule } from './scheduler.js';
import type { JobHandler } from './worker.js';

export const JOB_HANDLERS: Record<string, JobHandler> = {
  'accounts.housekeeping': async (_payload, { database, now }) => accountHousekeeping(database.db, now()),
};

export function schedules(timeZone: string): Schedule[] {
  return [{ kind: 'accounts.housekeeping', pattern: '*/10 * * * *', timeZone }];
}
