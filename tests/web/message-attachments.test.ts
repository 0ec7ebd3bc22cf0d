/**
 * A message's files over HTTP (issue 21, ADR 0042): attached on the composer's last step and to a
 * reply, checked by their content (a program named .pdf, an empty file, 6 MB, a fourth file: a field
 * message and nothing saved), and served only to the message's sender and the people it was delivered
 * to — every other role, an unrelated family and a guessed address answer 404.
 *
 * Tuesday 9 February 2027, noon in Chicago. Rosa Carter teaches Biology: Maya Ortiz (mother Lucia) and
 * Noah Reed (father Ben). Zoe Park (mother Kim) is in Ed Moss's Art. The school has office staff, a
 * counselor, a nurse and a district administrator.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type AccountFixture, type Family, type SectionFixture, type StaffFixture, type World } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { Client } from '../support/http.js';
import { runJobs } from '../support/jobs.js';

const NOW = new Date('2027-02-09T18:00:00Z');

// Files written here, byte by byte: what each is, is known without the code under test.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
// A Windows program: "MZ", then the PE header the DOS stub points at.
const EXE = (() => {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
})();
const SIX_MB = Buffer.concat([PDF, Buffer.alloc(6 * 1024 * 1024)]);

describeEachEngine('Message attachments', (get) => {
  let app: FastifyInstance;
  let world: World;
  let maya: Family;
  let noah: Family;
  let zoe: Family;
  let biology: SectionFixture;
  let rosa: StaffFixture;
  let others: StaffFixture[];
  let address = 0;

  beforeAll(async () => {
    const db = get().db;
    world = await schoolYear(db);
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    noah = await guardianWithChild(db, world, { student: { first: 'Noah', last: 'Reed' }, guardian: { first: 'Ben', last: 'Reed' } });
    zoe = await guardianWithChild(db, world, { student: { first: 'Zoe', last: 'Park' }, guardian: { first: 'Kim', last: 'Park' } });
    biology = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }, { student: noah.student }] });
    const art = await sectionWithGradebook(db, world, { course: { code: 'ART', title: 'Art' }, period: '2', teacher: null, students: [{ student: zoe.student }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    const ed = await staffMember(db, world, { first: 'Ed', last: 'Moss', roles: [{ role: 'teacher' }] });
    await teachSection(db, ed, art, { primary: true });
    others = [
      ed,
      await staffMember(db, world, { first: 'Olga', last: 'Office', roles: [{ role: 'office' }] }),
      await staffMember(db, world, { first: 'Carl', last: 'Counselor', roles: [{ role: 'counselor' }] }),
      await staffMember(db, world, { first: 'Nina', last: 'Nurse', roles: [{ role: 'nurse' }] }),
      await staffMember(db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] }),
    ];
    app = await makeApp(get(), { now: () => NOW });
  });
  afterAll(async () => {
    await app?.close();
  });

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.8.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who!.username, password: who!.password });
    expect(res.statusCode).toBe(303);
    await c.get('/home');
    return c;
  };
  const fields = (action: string) => ({ kind: 'sections', sectionIds: String(biology.id), readers: 'both', subjectEn: 'Field trip', bodyEn: 'The permission slip and the map are attached.', subjectEs: '', bodyEs: '', sendDate: '', sendTime: '', action });
  const parts = (action: string, files: { filename: string; content: Buffer; type?: string }[]) => [
    ...Object.entries(fields(action)).map(([name, value]) => ({ name, value })),
    ...files.map((f) => ({ name: 'attachments', ...f })),
  ];
  const counts = async () => {
    const db = get().db;
    const [m, a] = await Promise.all([db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(), db.selectFrom('message_attachments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()]);
    return [Number(m.n), Number(a.n)];
  };

  it('refuses a fourth file, 6 MB, a program named .pdf and an empty file at the field, saving nothing', async () => {
    const teacher = await signedIn(rosa.account);
    const preview = await teacher.post('/messages/new', fields('preview'));
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('enctype="multipart/form-data"');
    expect(textOf(preview.body)).toContain('Attach files (optional)');
    const before = await counts();
    const cases: [{ filename: string; content: Buffer; type?: string }[], number, string][] = [
      [[1, 2, 3, 4].map((i) => ({ filename: `page${i}.pdf`, content: PDF, type: 'application/pdf' })), 400, 'Attach at most 3 files.'],
      [[{ filename: 'scan.pdf', content: SIX_MB, type: 'application/pdf' }], 413, '“scan.pdf” is larger than 5 MB.'],
      [[{ filename: 'slip.pdf', content: EXE, type: 'application/pdf' }], 400, '“slip.pdf” is not a PDF or a picture (PNG, JPEG, GIF or WebP).'],
      [[{ filename: 'notes.txt', content: Buffer.from('just words'), type: 'image/png' }], 400, '“notes.txt” is not a PDF or a picture'],
      [[{ filename: 'blank.pdf', content: Buffer.alloc(0), type: 'application/pdf' }], 400, '“blank.pdf” is empty.'],
    ];
    for (const [files, status, text] of cases) {
      await teacher.get('/messages/new');
      const res = await teacher.upload('/messages/new', parts('send', files));
      expect(res.statusCode, text).toBe(status);
      expect(textOf(res.body)).toContain(text);
      // The preview is shown again, with what was typed.
      expect(textOf(res.body)).toContain('4 people will receive it');
      expect(await counts()).toEqual(before);
    }
    // A form without its token changes nothing either.
    expect((await teacher.upload('/messages/new', parts('send', [{ filename: 'a.pdf', content: PDF }]), { csrf: false })).statusCode).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('sends files with a message and a reply, serves them to sender and recipients only, 404 to everyone else', async () => {
    const teacher = await signedIn(rosa.account);
    await teacher.get('/messages/new');
    const sent = await teacher.upload(
      '/messages/new',
      parts('send', [
        { filename: 'C:\\Users\\rosa\\Permission: <slip>.pdf', content: PDF, type: 'application/octet-stream' },
        { filename: 'map', content: PNG, type: 'application/pdf' },
        // An empty file input, as a browser sends it when nothing was chosen: no file.
        { filename: '', content: Buffer.alloc(0), type: 'application/octet-stream' },
      ]),
    );
    expect(sent.statusCode).toBe(303);
    const id = Number(/\/messages\/sent\/(\d+)/.exec(String(sent.headers.location))?.[1]);
    await runJobs(get(), () => NOW);
    const stored = await get().db.selectFrom('message_attachments').select(['position', 'file_name', 'media_type', 'byte_size']).where('message_id', '=', id).orderBy('position').execute();
    expect(stored).toEqual([
      { position: 1, file_name: 'Permission_ _slip_.pdf', media_type: 'application/pdf', byte_size: PDF.length },
      { position: 2, file_name: 'map.png', media_type: 'image/png', byte_size: PNG.length },
    ]);

    const lucia = await signedIn(maya.guardianAccount);
    const page = await lucia.get(`/messages/${id}`);
    expect(textOf(page.body)).toContain('Attached files');
    expect(textOf(page.body)).toContain('Permission_ _slip_.pdf (PDF, 1 KB)');
    expect(page.body).toContain(`href="/messages/${id}/files/2"`);
    const mayaHerself = await signedIn(maya.studentAccount);
    for (const reader of [lucia, mayaHerself, teacher]) {
      const pdf = await reader.get(`/messages/${id}/files/1`);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(`attachment; filename="Permission_ _slip_.pdf"; filename*=UTF-8''Permission_%20_slip_.pdf`);
      expect(pdf.headers['x-content-type-options']).toBe('nosniff');
      expect(pdf.rawPayload.equals(PDF)).toBe(true);
      const png = await reader.get(`/messages/${id}/files/2`);
      expect(png.headers['content-type']).toBe('image/png');
      expect(png.headers['content-disposition']).toMatch(/^inline; filename="map.png"/);
      expect(png.rawPayload.equals(PNG)).toBe(true);
    }
    for (const bad of ['0', '3', '4', 'x', '10']) expect((await lucia.get(`/messages/${id}/files/${bad}`)).statusCode).toBe(404);
    expect((await lucia.get(`/messages/${id + 1000}/files/1`)).statusCode).toBe(404);

    // Everyone it was not sent to: an unrelated family and every other staff role.
    const strangers = [await signedIn(zoe.guardianAccount), await signedIn(zoe.studentAccount), ...(await Promise.all(others.map((s) => signedIn(s.account))))];
    for (const c of strangers) expect((await c.get(`/messages/${id}/files/1`)).statusCode).toBe(404);

    // A reply with a picture: the teacher opens it; Noah's father, who received the first message, does not.
    await lucia.get(`/messages/${id}`);
    const replied = await lucia.upload(`/messages/${id}/reply`, [
      { name: 'body', value: 'Signed, here it is.' },
      { name: 'attachments', filename: 'signed.png', content: PNG, type: 'image/png' },
    ]);
    expect(replied.statusCode).toBe(303);
    const reply = await get().db.selectFrom('messages').select('id').where('thread_root_id', '=', id).executeTakeFirstOrThrow();
    expect(textOf((await lucia.get(`/messages/${id}`)).body)).toContain('signed.png (picture, 1 KB)');
    expect((await teacher.get(`/messages/${reply.id}/files/1`)).rawPayload.equals(PNG)).toBe(true);
    expect((await lucia.get(`/messages/${reply.id}/files/1`)).statusCode).toBe(200);
    const ben = await signedIn(noah.guardianAccount);
    expect((await ben.get(`/messages/${id}/files/1`)).statusCode).toBe(200);
    expect((await ben.get(`/messages/${reply.id}/files/1`)).statusCode).toBe(404);
    for (const c of strangers) expect((await c.get(`/messages/${reply.id}/files/1`)).statusCode).toBe(404);

    // A reply with a refused file: the field says why, nothing is written.
    const before = await counts();
    await lucia.get(`/messages/${id}`);
    const refused = await lucia.upload(`/messages/${id}/reply`, [
      { name: 'body', value: 'Another one.' },
      { name: 'attachments', filename: 'virus.png', content: EXE, type: 'image/png' },
    ]);
    expect(refused.statusCode).toBe(400);
    expect(textOf(refused.body)).toContain('“virus.png” is not a PDF or a picture');
    expect(textOf(refused.body)).toContain('Another one.');
    expect(await counts()).toEqual(before);
  });

  it('speaks Spanish at the field', async () => {
    const es = new Client(app, { 'accept-language': 'es' }, '10.8.99.1');
    await es.submit('/sign-in', { username: rosa.account!.username, password: rosa.account!.password });
    await es.get('/messages/new');
    const spanish = await es.upload('/messages/new', parts('send', [{ filename: 'vacío.pdf', content: Buffer.alloc(0) }]));
    expect(spanish.statusCode).toBe(400);
    expect(textOf(spanish.body)).toContain('“vacío.pdf” está vacío.');
  });
});
