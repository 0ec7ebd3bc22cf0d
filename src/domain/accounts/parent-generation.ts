/**
 * The nightly parent accounts of the second seed: "New Portal accounts are generated nightly for parents
 * who have a unique email … and do not currently have a portal account." An account is made for every
 * guardian who
 *   - has no account yet,
 *   - has an email that no other person in the district (guardian, student or staff) has,
 *   - has portal access, not revoked, to at least one actively enrolled student.
 * The username is that email; the account waits ("pending") until the guardian chooses a password with
 * the single-use link of the welcome email — never a password in an email. The email is a job
 * (`accounts.welcome`) enqueued in the same transaction as the account.
 *
 * Guardians are taken in id order in batches, each batch one transaction that also adds to the run's
 * counts: a run killed half-way leaves whole batches, and the next run skips those guardians as
 * "already has an account" and finishes the rest. No password is hashed on this path.
 *
 * A run records who holds it (the worker and its job, or the CLI's process: jobs/holders.ts). A run
 * whose holder is gone — its process died, or its job was taken over or ended — is marked
 * "interrupted" (`endAbandonedRuns`, at every run's start and by housekeeping), and the next run names
 * the interrupted one it resumes.
 */
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { DB } from '../../db/schema.js';
import { faultPoint } from '../../jobs/faults.js';
import { holderGone, holderId } from '../../jobs/holders.js';
import { enqueue, enqueueMany } from '../../jobs/queue.js';
import { portalLinks } from '../access/guardian-links.js';
import { isDistrictAdmin, OutsideScope, type StaffActor } from '../access/staff.js';
import { audit } from '../audit/service.js';
import { ownersOfEmails, type EmailOwner } from '../people/emails.js';
import { normalizeEmail } from './identity.js';

export interface GenerationSummary {
  runId: number;
  /** the interrupted run whose work this run took up */
  resumedFrom: number | null;
  created: number;
  skippedHasAccount: number;
  skippedNoEmail: number;
  skippedSharedEmail: number;
  skippedNoPortalAccess: number;
  skippedUsernameTaken: number;
}

type Reason = 'create' | 'has_account' | 'no_email' | 'no_portal_access' | 'shared_email' | 'username_taken';

const COLUMN: Record<Exclude<Reason, 'create'>, keyof DB['account_generation_runs'] & string> = {
  has_account: 'skipped_has_account',
  no_email: 'skipped_no_email',
  no_portal_access: 'skipped_no_portal_access',
  shared_email: 'skipped_shared_email',
  username_taken: 'skipped_username_taken',
};

/** Guardians with a portal link to an actively enrolled student (not counting adults when the district ends access at 18). */
function portalLinkToEnrolled(db: Kysely<DB>, adultBornOnOrBefore: string | null) {
  return portalLinks(db)
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .select('sg.guardian_id')
    .where('s.enrollment_status', '=', 'active')
    .$if(adultBornOnOrBefore !== null, (q) => q.where('s.birth_date', '>', adultBornOnOrBefore as string));
}

/** Whether another person (guardian, student or staff) has the guardian's email, by the identity rule. */
function sharedBy(owners: Map<string, EmailOwner[]>, key: string, guardianId: number): boolean {
  return (owners.get(key) ?? []).some((o) => o.kind !== 'guardian' || o.id !== guardianId);
}

/**
 * One batch of guardians after `afterId`, each with the first reason that applies. `email` is the
 * address's key (normalizeEmail), which is the username, its key and the security email of the account
 * made: the shared-email and username checks compare keys, so case and full-width letters do not matter.
 */
async function classify(db: Kysely<DB>, afterId: number, limit: number, adultBornOnOrBefore: string | null) {
  const flag = (condition: Expression<SqlBool>) => sql<number>`case when ${condition} then 1 else 0 end`;
  const rows = await db
    .selectFrom('guardians as g')
    .select((eb) => [
      'g.id',
      'g.email',
      'g.preferred_language',
      flag(eb.exists(eb.selectFrom('user_accounts as a').select('a.id').whereRef('a.guardian_id', '=', 'g.id'))).as('has_account'),
      flag(eb.exists(portalLinkToEnrolled(db, adultBornOnOrBefore).where('sg.guardian_id', '=', eb.ref('g.id')))).as('portal'),
    ])
    .where('g.id', '>', afterId)
    .orderBy('g.id')
    .limit(limit)
    .execute();
  const keyOf = (r: (typeof rows)[number]) => (r.email ? normalizeEmail(r.email) : '');
  // Only guardians the run may make an account for need their address compared with everyone's.
  const keys = [...new Set(rows.filter((r) => !Number(r.has_account) && Number(r.portal)).map(keyOf))].filter((k) => k !== '');
  const owners = await ownersOfEmails(db, keys);
  const taken = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const held = await db.selectFrom('user_accounts').select('username_key').where('username_key', 'in', keys.slice(i, i + 500)).execute();
    for (const h of held) taken.add(h.username_key);
  }
  return rows.map((r) => {
    const key = keyOf(r);
    return {
      id: r.id,
      email: key === '' ? null : key,
      preferred_language: r.preferred_language,
      has_account: Number(r.has_account),
      portal: Number(r.portal),
      shared: key !== '' && sharedBy(owners, key, r.id) ? 1 : 0,
      taken: taken.has(key) ? 1 : 0,
    };
  });
}

function reasonOf(row: { email: string | null; has_account: number; portal: number; shared: number; taken: number }): Reason {
  if (Number(row.has_account)) return 'has_account';
  if (!row.email) return 'no_email';
  if (!Number(row.portal)) return 'no_portal_access';
  if (Number(row.shared)) return 'shared_email';
  if (Number(row.taken)) return 'username_taken';
  return 'create';
}

export async function generateParentAccounts(
  db: Kysely<DB>,
  options: {
    now: () => Date;
    startedBy?: number | null;
    batchSize?: number;
    onBatch?: (summary: GenerationSummary) => void;
    /** when the district ends guardians' access at 18: students born on or before this date do not count */
    adultBornOnOrBefore?: string | null;
    /** who runs it: the worker and its job (jobs/registry.ts); this process when not told */
    holder?: string;
    jobId?: number | null;
    /** aborted when the job was taken over: the run stops before its next batch */
    signal?: AbortSignal;
    /** whether a holder's process is gone (jobs/holders.ts; tests give their own) */
    isGone?: (holder: string | null) => boolean;
  },
): Promise<GenerationSummary> {
  await endAbandonedRuns(db, options.now(), options.isGone);
  // The run just before this one, when it was interrupted and nobody took its work up yet.
  const previous = await db.selectFrom('account_generation_runs').select(['id', 'status']).orderBy('id', 'desc').limit(1).executeTakeFirst();
  const resumable =
    previous?.status === 'interrupted' &&
    !(await db.selectFrom('account_generation_runs').select('id').where('resumed_from', '=', previous.id).executeTakeFirst());
  const resumedFrom = resumable ? previous.id : null;
  const run = await db
    .insertInto('account_generation_runs')
    .values({
      started_at: options.now().toISOString(),
      finished_at: null,
      started_by: options.startedBy ?? null,
      error: null,
      holder: options.holder ?? holderId(),
      job_id: options.jobId ?? null,
      resumed_from: resumedFrom,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const summary: GenerationSummary = {
    runId: run.id,
    resumedFrom,
    created: 0,
    skippedHasAccount: 0,
    skippedNoEmail: 0,
    skippedSharedEmail: 0,
    skippedNoPortalAccess: 0,
    skippedUsernameTaken: 0,
  };
  const key: Record<Reason, keyof GenerationSummary> = {
    create: 'created',
    has_account: 'skippedHasAccount',
    no_email: 'skippedNoEmail',
    no_portal_access: 'skippedNoPortalAccess',
    shared_email: 'skippedSharedEmail',
    username_taken: 'skippedUsernameTaken',
  };
  const batchSize = options.batchSize ?? 2_000;
  try {
    let afterId = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const rows = await classify(db, afterId, batchSize, options.adultBornOnOrBefore ?? null);
      if (rows.length === 0) break;
      afterId = rows[rows.length - 1]!.id;
      const counts = new Map<Reason, number>();
      const create = rows.filter((r) => {
        const reason = reasonOf(r);
        counts.set(reason, (counts.get(reason) ?? 0) + 1);
        return reason === 'create';
      });
      const now = options.now();
      const t = now.toISOString();
      await db.transaction().execute(async (trx) => {
        if (create.length > 0) {
          const made = await trx
            .insertInto('user_accounts')
            .values(
              create.map((g) => ({
                username: g.email as string,
                username_key: g.email as string,
                password_hash: null,
                status: 'pending' as const,
                must_change_password: 0 as const,
                security_email: g.email,
                security_email_confirmed_at: null,
                person_kind: 'guardian' as const,
                guardian_id: g.id,
                locale: g.preferred_language,
                created_at: t,
                updated_at: t,
                updated_by: null,
              })),
            )
            .returning('id')
            .execute();
          await enqueueMany(
            trx,
            made.map((account) => ({ kind: 'accounts.welcome', payload: { accountId: account.id }, uniqueKey: `welcome:${account.id}` })),
            now,
          );
          // Which accounts the run made, with them: one audit row per batch, naming each account.
          await audit(trx, { action: 'parent_accounts.created', actorAccountId: options.startedBy ?? null, details: { run: run.id, accounts: made.map((a) => a.id) } }, now);
        }
        const increments = Object.fromEntries(
          [...counts].map(([reason, n]) => {
            const column = reason === 'create' ? 'created' : COLUMN[reason];
            return [column, sql`${sql.ref(column)} + ${n}`];
          }),
        );
        await trx.updateTable('account_generation_runs').set(increments).where('id', '=', run.id).execute();
      });
      for (const [reason, n] of counts) (summary[key[reason]] as number) += n;
      faultPoint('generate.after-batch');
      options.onBatch?.(summary);
    }
    // "where running": a run another process already declared interrupted keeps that story.
    await db
      .updateTable('account_generation_runs')
      .set({ status: 'done', finished_at: options.now().toISOString() })
      .where('id', '=', run.id)
      .where('status', '=', 'running')
      .execute();
    await audit(db, { action: 'parent_accounts.generated', actorAccountId: options.startedBy ?? null, details: { ...summary } }, options.now());
    return summary;
  } catch (error) {
    const interrupted = options.signal?.aborted === true;
    await db
      .updateTable('account_generation_runs')
      .set({
        status: interrupted ? 'interrupted' : 'failed',
        finished_at: options.now().toISOString(),
        error: String((error as Error).message).slice(0, 1000),
      })
      .where('id', '=', run.id)
      .where('status', '=', 'running')
      .execute();
    throw error;
  }
}

/**
 * Marks "interrupted" every running run whose holder is gone: its process is known to have died
 * (jobs/holders.ts), or the job it ran for is no longer held by it (taken over after its lease ran out,
 * ended, or waiting to run again). Returns the runs it ended.
 */
export async function endAbandonedRuns(db: Kysely<DB>, now: Date, isGone: (holder: string | null) => boolean = holderGone): Promise<number[]> {
  const running = await db
    .selectFrom('account_generation_runs as r')
    .leftJoin('jobs as j', 'j.id', 'r.job_id')
    .select(['r.id', 'r.holder', 'r.job_id', 'j.status as job_status', 'j.locked_by', 'j.locked_until'])
    .where('r.status', '=', 'running')
    .where('r.holder', 'is not', null)
    .execute();
  const ended = running
    .filter((r) => {
      if (isGone(r.holder)) return true;
      if (r.job_id === null) return false;
      const held = r.job_status === 'running' && r.locked_by === r.holder && r.locked_until !== null && new Date(r.locked_until).getTime() >= now.getTime();
      return !held;
    })
    .map((r) => r.id);
  if (ended.length === 0) return [];
  await db
    .updateTable('account_generation_runs')
    .set({ status: 'interrupted', finished_at: now.toISOString(), error: 'its process stopped before the run ended' })
    .where('id', 'in', ended)
    .where('status', '=', 'running')
    .execute();
  return ended;
}

/**
 * What a district administrator's "Run now" did: `started` (a run was queued), or why nothing new was
 * queued — a run is `running` (since `at`), one asked for is still `queued` (since `at`), or one was
 * already asked for in this minute and has `finished` (at `at`). One manual run per minute however
 * often the button is pressed (the job's unique key), and none while a run holds the guardians.
 */
export type ManualRunOutcome = { outcome: 'started' } | { outcome: 'running' | 'queued' | 'finished'; at: string };

export async function requestManualRun(db: Kysely<DB>, input: { actorAccountId: number; ip: string | null }, now: Date): Promise<ManualRunOutcome> {
  // a run whose process died holds nothing: it is marked interrupted, and this run resumes it
  await endAbandonedRuns(db, now);
  const running = await db
    .selectFrom('account_generation_runs')
    .select('started_at')
    .where('status', '=', 'running')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (running) return { outcome: 'running', at: running.started_at };
  const uniqueKey = `accounts.generate@manual:${now.toISOString().slice(0, 16)}`;
  const id = await enqueue(db, { kind: 'accounts.generate', payload: { startedBy: input.actorAccountId }, uniqueKey }, now);
  if (id !== null) {
    await audit(db, { action: 'parent_accounts.run_requested', actorAccountId: input.actorAccountId, ip: input.ip }, now);
    return { outcome: 'started' };
  }
  const job = await db.selectFrom('jobs').select(['status', 'created_at', 'finished_at']).where('unique_key', '=', uniqueKey).executeTakeFirst();
  if (job === undefined) return requestManualRun(db, input, now);
  if (job.status === 'queued') return { outcome: 'queued', at: job.created_at };
  if (job.status === 'running') return { outcome: 'running', at: job.created_at };
  return { outcome: 'finished', at: job.finished_at ?? job.created_at };
}

/** The newest runs, for the administrators' summary. */
export function recentRuns(db: Kysely<DB>, limit = 10) {
  return db
    .selectFrom('account_generation_runs as r')
    .leftJoin('account_generation_runs as p', 'p.id', 'r.resumed_from')
    .selectAll('r')
    .select('p.started_at as resumed_started_at')
    .orderBy('r.id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Guardians the nightly run cannot reach: portal access to an enrolled student, no account, and no
 * email or one that another person has. Office staff give them Activation Keys instead. The list is
 * the district's: for district administrators, and the reading is audited.
 */
export async function guardiansNeedingKeys(db: Kysely<DB>, input: { viewer: StaffActor; adultBornOnOrBefore: string | null }, now: Date) {
  if (!isDistrictAdmin(input.viewer.scope)) throw new OutsideScope('the guardians needing Activation Keys are the district’s list');
  const adultBornOnOrBefore = input.adultBornOnOrBefore;
  let q = portalLinks(db)
    .innerJoin('guardians as g', 'g.id', 'sg.guardian_id')
    .innerJoin('students as s', 's.id', 'sg.student_id')
    .innerJoin('schools as sc', 'sc.id', 's.school_id')
    .select([
      'g.id',
      'g.first_name',
      'g.last_name',
      'g.email',
      's.student_number',
      's.legal_first_name as student_first_name',
      's.legal_last_name as student_last_name',
      'sc.name as school',
    ])
    .where('s.enrollment_status', '=', 'active')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('user_accounts as a').select('a.id').whereRef('a.guardian_id', '=', 'g.id'))))
    .orderBy('sc.name')
    .orderBy('g.last_name')
    .orderBy('g.id');
  if (adultBornOnOrBefore) q = q.where('s.birth_date', '>', adultBornOnOrBefore);
  const rows = await q.execute();
  // No email, or one another person has (by the identity rule): the nightly run cannot reach them.
  const keyOf = (email: string | null) => (email ? normalizeEmail(email) : '');
  const owners = await ownersOfEmails(db, [...new Set(rows.map((r) => keyOf(r.email)))]);
  const needing = rows.filter((r) => keyOf(r.email) === '' || sharedBy(owners, keyOf(r.email), r.id));
  await audit(db, { action: 'parent_accounts.need_keys_exported', actorAccountId: input.viewer.actorAccountId, ip: input.viewer.ip, details: { rows: needing.length } }, now);
  return needing;
}
