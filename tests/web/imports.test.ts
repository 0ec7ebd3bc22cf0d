/**
 * District administrators' OneRoster imports in the browser (issue 20): a package uploaded as a dry run
 * and for real, followed while its job runs, and its report; bad uploads; who may do any of it. The
 * package is the hand-written fixture tests/fixtures/oneroster/v12-bulk (8 students, 5 guardians, 4
 * teachers and a district administrator, 2 schools), zipped for the test.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ZipFile } from 'yazl';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, staffMember, type StaffFixture } from '../support/factories.js';
import { Client } from '../support/http.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/oneroster/v12-bulk');

async function zipOf(dir: string): Promise<Buffer> {
  const z = new ZipFile();
  for (const name of fs.readdirSync(dir)) z.addFile(path.join(dir, name), name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describeEachEngine('OneRoster imports from the browser', (get) => {
  let app: FastifyInstance;
  let admin: StaffFixture;
  let teacher: StaffFixture;
  let spanishAdmin: StaffFixture;
  let pkg: Buffer;
  let uploads: string;

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db, { today: '2026-09-15' });
    admin = await staffMember(db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    spanishAdmin = await staffMember(db, world, { first: 'Elena', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }], locale: 'es' });
    teacher = await staffMember(db, world, { first: 'Tom', last: 'Teacher', roles: [{ role: 'teacher' }] });
    app = await makeApp(get(), { now: () => new Date('2026-09-15T14:00:00Z') });
    uploads = path.join(app.services.config.dataDir, 'imports');
    pkg = await zipOf(FIXTURE);
  });
  afterAll(() => app.close());

  const signedIn = async (who: StaffFixture) => {
    const c = new Client(app);
    expect((await c.submit('/sign-in', { username: who.account!.username, password: who.account!.password })).statusCode).toBe(303);
    await c.get('/admin/imports');
    return c;
  };
  const runJobs = async () => {
    const worker = startWorker({ database: get(), handlers: jobHandlers({ baseUrl: 'http://portal.test', dataDir: app.services.config.dataDir }), now: () => new Date('2026-09-15T14:00:00Z'), pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
  };
  const students = async () => (await get().db.selectFrom('students').select('sourced_id').where('sourced_id', 'is not', null).execute()).map((s) => s.sourced_id).sort();
  const leftInUploads = () => (fs.existsSync(uploads) ? fs.readdirSync(uploads) : []);

  it('a dry run: the page follows the job, then shows what would change; nothing is written and the package is not kept', async () => {
    const c = await signedIn(admin);
    const page = await c.get('/admin/imports');
    expect(page.body).toContain('Import a package');
    expect(page.body).toContain('Nothing has been imported yet.');
    const sent = await c.upload('/admin/imports', [
      { name: 'package', filename: 'lakeview-2026-09-15.zip', content: pkg },
      { name: 'dryRun', value: '1' },
    ]);
    expect(sent.statusCode).toBe(303);
    const follow = sent.headers.location as string;
    expect(follow).toMatch(/^\/admin\/imports\/uploads\/\d+$/);
    const waiting = await c.get(follow);
    expect(waiting.statusCode).toBe(200);
    expect(waiting.body).toContain('Import waiting to start');
    expect(waiting.body).toContain('Dry run of lakeview-2026-09-15.zip: nothing will be changed.');
    expect(waiting.headers.refresh).toBe('5');
    // The reader can stop the reloading.
    const still = await c.get(`${follow}?auto=0`);
    expect(still.headers.refresh).toBeUndefined();
    expect(still.body).toContain('This page does not reload itself.');

    await runJobs();
    const done = await c.get(follow);
    expect(done.statusCode).toBe(303);
    const report = await c.get(done.headers.location as string);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('Dry run: the package can be imported as shown below. Nothing was changed.');
    // 8 students in users.csv with the role student: all would be created.
    expect(report.body).toMatch(/<th scope="row">Students<\/th><td>8<\/td><td>0<\/td>/);
    expect(report.body).toContain('lakeview-2026-09-15.zip');
    expect(await students()).toEqual([]);
    expect(leftInUploads()).toEqual([]);
  });

  it('imports for real; the list keeps the runs with who started them', async () => {
    const c = await signedIn(admin);
    const sent = await c.upload('/admin/imports', [{ name: 'package', filename: 'lakeview.zip', content: pkg }]);
    expect(sent.statusCode).toBe(303);
    await runJobs();
    const report = await c.get((await c.get(sent.headers.location as string)).headers.location as string);
    expect(report.body).toContain('The package was imported.');
    expect(await students()).toEqual(['stu-001', 'stu-002', 'stu-003', 'stu-004', 'stu-005', 'stu-006', 'stu-007', 'stu-008']);
    const list = await c.get('/admin/imports');
    expect(list.body).toContain('lakeview.zip');
    expect(list.body).toContain('Dry run: would import');
    expect(list.body).toContain('Imported');
    expect(list.body).toContain(`by ${admin.account!.username}`);
  });

  it('a file that is not a package: the run fails with the reason, in the administrator’s language', async () => {
    const c = await signedIn(spanishAdmin);
    const sent = await c.upload('/admin/imports', [{ name: 'package', filename: 'notas.zip', content: Buffer.from('esto no es un zip') }]);
    expect(sent.statusCode).toBe(303);
    await runJobs();
    const report = await c.get((await c.get(sent.headers.location as string)).headers.location as string);
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('No se importó el paquete y no se cambió nada.');
    expect(report.body).toContain('1 error');
    expect(leftInUploads()).toEqual([]);
  });

  it('refuses a package over the upload limit with the limit in the administrator\'s words, and keeps nothing of it', async () => {
    // IMPORT_UPLOAD_MAX_MB: 1 here; the default (1024) is the same code path with a bigger number.
    const small = await makeApp(get(), { now: () => new Date('2026-09-15T14:00:00Z'), env: { IMPORT_UPLOAD_MAX_MB: '1' } });
    try {
      const inbox = path.join(small.services.config.dataDir, 'imports');
      const jobsBefore = await get().db.selectFrom('jobs').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      for (const [who, message] of [
        [admin, 'The file is larger than 1 MB. Ask your IT staff to put it in the import folder instead.'],
        [spanishAdmin, 'El archivo pesa más de 1 MB.'],
      ] as const) {
        const c = new Client(small);
        expect((await c.submit('/sign-in', { username: who.account!.username, password: who.account!.password })).statusCode).toBe(303);
        await c.get('/admin/imports');
        const kept = () => (fs.existsSync(inbox) ? fs.readdirSync(inbox) : []);
        const before = kept();
        const over = await c.upload('/admin/imports', [{ name: 'package', filename: 'big.zip', content: Buffer.alloc(1024 * 1024 + 1, 7) }]);
        expect(over.statusCode).toBe(413);
        expect(over.body).toContain(message);
        expect(kept()).toEqual(before);
        // Exactly at the limit is taken.
        const at = await c.upload('/admin/imports', [{ name: 'package', filename: 'at.zip', content: Buffer.alloc(1024 * 1024, 7) }]);
        expect(at.statusCode).toBe(303);
      }
      const jobsAfter = await get().db.selectFrom('jobs').select((e) => e.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(jobsAfter.n) - Number(jobsBefore.n)).toBe(2);
      await get().db.deleteFrom('jobs').where('kind', '=', 'oneroster.import').execute();
    } finally {
      await small.close();
    }
  });

  it('refuses an upload with no file, or not sent as a file', async () => {
    const c = await signedIn(admin);
    const none = await c.upload('/admin/imports', [{ name: 'dryRun', value: '1' }]);
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Choose the zip file to import.');
    const empty = await c.upload('/admin/imports', [{ name: 'package', filename: 'empty.zip', content: Buffer.alloc(0) }]);
    expect(empty.statusCode).toBe(400);
    const form = await c.post('/admin/imports', { dryRun: '1' });
    expect(form.statusCode).toBe(400);
    const twoFiles = await c.upload('/admin/imports', [
      { name: 'package', filename: 'a.zip', content: pkg },
      { name: 'package', filename: 'b.zip', content: pkg },
    ]);
    expect(twoFiles.statusCode).toBe(400);
    expect(leftInUploads()).toEqual([]);
  });

  it('only district administrators: others get 403, a missing token 403, and nothing reaches the disk', async () => {
    const t = await signedIn(teacher);
    expect((await t.get('/admin/imports')).statusCode).toBe(403);
    expect((await t.upload('/admin/imports', [{ name: 'package', filename: 'x.zip', content: pkg }])).statusCode).toBe(403);
    expect((await t.get('/admin/imports/runs/1')).statusCode).toBe(403);
    const c = await signedIn(admin);
    expect((await c.upload('/admin/imports', [{ name: 'package', filename: 'x.zip', content: pkg }], { csrf: false })).statusCode).toBe(403);
    expect(leftInUploads()).toEqual([]);
    expect((await c.get('/admin/imports/runs/999999')).statusCode).toBe(404);
    expect((await c.get('/admin/imports/uploads/999999')).statusCode).toBe(404);
    expect((await c.get('/admin/imports/runs/abc')).statusCode).toBe(404);
    const anonymous = new Client(app);
    expect((await anonymous.get('/admin/imports')).statusCode).toBe(303);
  });
});
