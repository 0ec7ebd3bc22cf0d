/**
 * The background work Homeroom knows: job kinds with their handlers, and the recurring schedules.
 */
import type { Agent } from 'node:https';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { connect, refreshPlannerStatistics, type Database } from '../db/connect.js';
import type { DB } from '../db/schema.js';
import { accountHousekeeping } from '../domain/accounts/housekeeping.js';
import { endAbandonedRuns, generateParentAccounts } from '../domain/accounts/parent-generation.js';
import { sendResetLink, sendUsernames } from '../domain/accounts/recovery.js';
import { sendSignInCode } from '../domain/accounts/sign-in-codes.js';
import { resendWelcomeLinks, sendWelcome } from '../domain/accounts/welcome.js';
import { routeAccountRequest } from '../domain/requests/account-requests.js';
import { REMIND_JOB, sendReminders } from '../domain/signed-forms/service.js';
import { getDistrictProfile, NoDistrictError, type DistrictProfile } from '../domain/district/service.js';
import { adultCutoff, portalSettingsSchema } from '../domain/district/settings.js';
import { pruneExpired } from '../domain/system/retention.js';
import { localDate } from '../domain/calendar/dates.js';
import { importDropped } from '../domain/oneroster/nightly.js';
import { runUpload, UPLOAD_JOB } from '../domain/oneroster/uploads.js';
import { deliverMessage, deliverPayload, DELIVER_JOB } from '../domain/messages/service.js';
import { emailMessageCopies, emailPayload, EMAIL_JOB } from '../domain/messages/email.js';
import { deliverDuePushes, PUSH_JOB, queuePush, vapidKeys, vapidSubject } from '../domain/notifications/push.js';
import { enqueue } from './queue.js';
import { NOTIFICATIONS_JOB, runNotifications } from '../domain/notifications/service.js';
import { FORM_NOTICE_JOB, formNoticePayload, notifyFormToSign } from '../domain/notifications/forms.js';
import { LOW_BALANCE_JOB, runLowBalanceNotices } from '../domain/meals/low-balance.js';
import type { Schedule } from './scheduler.js';
import type { JobHandler } from './worker.js';

const welcomePayload = z.object({ accountId: z.number().int().positive() });
const generatePayload = z.object({
  startedBy: z.number().int().positive().nullable().optional(),
  /** guardians per transaction (the run's default when absent) */
  batchSize: z.number().int().min(1).max(100_000).optional(),
});

export function jobHandlers(config: {
  baseUrl: string;
  importDir?: string | null;
  dataDir?: string;
  databaseUrl?: string;
  /** the sender address: the VAPID subject when the district has no help address */
  mailFrom?: string;
  /** the TLS agent push requests use (tests trust their own push service) */
  pushAgent?: Agent;
}): Record<string, JobHandler> {
  /**
   * An import runs on one connection from its first staged row to its commit. On SQLite a process has
   * one connection, which the run holds to its end: on the process's own connection the import would
   * stop every page this process serves (the worker runs beside the web server in `homeroom serve`).
   * It gets a connection of its own, so that pages keep reading and writing while it runs; writes wait
   * only for its short write transaction at the end (ADR 0028).
   */
  const ownConnection = async <T>(database: Database, run: (database: Database) => Promise<T>): Promise<T> => {
    if (database.dialect !== 'sqlite' || !config.databaseUrl || config.databaseUrl.includes(':memory:')) return run(database);
    const own = await connect(config.databaseUrl);
    try {
      return await run(own);
    } finally {
      await own.close();
    }
  };
  return {
    // A package a district administrator uploaded (the upload page).
    [UPLOAD_JOB]: async (payload, { database, now }) => {
      if (!config.dataDir) throw new Error('uploaded packages need the data folder');
      const dataDir = config.dataDir;
      await ownConnection(database, (db) => runUpload(db, dataDir, payload, now));
    },
    // The SIS's packages dropped into IMPORT_DIR, every night at the district's import hour.
    'oneroster.nightly': async (_payload, { database, now }) => {
      const dir = config.importDir;
      if (dir) await ownConnection(database, (db) => importDropped(db, dir, now));
    },
    'accounts.housekeeping': async (_payload, { database, now }) => {
      await accountHousekeeping(database.db, now());
      // a run whose process died on another machine ends here, once its job has moved on
      await endAbandonedRuns(database.db, now());
      // what has served its time: finished jobs, sent emails and pushes, old notifications and messages (ADR 0046)
      const district = await getDistrictProfile(database.db).catch((error: unknown) => {
        if (error instanceof NoDistrictError) return null;
        throw error;
      });
      await pruneExpired(database.db, now(), { messageRetentionYears: district?.settings.messageRetentionYears ?? portalSettingsSchema.parse({}).messageRetentionYears });
      // SQLite's planner statistics, for tables that grew since the last look (the nightly accounts, imports)
      await refreshPlannerStatistics(database.db);
    },
    'accounts.generate': async (payload, { database, now, jobId, holder, signal }) => {
      const { startedBy, batchSize } = generatePayload.parse(payload);
      const district = await getDistrictProfile(database.db);
      await generateParentAccounts(database.db, {
        now,
        startedBy: startedBy ?? null,
        holder,
        jobId,
        ...(batchSize ? { batchSize } : {}),
        signal,
        adultBornOnOrBefore: adultCutoff(district.settings, localDate(now(), district.timeZone)),
      });
    },
    'accounts.welcome': async (payload, { database, now, finish }) => {
      const { accountId } = welcomePayload.parse(payload);
      const district = await getDistrictProfile(database.db);
      await sendWelcome(database.db, accountId, { baseUrl: config.baseUrl, district, days: district.settings.welcomeLinkDays, finish, closing: district.settings.welcomeClosing }, now());
    },
    // The self-serve forms queue their work, so that their answer takes the same time whether or not
    // the username or address is known (domain/accounts/recovery.ts).
    'recovery.reset': async (payload, { database, now, finish }) => {
      await sendResetLink(database.db, payload, { baseUrl: config.baseUrl, district: await getDistrictProfile(database.db), finish }, now());
    },
    'recovery.usernames': async (payload, { database, now, finish }) => {
      await sendUsernames(database.db, payload, { baseUrl: config.baseUrl, district: await getDistrictProfile(database.db), finish }, now());
    },
    'accounts.sign_in_code': async (payload, { database, now, finish }) => {
      await sendSignInCode(database.db, payload, { district: await getDistrictProfile(database.db), finish }, now());
    },
    // A message's delivery to every person of its audience, at its time (domain/messages).
    [DELIVER_JOB]: async (payload, { database, now }) => deliverMessage(database.db, deliverPayload.parse(payload).messageId, now()),
    // Its email copies, queued by the delivery (domain/messages/email.ts).
    [EMAIL_JOB]: async (payload, { database, now, finish }) => {
      await emailMessageCopies(database.db, database.dialect, emailPayload.parse(payload).messageId, { baseUrl: config.baseUrl, finish }, now());
    },
    // Queued Web Push deliveries (domain/notifications/push.ts): what is due now; a retry waiting for
    // later gets a job of its own at its time (a run every 10 minutes is the safety net).
    [PUSH_JOB]: async (_payload, { database, now, signal }) => {
      const district = await getDistrictProfile(database.db);
      const vapid = await vapidKeys(database.db, now());
      const subject = vapidSubject(district.helpEmail, config.mailFrom ?? 'homeroom@localhost');
      const send = { vapid, subject, ...(config.pushAgent ? { agent: config.pushAgent } : {}) };
      const limit = 500;
      let result;
      do {
        result = await deliverDuePushes(database.db, database.dialect, send, { now, limit });
      } while (result.sent + result.retried + result.failed + result.removed >= limit && !signal.aborted);
      if (result.nextDue && result.nextDue > now()) await enqueue(database.db, { kind: PUSH_JOB, runAt: result.nextDue, uniqueKey: `${PUSH_JOB}@${result.nextDue.toISOString()}` }, now());
    },
    'requests.route': async (payload, { database }) => routeAccountRequest(database.db, payload),
    'recovery.welcome': async (payload, { database, now, finish }) => resendWelcomeLinks(database.db, payload, now(), finish),
    // A reminder to the families who have not signed a form (the office's button).
    [REMIND_JOB]: async (payload, { database, now }) => {
      await sendReminders(database.db, payload, { baseUrl: config.baseUrl, district: await getDistrictProfile(database.db) }, now());
    },
    // A form to sign, told to the families it concerns (notifications/forms.ts), queued when it is published.
    [FORM_NOTICE_JOB]: async (payload, { database, now, finish }) => {
      await notifyFormToSign(database.db, formNoticePayload.parse(payload).formId, now(), finish);
    },
    // The low meal balances a point-of-sale import made, told after its commit (meals/low-balance.ts).
    [LOW_BALANCE_JOB]: async (payload, { database, now, signal }) => {
      await runLowBalanceNotices(database.db, payload, now, signal);
    },
    // Notifications (issue 22): decided from the change events; the push channel queues Web Push deliveries (push.ts).
    [NOTIFICATIONS_JOB]: async (_payload, { database, now }) => {
      await runNotifications(database, { now: now(), baseUrl: config.baseUrl, queuePush });
    },
  };
}

/** What a process that starts the background work does first: runs whose process died end as "interrupted". */
export async function afterRestart(db: Kysely<DB>, now: Date): Promise<void> {
  await endAbandonedRuns(db, now);
}

/**
 * Housekeeping every 10 minutes; the parent-account run every night at the district's hour; the
 * OneRoster pickup every night at the district's import hour when an IMPORT_DIR is configured.
 */
export function schedules(district: Pick<DistrictProfile, 'timeZone' | 'settings'> | null, importDir: string | null = null): Schedule[] {
  const timeZone = district?.timeZone ?? 'UTC';
  const list: Schedule[] = [
    { kind: 'accounts.housekeeping', pattern: '*/10 * * * *', timeZone },
    { kind: PUSH_JOB, pattern: '*/10 * * * *', timeZone },
    { kind: NOTIFICATIONS_JOB, pattern: '* * * * *', timeZone },
  ];
  if (district) {
    const [hh, mm] = district.settings.parentAccountsAt.split(':');
    list.push({ kind: 'accounts.generate', pattern: `${Number(mm)} ${Number(hh)} * * *`, timeZone });
    if (importDir) {
      const [ih, im] = district.settings.importAt.split(':');
      list.push({ kind: 'oneroster.nightly', pattern: `${Number(im)} ${Number(ih)} * * *`, timeZone });
    }
  }
  return list;
}

/** How often a process with a scheduler reads the district's hours again: a changed hour takes effect within this. */
export const SCHEDULE_REFRESH_MS = 15_000;

/** The schedules as the district's settings say now (read from the database, not a cache). */
export async function currentSchedules(db: Kysely<DB>, importDir: string | null): Promise<Schedule[]> {
  const district = await getDistrictProfile(db).catch((error: unknown) => {
    if (error instanceof NoDistrictError) return null;
    throw error;
  });
  return schedules(district, importDir);
}
