/**
 * District administrators: OneRoster imports from the browser. The package is streamed to the data
 * folder (never held in memory), imported by a background job, and followed on a page that reloads
 * itself until the run's report is there. Only a district administrator reaches any of it: the access
 * check and the form's token are checked before a byte of the upload is read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recordId } from '../../domain/forms.js';
import { LOAD_PROBLEMS } from '../../domain/oneroster/load/index.js';
import { describeProblem } from '../../domain/oneroster/read/describe.js';
import { importRun, importRuns, queueUpload, uploadPath, uploadState } from '../../domain/oneroster/uploads.js';
import { formatInstant } from '../../email/templates.js';
import { formatFileSize } from '../../i18n/format.js';
import { contextFor } from '../context.js';
import { districtAdmin, requireStaff } from '../guards.js';
import { clientIp } from '../plugins/session.js';
import { sendPage } from '../render.js';
import { ImportsPage, RunPage, UploadPage } from '../views/imports.js';

/** Seconds between the reloads of an import being followed. */
const REFRESH_SECONDS = 5;

export async function importRoutes(app: FastifyInstance): Promise<void> {
  const { services } = app;
  const db = services.database.db;
  const ctxOf = (request: FastifyRequest) => contextFor(app, request);

  // Multipart bodies are parsed here only, and as a stream: the handler reads the file after the checks.
  // The largest package the page takes (IMPORT_UPLOAD_MAX_MB, default 1 GB): a 100,000-student district
  // with its gradebook zips to about 90 MB.
  const maxBytes = services.config.importUploadMaxBytes;
  await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 5, parts: 6, fieldSize: 100 } });
  app.addHook('preHandler', requireStaff(app, districtAdmin));

  const importsPage = async (request: FastifyRequest, reply: FastifyReply, problem?: string, status = 200) => {
    const ctx = await ctxOf(request);
    const runs = await importRuns(db);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const nightly = services.config.importDir ? ctx.district.settings.importAt : null;
    return sendPage(reply, <ImportsPage ctx={ctx} runs={runs} when={when} nightly={nightly} problem={problem} />, status);
  };

  app.get('/admin/imports', async (request, reply) => importsPage(request, reply));

  app.post('/admin/imports', async (request, reply) => {
    const ctx = await ctxOf(request);
    if (!request.isMultipart()) return importsPage(request, reply, ctx.t('imports.noFile'), 400);
    const target = uploadPath(services.config.dataDir);
    let name: string | null = null;
    let bytes = 0;
    let dryRun = false;
    let tooLarge = false;
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          if (part.fieldname !== 'package' || name !== null) {
            part.file.resume();
            continue;
          }
          name = path.basename(part.filename || 'package.zip').slice(0, 200);
          await pipeline(part.file, fs.createWriteStream(target, { mode: 0o600 }));
          tooLarge = part.file.truncated;
          bytes = fs.statSync(target).size;
        } else if (part.fieldname === 'dryRun') {
          dryRun = part.value === '1';
        }
      }
    } catch (error) {
      fs.rmSync(target, { force: true });
      // The file passed the limit: @fastify/multipart ends its stream with this error.
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') tooLarge = true;
      else {
        // More parts or fields than the form has, or a body cut short: the form was not ours.
        request.log.info({ err: error }, 'upload refused');
        return importsPage(request, reply, ctx.t('imports.badUpload'), 400);
      }
    }
    if (tooLarge) {
      fs.rmSync(target, { force: true });
      return importsPage(request, reply, ctx.t('imports.tooLarge', { max: formatFileSize(maxBytes, ctx.locale) }), 413);
    }
    if (name === null || bytes === 0) {
      fs.rmSync(target, { force: true });
      return importsPage(request, reply, ctx.t('imports.noFile'), 400);
    }
    let jobId: number;
    try {
      jobId = await queueUpload(db, { source: target, dryRun, startedBy: request.session!.account.id, name }, clientIp(request), services.now());
    } catch (error) {
      fs.rmSync(target, { force: true });
      throw error;
    }
    return reply.redirect(`/admin/imports/uploads/${jobId}`, 303);
  });

  app.get<{ Params: { jobId: string }; Querystring: { auto?: string } }>('/admin/imports/uploads/:jobId', async (request, reply) => {
    const jobId = recordId(request.params.jobId);
    const state = jobId === null ? null : await uploadState(db, jobId);
    if (!state) return reply.callNotFound();
    if ((state.status === 'done' || state.status === 'failed') && state.runId !== null) return reply.redirect(`/admin/imports/runs/${state.runId}`, 303);
    const ctx = await ctxOf(request);
    const refreshing = request.query.auto !== '0' && state.status !== 'failed';
    // The page reloads itself while the import runs (no script needed); the reader can stop that.
    if (refreshing) reply.header('refresh', String(REFRESH_SECONDS));
    return sendPage(reply, <UploadPage ctx={ctx} state={state} self={`/admin/imports/uploads/${jobId}`} refreshing={refreshing} />);
  });

  app.get<{ Params: { runId: string } }>('/admin/imports/runs/:runId', async (request, reply) => {
    const runId = recordId(request.params.runId);
    const run = runId === null ? null : await importRun(db, runId);
    if (!run) return reply.callNotFound();
    const ctx = await ctxOf(request);
    const when = (iso: string) => formatInstant(new Date(iso), ctx.locale, ctx.district.timeZone);
    const problems = (run.report?.problems ?? []).map((p) => ({ severity: p.severity, text: describeProblem(p, ctx.t, LOAD_PROBLEMS) }));
    return sendPage(reply, <RunPage ctx={ctx} run={run} when={when} problems={problems} />);
  });
}
