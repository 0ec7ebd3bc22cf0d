/**
 * Imports started from the upload page: the package a district administrator sends is kept under
 * DATA_DIR/imports/ under a random name, imported by a background job ('oneroster.import'), and removed
 * once read (the run's report stays: the last RUNS_KEPT of them). While the job runs it writes its
 * progress to a small file beside the package, which the page reads: what the import reads is in its
 * own connection's temporary tables, invisible to other connections until its transaction commits.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/connect.js';
import type { DB } from '../../db/schema.js';
import { enqueue } from '../../jobs/queue.js';
import { audit } from '../audit/service.js';
import type { ImportReport } from './load/index.js';
import { importFrom } from './nightly.js';

export const UPLOAD_JOB = 'oneroster.import';

/** The folder uploaded packages wait in, inside the data folder. */
export const uploadsDir = (dataDir: string) => path.join(dataDir, 'imports');

/** A new, unguessable place for an uploaded package (a zip). */
export function uploadPath(dataDir: string): string {
  fs.mkdirSync(uploadsDir(dataDir), { recursive: true, mode: 0o700 });
  return path.join(uploadsDir(dataDir), `upload-${randomBytes(12).toString('hex')}.zip`);
}

const progressPath = (source: string) => `${source}.progress.json`;

export const uploadPayload = z.object({
  source: z.string().regex(/upload-[0-9a-f]{24}\.zip$/),
  dryRun: z.boolean(),
  startedBy: z.number().int().positive(),
  /** the file's name on the administrator's computer, for the report */
  name: z.string().max(300),
});
export type UploadPayload = z.infer<typeof uploadPayload>;

/** Queues the import of an uploaded package; the job's id, by which the page follows it. */
export async function queueUpload(db: Kysely<DB>, payload: UploadPayload, ip: string | null, now: Date): Promise<number> {
  const id = await enqueue(db, { kind: UPLOAD_JOB, payload, maxAttempts: 1 }, now);
  await audit(db, { action: 'oneroster.upload', actorAccountId: payload.startedBy, ip, details: { name: payload.name, dryRun: payload.dryRun } }, now);
  return id!;
}

/**
 * The job: imports the package, writing its progress beside it at most once a second, then removes the
 * package and its progress (a district's students are in it: it is not kept once read).
 */
export async function runUpload(database: Database, dataDir: string, raw: unknown, now: () => Date): Promise<ImportReport> {
  const payload = uploadPayload.parse(raw);
  const source = path.resolve(payload.source);
  // Only a package in the uploads folder is read, and then removed: never a path a payload could name.
  if (path.dirname(source) !== path.resolve(uploadsDir(dataDir))) throw new Error(`not an uploaded package: ${payload.source}`);
  let written = 0;
  try {
    return await importFrom(database, source, {
      dryRun: payload.dryRun,
      now: now(),
      actorAccountId: payload.startedBy,
      onProgress: (p) => {
        if (Date.now() - written < 1000) return;
        written = Date.now();
        fs.writeFileSync(progressPath(source), JSON.stringify({ file: p.file, rows: p.rows, bytesRead: p.bytesRead, totalBytes: p.totalBytes }));
      },
    });
  } finally {
    fs.rmSync(source, { force: true });
    fs.rmSync(progressPath(source), { force: true });
  }
}

export interface UploadState {
  status: 'queued' | 'running' | 'done' | 'failed';
  name: string;
  dryRun: boolean;
  /** while running: how far the reading has come */
  progress: { file: string; rows: number; percent: number } | null;
  /** once the import ran: its run in the log */
  runId: number | null;
}

/** Where an upload's job is; null when there is no such upload job. */
export async function uploadState(db: Kysely<DB>, jobId: number): Promise<UploadState | null> {
  const job = await db.selectFrom('jobs').select(['status', 'payload', 'last_error']).where('id', '=', jobId).where('kind', '=', UPLOAD_JOB).executeTakeFirst();
  if (!job) return null;
  const payload = uploadPayload.safeParse(JSON.parse(job.payload));
  if (!payload.success) return null;
  const run = await db.selectFrom('import_runs').select('id').where('source', '=', payload.data.source).orderBy('id', 'desc').executeTakeFirst();
  let progress: UploadState['progress'] = null;
  if (job.status === 'running') {
    try {
      const p = JSON.parse(fs.readFileSync(progressPath(payload.data.source), 'utf8')) as { file: string; rows: number; bytesRead: number; totalBytes: number };
      progress = { file: p.file, rows: p.rows, percent: Math.min(100, Math.floor((100 * p.bytesRead) / Math.max(1, p.totalBytes))) };
    } catch {
      progress = null;
    }
  }
  return { status: job.status, name: payload.data.name, dryRun: payload.data.dryRun, progress, runId: run?.id ?? null };
}

export interface RunSummary {
  id: number;
  status: 'running' | 'done' | 'failed';
  dryRun: boolean;
  startedAt: string;
  finishedAt: string | null;
  startedBy: string | null;
  /** how it came: an upload (its file name), the nightly pickup or the command (the package's name) */
  source: string | null;
  errors: number;
  warnings: number;
  report: ImportReport | null;
}

const displaySource = (source: string | null, names: Map<string, string>) => (source === null ? null : (names.get(source) ?? path.basename(source)));

/** The runs the log keeps, newest first, with their reports. */
export async function importRuns(db: Kysely<DB>): Promise<RunSummary[]> {
  return summaries(db, null);
}

/** One run of the log; null when the log no longer has it. */
export async function importRun(db: Kysely<DB>, id: number): Promise<RunSummary | null> {
  return (await summaries(db, id))[0] ?? null;
}

async function summaries(db: Kysely<DB>, id: number | null): Promise<RunSummary[]> {
  const rows = await db
    .selectFrom('import_runs as r')
    .leftJoin('user_accounts as a', 'a.id', 'r.started_by')
    .select(['r.id', 'r.status', 'r.dry_run', 'r.started_at', 'r.finished_at', 'r.source', 'r.report', 'a.username'])
    .where('r.kind', '=', 'oneroster')
    .$if(id !== null, (q) => q.where('r.id', '=', id!))
    .orderBy('r.id', 'desc')
    .execute();
  // An upload's package has a random name: the name it had on the administrator's computer is the job's.
  const uploads = await db.selectFrom('jobs').select('payload').where('kind', '=', UPLOAD_JOB).execute();
  const names = new Map<string, string>();
  for (const j of uploads) {
    const p = uploadPayload.safeParse(JSON.parse(j.payload));
    if (p.success) names.set(p.data.source, p.data.name);
  }
  return rows.map((r) => {
    const report = r.report ? (JSON.parse(r.report) as ImportReport) : null;
    return {
      id: r.id,
      status: r.status,
      dryRun: r.dry_run === 1,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      startedBy: r.username,
      source: displaySource(r.source, names),
      errors: report?.errors ?? 0,
      warnings: report?.warnings ?? 0,
      report,
    };
  });
}
