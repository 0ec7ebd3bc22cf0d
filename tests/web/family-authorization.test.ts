/**
 * The family authorization matrix (issues 21, 22, 24 Rules: "every route walked as every role"): every
 * family route the app registers that names a record in its address (a student, a message, a
 * notification, a device, a form …), as every kind of person who might send it:
 * - nobody signed in → 303 to the sign-in page, coming back to the address afterwards;
 * - the student's own guardian (portal rights) and the student themself → let in (2xx or 3xx; a form that
 *   answers a write with a field message, 400 or 409, also let them in);
 * - someone of the family who may see the record but not do this (a guardian may read a discussion but
 *   not post in it) → 403;
 * - a guardian linked to the student WITHOUT portal rights, a guardian whose rights were revoked, a
 *   guardian and a student of another family, and the student's own teacher (staff do not use the
 *   family pages) → 404, as if the record did not exist, and the page names nobody of the family;
 * - records addressed to one person only (a message, a notification, a device) → 404 to everyone else,
 *   the student of the same family included; a message's sent copy is its sender's (the teacher) alone.
 * Every refused request leaves the family's records exactly as they were.
 *
 * The app's own route table is walked too: a family route with a parameter that no row names fails the
 * test by name. Routes reached by a secret in the address (a calendar feed's token, an unsubscribe
 * token) and public files are listed in `NOT_PERSONAL`, with the test that covers each.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { account, guardian, guardianWithChild, link, schoolYear, sectionWithGradebook, staffMember, teachSection, type World } from '../support/factories.js';
import { Client } from '../support/http.js';
import { isStaffPath, registeredRoutes } from '../support/routes.js';

const TODAY = '2027-02-09';
const STAMP = '2027-01-20T12:00:00.000Z';
const PASSWORD = 'fixture lantern meadow';

const ROLES = ['anonymous', 'parent', 'student', 'noRights', 'revoked', 'otherParent', 'otherStudent', 'teacher'] as const;
type Role = (typeof ROLES)[number];
const FAMILY: Role[] = ['parent', 'student'];
const PARENT: Role[] = ['parent'];

/** Parameterised routes outside the staff area that are not about one person's records, and what covers them. */
const NOT_PERSONAL = new Set([
  'GET /icons/:file', // the app's icons, public (tests/web/push-devices.test.ts)
  'GET /lang/:locale', // the language switch (tests/web/pages.test.ts)
  'POST /lang/:locale',
  'GET /calendar/:file', // the iCalendar feed, by its secret token (tests/web/calendar.test.ts)
  'GET /unsubscribe/:token', // one-click unsubscribe, by its signed token (tests/web/notifications.test.ts)
  'POST /unsubscribe/:token',
]);

interface Ids {
  maya: number;
  section: number;
  reportTerm: number;
  topic: number;
  form: number;
  message: number;
  notification: number;
  device: number;
  payment: number;
  /** Nora, Maya's aunt: an emergency contact (linked without portal rights) */
  contact: number;
  /** a waiting request of Lucia's to add an emergency contact for Maya */
  contactRequest: number;
  checkout: number;
}

interface Row {
  method: 'GET' | 'POST';
  /** the route as the app registers it */
  route: string;
  url: (i: Ids) => string;
  body?: (i: Ids) => Record<string, string>;
  allowed: Role[];
  /** who may see the record but not do this (a guardian reading a discussion may not post): 403 */
  readOnly?: Role[];
}

const studentPage = (path: string, allowed = FAMILY): Row => ({ method: 'GET', route: `/students/:studentId/${path}`, url: (i) => `/students/${i.maya}/${path}`, allowed });

const ROWS: Row[] = [
  ...['today', 'todo', 'transcript', 'transcript.pdf', 'calendar', 'schedule', 'assignments', 'attendance', 'grades', 'report-cards', 'immunizations', 'documents', 'discussions', 'forms', 'payments'].map((p) =>
    studentPage(p),
  ),
  { method: 'GET', route: '/students/:studentId/grades/:sectionId', url: (i) => `/students/${i.maya}/grades/${i.section}`, allowed: FAMILY },
  { method: 'GET', route: '/students/:studentId/grades/:sectionId/what-if', url: (i) => `/students/${i.maya}/grades/${i.section}/what-if`, allowed: FAMILY },
  { method: 'GET', route: '/students/:studentId/report-cards/:file', url: (i) => `/students/${i.maya}/report-cards/${i.reportTerm}.pdf`, allowed: FAMILY },
  { method: 'GET', route: '/students/:studentId/discussions/:file', url: (i) => `/students/${i.maya}/discussions/${i.topic}`, allowed: FAMILY },
  { method: 'POST', route: '/students/:studentId/discussions/:file', url: (i) => `/students/${i.maya}/discussions/${i.topic}`, body: () => ({ body: 'Ribosomes make proteins.' }), allowed: ['student'], readOnly: PARENT },
  { method: 'GET', route: '/students/:studentId/forms/:formId', url: (i) => `/students/${i.maya}/forms/${i.form}`, allowed: FAMILY },
  { method: 'POST', route: '/students/:studentId/forms/:formId', url: (i) => `/students/${i.maya}/forms/${i.form}`, body: () => ({ password: PASSWORD }), allowed: PARENT },
  { method: 'GET', route: '/students/:studentId/forms/:formId/signed.pdf', url: (i) => `/students/${i.maya}/forms/${i.form}/signed.pdf`, allowed: FAMILY },
  { method: 'GET', route: '/students/:studentId/payments/:file', url: (i) => `/students/${i.maya}/payments/${i.payment}.pdf`, allowed: FAMILY },
  { method: 'GET', route: '/payments/meals/:studentId', url: (i) => `/payments/meals/${i.maya}`, allowed: FAMILY },
  // an online checkout is its guardian's alone (the student pays nothing)
  { method: 'GET', route: '/payments/online/:id', url: (i) => `/payments/online/${i.checkout}`, allowed: PARENT },
  { method: 'GET', route: '/messages/:id', url: (i) => `/messages/${i.message}`, allowed: PARENT },
  // the teacher sent it: the sender reads its files too
  { method: 'GET', route: '/messages/:id/files/:n', url: (i) => `/messages/${i.message}/files/1`, allowed: [...PARENT, 'teacher'] },
  { method: 'POST', route: '/messages/:id/read', url: (i) => `/messages/${i.message}/read`, allowed: PARENT },
  { method: 'POST', route: '/messages/:id/reply', url: (i) => `/messages/${i.message}/reply`, body: () => ({ body: 'Thank you, we will bring it.' }), allowed: PARENT },
  { method: 'POST', route: '/messages/:id/archive', url: (i) => `/messages/${i.message}/archive`, allowed: PARENT },
  { method: 'GET', route: '/messages/sent/:id', url: (i) => `/messages/sent/${i.message}`, allowed: ['teacher'] },
  { method: 'GET', route: '/notifications/:id/open', url: (i) => `/notifications/${i.notification}/open`, allowed: PARENT },
  { method: 'POST', route: '/notifications/:id/read', url: (i) => `/notifications/${i.notification}/read`, allowed: PARENT },
  { method: 'POST', route: '/account/notifications/devices/:id/remove', url: (i) => `/account/notifications/devices/${i.device}/remove`, allowed: PARENT },
  // requests about the people around a child (ADR 0050): the guardian with portal rights only, never the student
  { method: 'GET', route: '/account/contact/students/:studentId', url: (i) => `/account/contact/students/${i.maya}`, allowed: PARENT },
  { method: 'GET', route: '/account/contact/students/:studentId/new', url: (i) => `/account/contact/students/${i.maya}/new`, allowed: PARENT },
  {
    method: 'POST',
    route: '/account/contact/students/:studentId/new',
    url: (i) => `/account/contact/students/${i.maya}/new`,
    body: () => ({ firstName: 'Ana', lastName: 'Ruiz', relationship: 'neighbor', phoneMobile: '573-201-3333' }),
    allowed: PARENT,
  },
  { method: 'GET', route: '/account/contact/students/:studentId/people/:guardianId', url: (i) => `/account/contact/students/${i.maya}/people/${i.contact}`, allowed: PARENT },
  {
    method: 'POST',
    route: '/account/contact/students/:studentId/people/:guardianId',
    url: (i) => `/account/contact/students/${i.maya}/people/${i.contact}`,
    body: () => ({ firstName: 'Nora', lastName: 'Ortiz', relationship: 'aunt', phoneMobile: '573-201-5555' }),
    allowed: PARENT,
  },
  { method: 'POST', route: '/account/contact/students/:studentId/people/:guardianId/remove', url: (i) => `/account/contact/students/${i.maya}/people/${i.contact}/remove`, allowed: PARENT },
  { method: 'POST', route: '/account/contact/students/:studentId/withdraw', url: (i) => `/account/contact/students/${i.maya}/withdraw`, body: (i) => ({ requestId: String(i.contactRequest) }), allowed: PARENT },
];

const registeredFamilyRoutes = (app: FastifyInstance) => registeredRoutes(app, (path) => !isStaffPath(path) && path.includes('/:'));

/** The family's records a refused request could have touched, as rows. */
const WATCHED = [
  'message_recipients',
  'message_attachments',
  'fee_ledger',
  'meal_ledger',
  'meal_thresholds',
  'online_checkouts',
  'online_checkout_lines',
  'messages',
  'notifications',
  'notification_deliveries',
  'push_subscriptions',
  'discussion_posts',
  'signed_form_signatures',
  'change_events',
  'change_requests',
  'change_request_fields',
  'guardians',
  'student_guardians',
  'audit_log',
] as const;

async function snapshot(db: Kysely<DB>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of WATCHED) out[table] = await db.selectFrom(table).selectAll().execute();
  return out;
}

describeEachEngine('every family route as every person', (get) => {
  let app: FastifyInstance;
  let db: Kysely<DB>;
  let world: World;
  let ids: Ids;
  const clients = new Map<Role, Client>();

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: TODAY });
    const family = await guardianWithChild(db, world, { student: { first: 'Maya', last: 'Ortiz', number: '00412', grade: 11 }, guardian: { first: 'Lucia', last: 'Ortiz' } });
    const other = await guardianWithChild(db, world, { student: { first: 'Ben', last: 'Quill', number: '00977', grade: 11 }, guardian: { first: 'Rob', last: 'Quill' } });
    // Two more adults of Maya's: one linked without portal rights, one whose rights were revoked.
    const noRights = await guardian(db, { first: 'Nora', last: 'Ortiz' });
    await link(db, family.student, noRights, { relationship: 'Aunt', portalAccess: false });
    const revoked = await guardian(db, { first: 'Raul', last: 'Ortiz' });
    await link(db, family.student, revoked, { relationship: 'Father', revoked: true });
    const noRightsAccount = await account(db, { guardian: noRights }, { password: PASSWORD });
    const revokedAccount = await account(db, { guardian: revoked }, { password: PASSWORD });

    const teacher = await staffMember(db, world, { first: 'Rosa', last: 'Matrix', roles: [{ role: 'teacher', schoolId: world.school.id }] });
    const section = await sectionWithGradebook(db, world, {
      course: { code: 'BIO', title: 'Biology' },
      period: '1',
      students: [{ student: family.student }, { student: other.student }],
      categories: [{ name: 'Labs', weight: 100 }],
      assignments: [{ title: 'Microscope lab', category: 'Labs', quarter: 'Q2', due: '2026-11-10', possible: 20 }],
      scores: [{ student: family.student, assignment: 'Microscope lab', points: 17 }],
      termGrades: [{ student: family.student, term: 'Q2', percent: 85, letter: 'B' }],
    });
    await teachSection(db, teacher, section, { primary: true });

    const topic = await db
      .insertInto('discussion_topics')
      .values({ section_id: section.id, title: 'Cells', prompt: 'What does a ribosome do?', opens_on: '2027-02-01', closes_on: '2027-02-28', created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const form = await db
      .insertInto('signed_forms')
      .values({ school_id: world.school.id, grade_level: null, title_en: 'Photo release', title_es: 'Permiso de fotos', due_date: null, status: 'published', published_at: STAMP, reminded_at: null, created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const version = await db
      .insertInto('signed_form_versions')
      .values({ form_id: form.id, version: 1, body_en: 'Photos may be taken.', body_es: 'Se pueden tomar fotos.', fields: '[]', created_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Signed already, so that the signed copy exists for the parent (a second signature is refused, 409).
    await db
      .insertInto('signed_form_signatures')
      .values({ form_id: form.id, version_id: version.id, student_id: family.student.id, guardian_id: family.guardian.id, account_id: family.guardianAccount!.id, signer_name: 'Lucia Ortiz', answers: '{}', locale: 'en', ip: null, method: 'password', signed_at: STAMP })
      .execute();

    // A teacher's message to Lucia about Maya, and Lucia's reply.
    const message = await db
      .insertInto('messages')
      .values({ sender_account_id: teacher.account!.id, sender_name: 'Rosa Matrix', sender_role: 'teacher', subject_en: 'Lab goggles', body_en: 'Please send goggles.', subject_es: null, body_es: null, audience: JSON.stringify({ kind: 'students', readers: 'guardians', studentIds: [family.student.id] }), concerns_student: 1, asks_reply: 1, thread_root_id: null, thread_person_kind: null, thread_person_id: null, status: 'sent', recipient_count: 1, send_at: STAMP, sent_at: STAMP, created_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('message_recipients').values({ message_id: message.id, person_kind: 'guardian', person_id: family.guardian.id, student_id: family.student.id, locale: 'en', read_at: null }).execute();
    await db
      .insertInto('messages')
      .values({ sender_account_id: family.guardianAccount!.id, sender_name: 'Lucia Ortiz', sender_role: 'guardian', subject_en: 'Re: Lab goggles', body_en: 'We will.', subject_es: null, body_es: null, audience: JSON.stringify({ kind: 'students', readers: 'guardians', studentIds: [family.student.id] }), concerns_student: 1, asks_reply: 0, thread_root_id: message.id, thread_person_kind: 'guardian', thread_person_id: family.guardian.id, status: 'sent', recipient_count: 1, send_at: STAMP, sent_at: STAMP, created_at: STAMP })
      .execute();
    const notification = await db
      .insertInto('notifications')
      .values({ account_id: family.guardianAccount!.id, key: 'matrix-1', kind: 'score', change_event_id: null, student_id: family.student.id, section_id: section.id, params: JSON.stringify({ assignment: 'Microscope lab', points: 17, possible: 20, percent: 85 }), url: `/students/${family.student.id}/grades/${section.id}`, created_at: STAMP, read_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const device = await db
      .insertInto('push_subscriptions')
      .values({ account_id: family.guardianAccount!.id, endpoint: 'https://push.example.org/send/lucia', p256dh: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM', auth: 'tBHItJI5svbpez7KI4CCXg', device_name: 'Lucia’s phone', user_agent: null, created_at: STAMP, last_success_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();

    await db
      .insertInto('message_attachments')
      .values({ message_id: message.id, position: 1, file_name: 'goggles.png', media_type: 'image/png', byte_size: 8, content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), created_at: STAMP })
      .execute();
    // A lab fee of Maya's, paid at the office, and her meal account.
    const fee = await db
      .insertInto('fees')
      .values({ student_id: family.student.id, school_id: world.school.id, school_year: 2027, description_en: 'Lab fee', description_es: 'Cuota de laboratorio', amount_cents: 1500, due_date: '2027-02-01', required: 1, assessment_key: 'matrix-fee', created_by: null, created_at: STAMP, updated_at: STAMP, updated_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const payment = await db
      .insertInto('fee_payments')
      .values({ idempotency_key: 'matrix-payment', method: 'cash', check_number: null, reference: null, payer: 'Lucia Ortiz', total_cents: 1500, recorded_by: null, recorded_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('fee_ledger')
      .values([
        { fee_id: fee.id, kind: 'assessed', amount_cents: 1500, reason: null, payment_id: null, idempotency_key: null, by_account: null, at: STAMP },
        { fee_id: fee.id, kind: 'paid', amount_cents: -1500, reason: null, payment_id: payment.id, idempotency_key: null, by_account: null, at: STAMP },
      ])
      .execute();
    await db.insertInto('meal_accounts').values({ student_id: family.student.id, balance_cents: 725, updated_at: STAMP }).execute();
    // An online checkout Lucia started for Maya's fee (the district takes payments online: see makeApp below).
    const checkout = await db
      .insertInto('online_checkouts')
      .values({ idempotency_key: 'matrix-checkout-key-0001', provider: 'stripe', account_id: family.guardianAccount!.id, guardian_id: family.guardian.id, session_id: 'cs_test_matrix', url: 'https://checkout.stripe.com/c/pay/cs_test_matrix', status: 'pending', total_cents: 1500, locale: 'en', expires_at: '2027-02-09T18:31:00.000Z', payment_id: null, reference: null, excess_refund_id: null, failure: null, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('online_checkout_lines').values({ checkout_id: checkout.id, fee_id: fee.id, cents: 1500 }).execute();

    // Lucia asked the office to add an emergency contact for Maya; it waits.
    const contactRequest = await db
      .insertInto('change_requests')
      .values({ guardian_id: family.guardian.id, account_id: family.guardianAccount!.id, household_id: null, kind: 'new_contact', student_id: family.student.id, subject_guardian_id: null, submitted_at: STAMP, decided_at: null, decided_by: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('change_request_fields')
      .values({ request_id: contactRequest.id, target: 'link', field: 'add', old_value: null, new_value: JSON.stringify({ firstName: 'Eva', lastName: 'Ortiz', relationship: 'cousin', phoneMobile: '+15732014444', phoneHome: null, phoneWork: null }), reason: null })
      .execute();

    ids = {
      maya: family.student.id,
      section: section.id,
      reportTerm: world.terms.Q2.id,
      topic: topic.id,
      form: form.id,
      message: message.id,
      notification: notification.id,
      device: device.id,
      payment: payment.id,
      contact: noRights.id,
      contactRequest: contactRequest.id,
      checkout: checkout.id,
    };

    const logins: Record<Exclude<Role, 'anonymous'>, string> = {
      parent: family.guardianAccount!.username,
      student: family.studentAccount!.username,
      noRights: noRightsAccount.username,
      revoked: revokedAccount.username,
      otherParent: other.guardianAccount!.username,
      otherStudent: other.studentAccount!.username,
      teacher: teacher.account!.username,
    };
    // Online payment configured (its pages exist); nothing here reaches Stripe.
    app = await makeApp(get(), { now: () => new Date(`${TODAY}T18:00:00Z`), env: { STRIPE_SECRET_KEY: 'sk_test_matrixOnly0000', STRIPE_WEBHOOK_SECRET: 'whsec_matrixOnly0000', STRIPE_API_URL: 'http://127.0.0.1:9' } });
    let address = 0;
    for (const role of ROLES) {
      const c = new Client(app, {}, `10.8.0.${++address}`);
      if (role !== 'anonymous') {
        const password = role === 'teacher' ? teacher.account!.password : PASSWORD;
        expect((await c.submit('/sign-in', { username: logins[role], password })).statusCode, role).toBe(303);
      }
      expect((await c.get(role === 'anonymous' ? '/sign-in' : '/account')).statusCode, role).toBe(200);
      clients.set(role, c);
    }
  });
  afterAll(() => app?.close());

  it('lists every family route with a parameter that the app registers', () => {
    const listed = new Set(ROWS.map((r) => `${r.method} ${r.route}`));
    const registered = registeredFamilyRoutes(app).filter((r) => !NOT_PERSONAL.has(r));
    expect(registered.length).toBeGreaterThan(20);
    const missing = registered.filter((r) => !listed.has(r));
    expect(missing, `family routes with no row in tests/web/family-authorization.test.ts ROWS:\n  ${missing.join('\n  ')}\n`).toEqual([]);
    const gone = [...listed].filter((r) => !registered.includes(r));
    expect(gone, 'rows for routes the app does not register').toEqual([]);
  });

  it('refuses everyone outside the family or the addressee, changing nothing, and lets them in', async () => {
    for (const row of ROWS) {
      const url = row.url(ids);
      const send = (role: Role) => {
        const c = clients.get(role)!;
        return row.method === 'GET' ? c.get(url) : c.post(url, row.body?.(ids) ?? {});
      };
      const before = await snapshot(db);
      for (const role of ROLES.filter((r) => !row.allowed.includes(r))) {
        const res = await send(role);
        const what = `${role} ${row.method} ${url}`;
        if (role === 'anonymous') {
          expect(res.statusCode, what).toBe(303);
          expect(String(res.headers.location), what).toBe(`/sign-in?next=${encodeURIComponent(url)}`);
        } else {
          expect(res.statusCode, `${what}: ${res.body.slice(0, 200)}`).toBe(row.readOnly?.includes(role) ? 403 : 404);
          const main = /<main\b[\s\S]*<\/main>/.exec(res.body)?.[0] ?? res.body;
          if (role !== 'student' && !row.readOnly?.includes(role)) expect(main, `${what}: names the student`).not.toContain('Maya');
        }
        // A refused page may leave an audit row of its own refusal, and nothing else.
        const after = await snapshot(db);
        expect({ ...after, audit_log: [] }, `${what}: a refused request changed data`).toEqual({ ...before, audit_log: [] });
      }
      for (const role of row.allowed) {
        const res = await send(role);
        const ok = row.method === 'GET' ? [200, 303] : [200, 302, 303, 400, 409];
        expect(ok, `${role} ${row.method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`).toContain(res.statusCode);
      }
    }
  }, 180_000);
});
