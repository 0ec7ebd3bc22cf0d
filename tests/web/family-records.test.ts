/**
 * A family's records on request (issue 25, ADR 0037) through the pages: only a district administrator
 * produces them, with a reason (bad input refused, nothing recorded), in the family's language; the zip
 * is opened with yauzl, each CSV parsed with csv-parse and each PDF read with pdftotext, and compared with
 * the fixture written here — fees, a payment at the office, an online payment that also paid a sibling's
 * fee and was partly refunded, and an online payment that was not completed among them (ADR 0056).
 */
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { DB } from '../../src/db/schema.js';
import { recordPayment } from '../../src/domain/fees/service.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import {
  attendance,
  guardianWithChild,
  immunizations,
  link,
  schoolYear,
  sectionWithGradebook,
  staffMember,
  student,
  transcriptHistory,
  vaccine,
  type AccountFixture,
  type Family,
  type World,
} from '../support/factories.js';
import { Client } from '../support/http.js';
import { pdfText } from '../support/pdf.js';

const TODAY = '2027-02-09';
const NOW = new Date(`${TODAY}T18:00:00.000Z`);
const REASON = 'Written request of the mother, 2 February, under FERPA.';

const mainText = (html: string) => (/<main\b[\s\S]*<\/main>/.exec(html)?.[0] ?? html).replace(/<[^>]+>/g, ' ').replace(/&#x27;|&#39;/g, "'").replace(/&quot;/g, '"').replace(/\s+/g, ' ');

function unzip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      const out = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
const csvRows = (bytes: Buffer | undefined) => parse(bytes!.toString('utf8'), { bom: true }) as string[][];

describeEachEngine('a family’s records on request', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let world: World;
  let family: Family;
  let q2: number;
  let payments: { check: number; online: number };
  const staff: Record<'admin' | 'office' | 'schoolAdmin' | 'teacher', AccountFixture> = {} as never;
  const client = async (who: AccountFixture, address: string) => {
    const c = new Client(app, {}, address);
    expect((await c.submit('/sign-in', { username: who.username, password: who.password })).statusCode).toBe(303);
    return c;
  };

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412' }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    await db.updateTable('guardians').set({ preferred_language: 'es' }).where('id', '=', family.guardian.id).execute();
    const bio = await sectionWithGradebook(db, world, {
      course: { code: 'SCI301', title: 'Biology' },
      period: '2',
      room: 'B12',
      teacher: { first: 'Rosa', last: 'Marquez' },
      categories: [{ name: 'Homework', weight: null }],
      method: 'points',
      assignments: [{ title: 'Cell diagram', category: 'Homework', quarter: 'Q3', due: '2027-01-20', possible: 10 }],
      students: [{ student: family.student }],
      scores: [{ student: family.student, assignment: 'Cell diagram', points: 8 }],
      termGrades: [{ student: family.student, term: 'Q2', percent: 85, letter: 'B', comment: 'Steady work' }],
    });
    q2 = world.terms.Q2.id;
    await attendance(db, world, family.student, [{ date: '2027-01-12', code: 'A-ILL', section: bio, comment: 'Flu' }]);
    await transcriptHistory(db, world, family.student, [{ schoolYear: 2026, grade: 10, code: 'ENG201', title: 'English 10', term: 'Year', letter: 'A', gpaPoints: 4, attempted: 1, earned: 1 }]);
    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella', requirements: [{ gradeLow: 9, gradeHigh: 12, doses: 2 }] });
    await immunizations(db, family.student, mmr, { doses: ['2011-03-14'] });
    // Fees: Maya's lab fee ($15.00), field trip ($20.00) and lost book ($8.00, waived); her brother Leo's band trip ($42.50).
    const leo = await student(db, world, { first: 'Leo', last: 'Ortiz', grade: 9 });
    await link(db, leo, family.guardian);
    const STAMP = '2027-01-15T16:00:00.000Z';
    const fee = async (studentId: number, en: string, es: string, cents: number, due: string | null) => {
      const row = await db
        .insertInto('fees')
        .values({ student_id: studentId, school_id: world.school.id, school_year: 2027, description_en: en, description_es: es, amount_cents: cents, due_date: due, required: due ? 1 : 0, assessment_key: `records-${en}`, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('fee_ledger').values({ fee_id: row.id, kind: 'assessed', amount_cents: cents, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP }).execute();
      return row.id;
    };
    const lab = await fee(family.student.id, 'Lab fee', 'Cuota de laboratorio', 1500, '2027-02-20');
    const trip = await fee(family.student.id, 'Field trip', 'Excursión', 2000, '2027-03-01');
    const book = await fee(family.student.id, 'Lost book', 'Libro perdido', 800, null);
    const band = await fee(leo.id, 'Band trip', 'Viaje de banda', 4250, '2027-02-20');
    await db.insertInto('fee_ledger').values({ fee_id: book, kind: 'waived', amount_cents: -800, reason: 'Found', payment_id: null, idempotency_key: 'records-waive', by_account: null, at: STAMP }).execute();
    // $5.00 of the field trip by check at the office; then the lab fee and Leo's band trip in one online payment ($57.50).
    const paid = async (lines: { feeId: number; cents: number }[], method: 'check' | 'online', key: string) => {
      const result = await db.transaction().execute((trx) => recordPayment(trx, { lines, method, checkNumber: method === 'check' ? '1042' : null, reference: method === 'online' ? 'pi_records_1' : null, payer: 'Lucia Ortiz', key, actorAccountId: null }, new Date(STAMP)));
      if (result.kind !== 'recorded') throw new Error(`fixture payment not recorded: ${result.kind}`);
      return result;
    };
    const check = await paid([{ feeId: trip, cents: 500 }], 'check', 'records-check');
    const online = await paid([{ feeId: lab, cents: 1500 }, { feeId: band, cents: 4250 }], 'online', 'records-online');
    payments = { check: check.paymentId, online: online.paymentId };
    const checkout = async (status: 'paid' | 'failed', lines: { feeId: number; cents: number }[], paymentId: number | null) => {
      const row = await db
        .insertInto('online_checkouts')
        .values({ idempotency_key: `records-checkout-${status}`, provider: 'stripe', account_id: family.guardianAccount!.id, guardian_id: family.guardian.id, session_id: `cs_records_${status}`, url: null, status, total_cents: lines.reduce((s, l) => s + l.cents, 0), locale: 'es', expires_at: STAMP, payment_id: paymentId, reference: paymentId ? 'pi_records_1' : null, excess_refund_id: null, failure: status === 'failed' ? 'expired' : null, created_at: STAMP, updated_at: STAMP })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('online_checkout_lines').values(lines.map((l) => ({ checkout_id: row.id, fee_id: l.feeId, cents: l.cents }))).execute();
    };
    await checkout('paid', [{ feeId: lab, cents: 1500 }, { feeId: band, cents: 4250 }], online.paymentId);
    // The lab fee's $15.00 refunded (at the provider); then a payment of the rest of the field trip ($15.00) that expired.
    await db.insertInto('fee_ledger').values({ fee_id: lab, kind: 'refunded', amount_cents: 1500, reason: null, payment_id: online.paymentId, idempotency_key: 'records-refund', by_account: null, at: STAMP }).execute();
    await checkout('failed', [{ feeId: trip, cents: 1500 }], null);
    staff.admin = (await staffMember(db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] })).account!;
    staff.office = (await staffMember(db, world, { first: 'Otto', last: 'Office', roles: [{ role: 'office' }] })).account!;
    staff.schoolAdmin = (await staffMember(db, world, { first: 'Sara', last: 'Principal', roles: [{ role: 'school_admin' }] })).account!;
    staff.teacher = (await staffMember(db, world, { first: 'Tom', last: 'Teacher', roles: [{ role: 'teacher' }] })).account!;
    app = await makeApp(get(), { now: () => NOW, demoMode: false });
    // The guardian signs in once: the sign-in is part of their account data.
    await client(family.guardianAccount!, '10.7.0.9');
  });
  afterAll(async () => {
    await app?.close();
  });

  const url = () => `/staff/students/${family.student.id}/records`;

  it('is for district administrators only: others get the 403 page, nobody signed in is sent to sign in, an unknown student is a 404', async () => {
    const produced = () => db.selectFrom('audit_log').select('id').where('action', '=', 'student.records_produced').execute();
    const before = (await produced()).length;
    for (const [who, address] of [
      [staff.office, '10.7.1.1'],
      [staff.schoolAdmin, '10.7.1.2'],
      [staff.teacher, '10.7.1.3'],
      [family.guardianAccount!, '10.7.1.4'],
    ] as const) {
      const c = await client(who, address);
      expect((await c.get(url())).statusCode, who.username).toBe(403);
      expect((await c.post(url(), { locale: 'en', reason: REASON })).statusCode, who.username).toBe(403);
      expect((await c.get(`/staff/students/${family.student.id}`)).body).not.toContain('/records"');
    }
    const anonymous = new Client(app);
    const res = await anonymous.get(url());
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent(url())}`);
    const admin = await client(staff.admin, '10.7.1.5');
    expect((await admin.get('/staff/students/999999/records')).statusCode).toBe(404);
    expect((await admin.get('/staff/students/abc/records')).statusCode).toBe(404);
    expect((await produced()).length).toBe(before);
  });

  it('defaults to the guardians’ language and refuses a missing reason or an unknown language, recording nothing', async () => {
    const admin = await client(staff.admin, '10.7.2.1');
    expect((await admin.get(`/staff/students/${family.student.id}`)).body).toContain(`href="${url()}"`);
    const form = await admin.get(url());
    expect(form.statusCode).toBe(200);
    expect(form.body).toMatch(/value="es" checked/);
    const empty = await admin.post(url(), { locale: 'es', reason: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(mainText(empty.body)).toContain('Say why the records are produced.');
    const french = await admin.post(url(), { locale: 'fr', reason: REASON });
    expect(french.statusCode).toBe(400);
    expect(mainText(french.body)).toContain('Choose the family’s language.'.replace('’', "'"));
    const long = await admin.post(url(), { locale: 'en', reason: 'x'.repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(mainText(long.body)).toContain('Use at most 500 characters.');
    expect(await db.selectFrom('audit_log').select('id').where('action', '=', 'student.records_produced').execute()).toEqual([]);
  });

  it('produces one zip in Spanish: each CSV and PDF holds the fixture’s records, and the request is recorded with its reason', async () => {
    const admin = await client(staff.admin, '10.7.3.1');
    await admin.get(url());
    const res = await admin.post(url(), { locale: 'es', reason: REASON });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="records-00412-${TODAY}.zip"`);
    const files = await unzip(res.rawPayload);
    expect([...files.keys()].sort()).toEqual(
      [
        'README.txt',
        'schedule.csv',
        'grades.csv',
        'assignments.csv',
        'attendance.csv',
        'immunizations.csv',
        'accounts.csv',
        'sign-ins.csv',
        'account-changes.csv',
        'requests.csv',
        'fees.csv',
        'payments.csv',
        'online-payments.csv',
        `report-card-${q2}.pdf`,
        'unofficial-transcript.pdf',
      ].sort(),
    );
    const schedule = csvRows(files.get('schedule.csv'));
    expect(schedule[0]).toEqual(['Período', 'Hora', 'Curso', 'Sección', 'Maestro/a', 'Salón', 'Empieza', 'Termina']);
    expect(schedule.filter((r) => r[2] === 'Biology').map((r) => [r[0], r[1], r[4], r[5], r[6], r[7]])).toEqual([
      ['Semester 1', '2', 'Rosa Marquez', 'B12', '08:55', '09:45'],
      ['Semester 2', '2', 'Rosa Marquez', 'B12', '08:55', '09:45'],
    ]);
    const grades = csvRows(files.get('grades.csv'));
    expect(grades[0]).toEqual(['Curso', 'Período de calificaciones', 'Calificación', 'Porcentaje', 'Publicada', 'Comentario']);
    expect(grades.find((r) => r[1] === 'Quarter 2')).toEqual(['Biology', 'Quarter 2', 'B', '85.00', 'sí', 'Steady work']);
    const assignments = csvRows(files.get('assignments.csv'));
    expect(assignments.slice(1)).toEqual([['Biology', 'Cell diagram', 'Homework', '2027-01-20', '8', '10', 'no', 'no', 'no', '']]);
    const absences = csvRows(files.get('attendance.csv'));
    expect(absences.slice(1)).toEqual([['2027-01-12', 'Biology', '2', 'A-ILL', 'Absent: illness', 'Flu']]);
    const shots = csvRows(files.get('immunizations.csv'));
    expect(shots.slice(1)).toEqual([['Measles, mumps, rubella', '2', '2011-03-14', '']]);
    const accounts = csvRows(files.get('accounts.csv'));
    expect(accounts.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['Maya Ortiz', 'estudiante', family.studentAccount!.username],
      ['Lucia Ortiz', 'padre, madre o tutor', family.guardianAccount!.username],
    ]);
    const signIns = csvRows(files.get('sign-ins.csv'));
    expect(signIns[0]).toEqual(['Cuándo', 'Nombre de usuario', 'Qué', 'Desde (dirección IP)', 'Detalles']);
    // The guardian signed in twice (before the tests, and in the first test); the staff's sign-ins are not the family's.
    expect(signIns.slice(1).map((r) => [r[1], r[2], r[3]])).toEqual([
      [family.guardianAccount!.username, 'sign_in', '10.7.0.9'],
      [family.guardianAccount!.username, 'sign_in', '10.7.1.4'],
    ]);
    expect(csvRows(files.get('requests.csv'))).toHaveLength(1);
    // Maya's fees, in Spanish, with what was charged, paid (less refunded), waived and is owed; not Leo's.
    const fees = csvRows(files.get('fees.csv'));
    expect(fees[0]).toEqual(['Cargo', 'Año escolar', 'Fecha de vencimiento', 'Obligatorio', 'Cobrado', 'Pagado', 'Exonerado', 'Adeudado', 'Estado']);
    expect(fees.slice(1)).toEqual([
      ['Cuota de laboratorio', '2026–2027', '2027-02-20', 'sí', '$15.00', '$0.00', '$0.00', '$15.00', 'Pendiente'],
      ['Excursión', '2026–2027', '2027-03-01', 'sí', '$20.00', '$5.00', '$0.00', '$15.00', 'Pendiente'],
      ['Libro perdido', '2026–2027', '', 'no', '$8.00', '$0.00', '$8.00', '$0.00', 'Exonerada'],
    ]);
    // Her part of each payment, with its receipt number: the check's $5.00; $15.00 of the $57.50 online, refunded.
    const paidRows = csvRows(files.get('payments.csv'));
    expect(paidRows[0]).toEqual(['Número de recibo', 'Cuándo', 'Forma de pago', 'Número de cheque', 'Referencia del pago en línea (Stripe)', 'Monto de este estudiante', 'Reembolsado']);
    expect(paidRows.slice(1).map((r) => [r[0], r[2], r[3], r[4], r[5], r[6]])).toEqual([
      [String(payments.check), 'Cheque', '1042', '', '$5.00', ''],
      [String(payments.online), 'En línea', '', 'pi_records_1', '$15.00', '$15.00'],
    ]);
    expect(paidRows.slice(1).every((r) => r[1]!.includes('2027'))).toBe(true);
    // The payments started online that included her fees: the one paid (with Leo's fee in its total) and the one that expired.
    const started = csvRows(files.get('online-payments.csv'));
    expect(started[0]).toEqual(['Iniciado', 'Padre, madre o tutor', 'Estado', 'Monto de este estudiante', 'Total del pago', 'Devuelto a la tarjeta', 'Número de recibo', 'Referencia del pago en línea (Stripe)']);
    expect(started.slice(1).map((r) => r.slice(1))).toEqual([
      ['Lucia Ortiz', 'pagado', '$15.00', '$57.50', '', String(payments.online), 'pi_records_1'],
      ['Lucia Ortiz', 'no se completó, no se cobró nada', '$15.00', '$15.00', '', '', ''],
    ]);
    expect(JSON.stringify([fees, paidRows, started])).not.toContain('Viaje de banda');
    const card = pdfText(files.get(`report-card-${q2}.pdf`)!);
    expect(card).toContain('Maya Ortiz');
    expect(card).toContain('Biology');
    expect(card).toContain('Steady work');
    const transcript = pdfText(files.get('unofficial-transcript.pdf')!);
    expect(transcript).toContain('English 10');
    expect(transcript).toContain('NO OFICIAL');
    expect(files.get('README.txt')!.toString('utf8')).toContain('Registros de Maya Ortiz (estudiante 00412)');
    const recorded = await db.selectFrom('audit_log').select(['actor_account_id', 'subject_type', 'subject_id', 'details']).where('action', '=', 'student.records_produced').execute();
    expect(recorded).toEqual([{ actor_account_id: staff.admin.id, subject_type: 'student', subject_id: family.student.id, details: JSON.stringify({ reason: REASON, locale: 'es' }) }]);
  });
});
