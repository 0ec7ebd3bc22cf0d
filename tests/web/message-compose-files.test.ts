/**
 * Files attached while writing (issue 21, ADR 0042 addendum): the composer's first step takes files,
 * checks them as the preview does (3 files, 5 MB, type by content) and keeps those that pass under a
 * draft key of the sender's account until the message is sent (they then move into the message) or for a
 * day. Bad files on the compose step are a field message with what was typed, nothing kept; a mistake in
 * the words keeps the files; a file can be removed before sending; another account's draft, or an expired
 * one, sends nothing.
 *
 * Tuesday 9 February 2027, noon in Chicago. Rosa Carter teaches Biology to Maya Ortiz (mother Lucia);
 * Ed Moss teaches Art to Zoe Park (mother Kim).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, schoolYear, sectionWithGradebook, staffMember, teachSection, type AccountFixture, type Family, type SectionFixture, type StaffFixture } from '../support/factories.js';
import { textOf } from '../support/html.js';
import { clock, Client, HOUR } from '../support/http.js';

// Files written here, byte by byte.
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const EXE = (() => {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
})();
const SIX_MB = Buffer.concat([PDF, Buffer.alloc(6 * 1024 * 1024)]);

type FilePart = { filename: string; content: Buffer; type?: string };

describeEachEngine('Files attached on the compose step', (get) => {
  let app: FastifyInstance;
  let maya: Family;
  let biology: SectionFixture;
  let art: SectionFixture;
  let rosa: StaffFixture;
  let ed: StaffFixture;
  let address = 0;
  const time = clock('2027-02-09T18:00:00Z');

  beforeAll(async () => {
    const db = get().db;
    const world = await schoolYear(db);
    maya = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    biology = await sectionWithGradebook(db, world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }] });
    const zoe = await guardianWithChild(db, world, { student: { first: 'Zoe', last: 'Park' }, guardian: { first: 'Kim', last: 'Park' } });
    art = await sectionWithGradebook(db, world, { course: { code: 'ART', title: 'Art' }, period: '2', teacher: null, students: [{ student: zoe.student }] });
    rosa = await staffMember(db, world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db, rosa, biology, { primary: true });
    ed = await staffMember(db, world, { first: 'Ed', last: 'Moss', roles: [{ role: 'teacher' }] });
    await teachSection(db, ed, art, { primary: true });
    app = await makeApp(get(), { now: time.now });
  });
  afterAll(async () => {
    await app?.close();
  });

  const signedIn = async (who: AccountFixture | null) => {
    const c = new Client(app, {}, `10.9.${Math.floor(++address / 250)}.${address % 250}`);
    const res = await c.submit('/sign-in', { username: who!.username, password: who!.password });
    expect(res.statusCode).toBe(303);
    await c.get('/messages/new');
    return c;
  };
  const words = (subjectEn = 'Field trip') => ({ kind: 'sections', sectionIds: String(biology.id), readers: 'guardians', subjectEn, bodyEn: 'The permission slip and the map are attached.', subjectEs: '', bodyEs: '', sendDate: '', sendTime: '' });
  const parts = (fields: Record<string, string | string[]>, files: FilePart[] = []) => [
    ...Object.entries(fields).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ name, value }))),
    ...files.map((f) => ({ name: 'attachments', ...f })),
  ];
  const drafts = () => get().db.selectFrom('message_draft_files').select(['account_id', 'draft_key', 'position', 'file_name', 'media_type', 'byte_size']).orderBy('id').execute();
  const counts = async () => {
    const db = get().db;
    const [m, a, d] = await Promise.all([
      db.selectFrom('messages').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('message_attachments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('message_draft_files').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { messages: Number(m.n), attachments: Number(a.n), drafts: Number(d.n) };
  };
  /** The draft key and kept positions the page carries. */
  const carried = (html: string) => ({ draft: /name="draft" value="([0-9a-f]{32})"/.exec(html)?.[1] ?? '', keep: [...html.matchAll(/name="keep" value="(\d+)"/g)].map((m) => m[1]!) });

  it('takes files on the compose step, shows them on the preview, adds one there and sends all three in order', async () => {
    const teacher = await signedIn(rosa.account);
    const compose = await teacher.get('/messages/new');
    expect(compose.body).toContain('enctype="multipart/form-data"');
    expect(compose.body).toContain('id="attachments"');
    const preview = await teacher.upload('/messages/new', parts({ ...words(), action: 'preview' }, [{ filename: 'slip.pdf', content: PDF, type: 'application/pdf' }, { filename: 'map', content: PNG }]));
    expect(preview.statusCode).toBe(200);
    expect(textOf(preview.body)).toContain('Check the message before sending');
    expect(textOf(preview.body)).toContain('slip.pdf (PDF, ');
    expect(textOf(preview.body)).toContain('map.png (picture, ');
    const { draft, keep } = carried(preview.body);
    expect(keep).toEqual(['1', '2']);
    expect(await drafts()).toEqual([
      { account_id: rosa.account!.id, draft_key: draft, position: 1, file_name: 'slip.pdf', media_type: 'application/pdf', byte_size: PDF.length },
      { account_id: rosa.account!.id, draft_key: draft, position: 2, file_name: 'map.png', media_type: 'image/png', byte_size: PNG.length },
    ]);
    const sent = await teacher.upload('/messages/new', parts({ ...words(), action: 'send', draft, keep }, [{ filename: 'route.pdf', content: PDF }]));
    expect(sent.statusCode).toBe(303);
    const id = Number(/\/messages\/sent\/(\d+)/.exec(String(sent.headers.location))?.[1]);
    const stored = await get().db.selectFrom('message_attachments').select(['position', 'file_name', 'content']).where('message_id', '=', id).orderBy('position').execute();
    expect(stored.map((s) => [s.position, s.file_name, Buffer.from(s.content).equals(s.file_name === 'map.png' ? PNG : PDF)])).toEqual([
      [1, 'slip.pdf', true],
      [2, 'map.png', true],
      [3, 'route.pdf', true],
    ]);
    expect(await drafts()).toEqual([]);
  });

  const BAD: [string, FilePart[], number, string][] = [
    ['a fourth file', [1, 2, 3, 4].map((i) => ({ filename: `page${i}.pdf`, content: PDF })), 400, 'Attach at most 3 files.'],
    ['6 MB', [{ filename: 'scan.pdf', content: SIX_MB }], 413, '“scan.pdf” is larger than 5 MB.'],
    ['a program named .pdf', [{ filename: 'slip.pdf', content: EXE }], 400, '“slip.pdf” is not a PDF or a picture (PNG, JPEG, GIF or WebP).'],
    ['an empty file', [{ filename: 'blank.pdf', content: Buffer.alloc(0) }], 400, '“blank.pdf” is empty.'],
  ];
  for (const [what, files, status, message] of BAD) {
    it(`refuses ${what} on the compose step at its field, with what was typed, keeping nothing`, async () => {
      const teacher = await signedIn(rosa.account);
      const before = await counts();
      const res = await teacher.upload('/messages/new', parts({ ...words('Trip on Friday'), action: 'preview' }, files));
      expect(res.statusCode).toBe(status);
      expect(res.body).toContain('id="attachments-error"');
      expect(textOf(res.body)).toContain(message);
      // The composer again (not the preview), with the words as typed.
      expect(textOf(res.body)).not.toContain('Check the message before sending');
      expect(res.body).toContain('value="Trip on Friday"');
      expect(await counts()).toEqual(before);
    });
  }

  it('keeps the files when the words are refused, and a file unticked is removed', async () => {
    const teacher = await signedIn(rosa.account);
    const refused = await teacher.upload('/messages/new', parts({ ...words(''), action: 'preview' }, [{ filename: 'slip.pdf', content: PDF }, { filename: 'map.png', content: PNG }]));
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('id="subjectEn-error"');
    const { draft, keep } = carried(refused.body);
    expect(keep).toEqual(['1', '2']);
    expect(refused.body).toMatch(/id="keep-1"[^>]*checked/);
    // Typed again with a subject, the map unticked: the preview shows the slip only.
    const preview = await teacher.upload('/messages/new', parts({ ...words(), action: 'preview', draft, keep: ['1'] }));
    expect(preview.statusCode).toBe(200);
    expect(textOf(preview.body)).toContain('slip.pdf');
    expect(textOf(preview.body)).not.toContain('map.png');
    expect((await drafts()).filter((d) => d.draft_key === draft).map((d) => d.file_name)).toEqual(['slip.pdf']);
    // "Change the message" brings the composer back with the slip still attached.
    const edit = await teacher.upload('/messages/new', parts({ ...words(), action: 'edit', draft, keep: ['1'] }));
    expect(edit.statusCode).toBe(200);
    expect(edit.body).toMatch(/id="keep-1"[^>]*checked/);
    // Two kept and two more is one too many: refused, the draft as it was.
    const more = await teacher.upload('/messages/new', parts({ ...words(), action: 'preview', draft, keep: ['1'] }, [1, 2, 3].map((i) => ({ filename: `p${i}.pdf`, content: PDF }))));
    expect(more.statusCode).toBe(400);
    expect(textOf(more.body)).toContain('Attach at most 3 files.');
    expect((await drafts()).filter((d) => d.draft_key === draft).map((d) => d.file_name)).toEqual(['slip.pdf']);
    await get().db.deleteFrom('message_draft_files').execute();
  });

  it('sends nothing with another account’s draft or one kept over a day', async () => {
    const teacher = await signedIn(rosa.account);
    const preview = await teacher.upload('/messages/new', parts({ ...words(), action: 'preview' }, [{ filename: 'slip.pdf', content: PDF }]));
    const { draft, keep } = carried(preview.body);
    const before = await counts();

    // Ed posts Rosa's draft key: the files are not his.
    const other = await signedIn(ed.account);
    const artWords = { ...words(), sectionIds: String(art.id) };
    const stolen = await other.upload('/messages/new', parts({ ...artWords, action: 'send', draft, keep }));
    expect(stolen.statusCode).toBe(400);
    expect(textOf(stolen.body)).toContain('Files attached to this message are no longer kept');
    expect(await counts()).toEqual(before);

    // Written a day and an hour ago: the preview's send finds the files gone, nothing is sent.
    await get().db.updateTable('message_draft_files').set({ created_at: new Date(time.now().getTime() - 25 * HOUR).toISOString() }).where('draft_key', '=', draft).execute();
    const late = await teacher.upload('/messages/new', parts({ ...words(), action: 'send', draft, keep }));
    expect(late.statusCode).toBe(400);
    expect(textOf(late.body)).toContain('Files attached to this message are no longer kept');
    expect((await counts()).messages).toBe(before.messages);
    // The next draft written sweeps the expired files.
    await teacher.upload('/messages/new', parts({ ...words(), action: 'preview' }, [{ filename: 'new.pdf', content: PDF }]));
    expect((await drafts()).map((d) => d.file_name)).toEqual(['new.pdf']);
  });
});
