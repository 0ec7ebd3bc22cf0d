/**
 * The Message Center's rules on both engines: who may send to whom (every staff role), who reads what
 * (the family of the section, an unrelated family, a guardian without portal rights, a guardian whose
 * link was removed after the sending), delivery as a job that survives a crashed worker, and the
 * private threads of replies. Every expected value is worked out from the fixtures.
 */
import { beforeAll, expect, it } from 'vitest';
import { senderRights } from '../../src/domain/messages/audience.js';
import {
  checkCompose,
  composeInput,
  deliverMessage,
  inboxOf,
  inboxQuery,
  markArchived,
  markRead,
  messageReader,
  openMessage,
  replyTo,
  sendMessage,
  todoItemsForMessages,
  unreadCount,
  type ComposeInput,
  type MessageReader,
} from '../../src/domain/messages/service.js';
import { parsePortalSettings } from '../../src/domain/district/settings.js';
import { jobHandlers } from '../../src/jobs/registry.js';
import { startWorker } from '../../src/jobs/worker.js';
import { describeEachEngine } from '../support/db.js';
import { guardianWithChild, otherSchool, schoolYear, sectionWithGradebook, staffMember, teachSection, type Family, type StaffFixture, type World } from '../support/factories.js';

const NOW = new Date('2027-02-09T18:00:00.000Z');
const SETTINGS = parsePortalSettings('{}');
const CLOSED = { ...SETTINGS, messageRepliesGuardians: false };

describeEachEngine('the Message Center', (get) => {
  let world: World;
  let teacher: StaffFixture;
  let otherTeacher: StaffFixture;
  let office: StaffFixture;
  let counselor: StaffFixture;
  let admin: StaffFixture;
  /** in the teacher's section: Maya (guardian Lucia, Spanish), Noah (guardian Ben) */
  let maya: Family;
  let noah: Family;
  /** Noah's second guardian, whose link has no portal access */
  let noPortal: Family;
  /** a family of another section */
  let stranger: Family;
  let sectionId: number;
  let otherSectionId: number;
  let farSchool: { id: number; name: string };

  const db = () => get().db;
  const form = (fields: Record<string, unknown>): ComposeInput => composeInput.parse({ subjectEn: 'Field trip', bodyEn: 'Bring a lunch.', ...fields });
  const readerOf = async (account: { id: number } | null, kind: 'guardian' | 'student' | 'staff', personId: number): Promise<MessageReader> => {
    const r = await messageReader(db(), { id: account!.id, person_kind: kind, student_id: kind === 'student' ? personId : null, guardian_id: kind === 'guardian' ? personId : null, staff_id: kind === 'staff' ? personId : null }, null);
    return r!;
  };
  const send = async (staff: StaffFixture, fields: Record<string, unknown>) => {
    const checked = await checkCompose(db(), await senderRights(db(), staff.id, world.today), form(fields), { now: NOW, timeZone: world.timeZone, settings: SETTINGS });
    if (!checked.ok) throw new Error(`refused: ${JSON.stringify(checked.errors)}`);
    const id = await sendMessage(db(), { accountId: staff.account!.id, name: staff.name, ip: null }, checked.draft, NOW);
    // Delivered by the job the sending queued, as the worker does.
    const worker = startWorker({ database: get(), handlers: jobHandlers({ baseUrl: 'http://portal.test' }), now: () => NOW, pollMs: 0 });
    while (await worker.runOnce());
    await worker.stop();
    return { id, count: checked.draft.count };
  };
  const recipientsOf = async (id: number) =>
    (await db().selectFrom('message_recipients').select(['person_kind', 'person_id']).where('message_id', '=', id).orderBy('person_kind').orderBy('person_id').execute()).map((r) => `${r.person_kind}:${r.person_id}`);

  beforeAll(async () => {
    world = await schoolYear(db());
    maya = await guardianWithChild(db(), world, { student: { first: 'Maya', last: 'Ortiz', grade: 10 }, locale: 'es' });
    await db().updateTable('guardians').set({ preferred_language: 'es' }).where('id', '=', maya.guardian.id).execute();
    noah = await guardianWithChild(db(), world, { student: { first: 'Noah', last: 'Reed', grade: 10 }, guardian: { first: 'Ben', last: 'Reed' } });
    noPortal = await guardianWithChild(db(), world, { child: noah.student, guardian: { first: 'Ana', last: 'Reed' }, portalAccess: false });
    stranger = await guardianWithChild(db(), world, { student: { first: 'Zoe', last: 'Park', grade: 12 }, guardian: { first: 'Kim', last: 'Park' } });
    const section = await sectionWithGradebook(db(), world, { course: { code: 'BIO', title: 'Biology' }, period: '1', teacher: null, students: [{ student: maya.student }, { student: noah.student }] });
    const other = await sectionWithGradebook(db(), world, { course: { code: 'ART', title: 'Art' }, period: '2', teacher: null, students: [{ student: stranger.student }] });
    sectionId = section.id;
    otherSectionId = other.id;
    teacher = await staffMember(db(), world, { first: 'Rosa', last: 'Carter', roles: [{ role: 'teacher' }] });
    await teachSection(db(), teacher, section, { primary: true });
    otherTeacher = await staffMember(db(), world, { first: 'Ed', last: 'Moss', roles: [{ role: 'teacher' }] });
    await teachSection(db(), otherTeacher, other, { primary: true });
    office = await staffMember(db(), world, { first: 'Tia', last: 'Little', roles: [{ role: 'office' }] });
    counselor = await staffMember(db(), world, { first: 'Kay', last: 'Carl', roles: [{ role: 'counselor' }] });
    admin = await staffMember(db(), world, { first: 'Bea', last: 'Mendoza', roles: [{ role: 'district_admin', schoolId: null }] });
    farSchool = await otherSchool(db());
  });

  it('a teacher writes to the students and guardians of their section: each person once, in their language; nobody else', async () => {
    const { id, count } = await send(teacher, { kind: 'sections', sectionIds: String(sectionId), readers: 'both' });
    // Maya and Noah; Lucia (Spanish) and Ben. Not Ana (no portal access), not the Parks.
    expect(count).toEqual({ total: 4, en: 3, es: 1 });
    expect(await recipientsOf(id)).toEqual([`guardian:${maya.guardian.id}`, `guardian:${noah.guardian.id}`, `student:${maya.student.id}`, `student:${noah.student.id}`].sort());
    const lucia = await readerOf(maya.guardianAccount, 'guardian', maya.guardian.id);
    const { lines } = await inboxOf(db(), lucia, inboxQuery.parse({}), 'es');
    expect(lines.map((l) => [l.id, l.senderName, l.senderRole, l.student, l.unread])).toEqual([[id, 'Rosa Carter', 'teacher', 'Maya Ortiz', true]]);
    // Spanish was not written: Lucia reads the English with the note.
    const opened = await openMessage(db(), lucia, id, { locale: 'es', settings: SETTINGS, now: NOW });
    expect([opened?.subject, opened?.body, opened?.fallback]).toEqual(['Field trip', 'Bring a lunch.', true]);
    for (const [account, kind, pid] of [
      [stranger.guardianAccount, 'guardian', stranger.guardian.id],
      [stranger.studentAccount, 'student', stranger.student.id],
      [noPortal.guardianAccount, 'guardian', noPortal.guardian.id],
    ] as const) {
      const outsider = await readerOf(account, kind, pid);
      expect((await inboxOf(db(), outsider, inboxQuery.parse({}), 'en')).lines).toEqual([]);
      expect(await openMessage(db(), outsider, id, { locale: 'en', settings: SETTINGS, now: NOW })).toBeNull();
      expect(await markRead(db(), outsider, id, true, NOW)).toBe(false);
      expect(await markArchived(db(), outsider, id, true)).toBe(false);
    }
  });

  it('a guardian whose link is removed after the sending stops reading at once', async () => {
    const family = await guardianWithChild(db(), world, { student: { first: 'Ivy', last: 'Stone', grade: 10 } });
    await db().insertInto('section_enrollments').values({ sourced_id: null, section_id: sectionId, student_id: family.student.id, begin_date: '2026-08-17', end_date: null, created_at: NOW.toISOString(), updated_at: NOW.toISOString(), updated_by: null }).execute();
    const { id } = await send(teacher, { kind: 'sections', sectionIds: String(sectionId), readers: 'guardians' });
    const before = await readerOf(family.guardianAccount, 'guardian', family.guardian.id);
    expect((await inboxOf(db(), before, inboxQuery.parse({}), 'en')).lines.map((l) => l.id)).toContain(id);
    await db().updateTable('student_guardians').set({ rights_revoked: 1 }).where('id', '=', family.linkId).execute();
    const after = await readerOf(family.guardianAccount, 'guardian', family.guardian.id);
    expect((await inboxOf(db(), after, inboxQuery.parse({}), 'en')).lines).toEqual([]);
    expect(await openMessage(db(), after, id, { locale: 'en', settings: SETTINGS, now: NOW })).toBeNull();
    expect(await unreadCount(db(), after)).toBe(0);
  });

  it('each role sends only where it reaches', async () => {
    const refused = async (staff: StaffFixture, fields: Record<string, unknown>) => {
      const checked = await checkCompose(db(), await senderRights(db(), staff.id, world.today), form(fields), { now: NOW, timeZone: world.timeZone, settings: SETTINGS });
      return checked.ok ? null : checked.errors;
    };
    // A teacher: not another teacher's section, not a school, not a student of another section.
    expect(await refused(teacher, { kind: 'sections', sectionIds: String(otherSectionId) })).toEqual({ sectionIds: 'form.invalid' });
    expect(await refused(teacher, { kind: 'school', schoolId: String(world.school.id) })).toEqual({ kind: 'messages.chooseAudience' });
    expect(await refused(teacher, { kind: 'students', studentNumbers: stranger.student.number })).toEqual({ studentNumbers: 'messages.unknownStudents' });
    // Office staff and counselors: their school, not another one, never the district.
    expect(await refused(office, { kind: 'school', schoolId: String(farSchool.id) })).toEqual({ schoolId: 'messages.chooseSchool' });
    expect(await refused(counselor, { kind: 'district' })).toEqual({ kind: 'messages.chooseAudience' });
    expect(await refused(office, { kind: 'sections', sectionIds: String(sectionId) })).toEqual({ kind: 'messages.chooseAudience' });
    // Families and staff with no role that sends: nothing.
    const nurse = await staffMember(db(), world, { first: 'Lee', last: 'Pet', roles: [{ role: 'nurse' }] });
    expect(await refused(nurse, { kind: 'school', schoolId: String(world.school.id) })).toEqual({ kind: 'messages.chooseAudience' });

    // What they may: a grade (office), chosen families (counselor), the district (administrator).
    const grade = await send(office, { kind: 'grade', schoolId: String(world.school.id), grade: '12', readers: 'guardians' });
    expect(await recipientsOf(grade.id)).toEqual([`guardian:${stranger.guardian.id}`]);
    const families = await send(counselor, { kind: 'families', studentNumbers: `${noah.student.number}, ${maya.student.number}`, readers: 'students' });
    // "Chosen families" always reaches the guardians, whatever readers says.
    expect(await recipientsOf(families.id)).toEqual([`guardian:${maya.guardian.id}`, `guardian:${noah.guardian.id}`].sort());
    const all = await send(admin, { kind: 'district', readers: 'guardians' });
    const withPortal = await db().selectFrom('student_guardians').select('guardian_id').distinct().where('portal_access', '=', 1).where('rights_revoked', '=', 0).execute();
    expect((await recipientsOf(all.id)).length).toBe(withPortal.length);
    expect(await recipientsOf(all.id)).not.toContain(`guardian:${noPortal.guardian.id}`);
  });

  it('refuses half a message, a time in the past and more people than the role may reach', async () => {
    const rights = await senderRights(db(), teacher.id, world.today);
    const check = (fields: Record<string, unknown>) => checkCompose(db(), rights, composeInput.parse(fields), { now: NOW, timeZone: world.timeZone, settings: SETTINGS });
    expect(await check({ kind: 'sections', sectionIds: String(sectionId) })).toMatchObject({ ok: false, errors: { subjectEn: 'messages.oneLanguage' } });
    expect(await check({ kind: 'sections', sectionIds: String(sectionId), subjectEs: 'Hola' })).toMatchObject({ ok: false, errors: { bodyEs: 'form.required' } });
    expect(await check({ kind: 'sections', sectionIds: String(sectionId), subjectEn: 'a', bodyEn: 'b', sendDate: '2027-02-09', sendTime: '11:59' })).toMatchObject({ ok: false, errors: { sendDate: 'messages.whenPast' } });
    expect(await check({ kind: 'sections', sectionIds: String(sectionId), subjectEn: 'a', bodyEn: 'b', sendDate: '2027-02-30', sendTime: '08:00' })).toMatchObject({ ok: false, errors: { sendDate: 'messages.badWhen' } });
    const later = await check({ kind: 'sections', sectionIds: String(sectionId), subjectEn: 'a', bodyEn: 'b', sendDate: '2027-02-10', sendTime: '07:30' });
    // 07:30 in Chicago in February is 13:30 UTC.
    expect(later.ok && later.draft.sendAt?.toISOString()).toBe('2027-02-10T13:30:00.000Z');

    // A section of 1,001 students is more than a teacher's 1,000.
    const big = await sectionWithGradebook(db(), world, { course: { code: 'PE', title: 'Gym' }, period: '3', teacher: null, students: [] });
    await teachSection(db(), teacher, big, { primary: true });
    const stamp = NOW.toISOString();
    const ids = await db()
      .insertInto('students')
      .values(Array.from({ length: 1001 }, (_, i) => ({ sourced_id: null, student_number: `9${String(i).padStart(6, '0')}`, legal_first_name: 'S', legal_middle_name: null, legal_last_name: `N${i}`, preferred_first_name: null, preferred_last_name: null, birth_date: '2011-01-01', grade_level: 9, school_id: world.school.id, email: null, phone: null, created_at: stamp, updated_at: stamp, updated_by: null })))
      .returning('id')
      .execute();
    await db()
      .insertInto('section_enrollments')
      .values(ids.map((s) => ({ sourced_id: null, section_id: big.id, student_id: s.id, begin_date: '2026-08-17', end_date: null, created_at: stamp, updated_at: stamp, updated_by: null })))
      .execute();
    const rightsNow = await senderRights(db(), teacher.id, world.today);
    const tooMany = await checkCompose(db(), rightsNow, composeInput.parse({ kind: 'sections', sectionIds: String(big.id), readers: 'students', subjectEn: 'a', bodyEn: 'b' }), { now: NOW, timeZone: world.timeZone, settings: SETTINGS });
    expect(tooMany).toEqual({ ok: false, errors: { kind: 'messages.tooMany' }, params: { 'messages.tooMany': { count: 1001, limit: 1000 } } });
  });

  it('delivers once when the worker dies after the delivery and another takes the job over', async () => {
    const checked = await checkCompose(db(), await senderRights(db(), teacher.id, world.today), form({ kind: 'sections', sectionIds: String(sectionId), readers: 'both' }), { now: NOW, timeZone: world.timeZone, settings: SETTINGS });
    if (!checked.ok) throw new Error('refused');
    const id = await sendMessage(db(), { accountId: teacher.account!.id, name: teacher.name, ip: null }, checked.draft, NOW);
    expect(await recipientsOf(id)).toEqual([]);
    let t = NOW.getTime();
    const handlers = jobHandlers({ baseUrl: 'http://portal.test' });
    const doomed = startWorker({ database: get(), handlers, now: () => new Date(t), pollMs: 0, dieBeforeComplete: () => true });
    expect(await doomed.runOnce()).toBe(true);
    await doomed.stop();
    const first = await recipientsOf(id);
    t += 16 * 60_000;
    const healthy = startWorker({ database: get(), handlers, now: () => new Date(t), pollMs: 0 });
    while (await healthy.runOnce());
    await healthy.stop();
    // Ivy (added above) is in the section too: 3 students and 3 guardians... minus Ivy's revoked guardian.
    expect(await recipientsOf(id)).toEqual(first);
    expect(first.filter((p) => p.startsWith('student:')).length).toBe(3);
    expect(first.filter((p) => p.startsWith('guardian:')).length).toBe(2);
    const message = await db().selectFrom('messages').select(['status', 'recipient_count']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(message).toEqual({ status: 'sent', recipient_count: 5 });
    // Delivering again changes nothing.
    await deliverMessage(db(), id, new Date(t));
    expect(await recipientsOf(id)).toEqual(first);
  });

  it('a reply starts a private thread with the teacher; the district can turn family replies off', async () => {
    const { id } = await send(teacher, { kind: 'sections', sectionIds: String(sectionId), readers: 'guardians', asksReply: 'yes', subjectEs: 'Excursión', bodyEs: 'Traigan almuerzo.' });
    const lucia = await readerOf(maya.guardianAccount, 'guardian', maya.guardian.id);
    const ben = await readerOf(noah.guardianAccount, 'guardian', noah.guardian.id);
    expect((await todoItemsForMessages(db(), lucia, NOW, 'es')).filter((i) => i.url === `/messages/${id}`)).toEqual([{ kind: 'message', title: 'Excursión', url: `/messages/${id}`, due: null, studentId: maya.student.id }]);
    const replyContext = { locale: 'es', name: 'Lucia Ortiz', ip: null, settings: SETTINGS, now: NOW };
    expect(await replyTo(db(), lucia, id, 'Sí, gracias.', { ...replyContext, settings: CLOSED })).toEqual({ kind: 'closed' });
    const sent = await replyTo(db(), lucia, id, 'Sí, gracias.', replyContext);
    expect(sent.kind).toBe('sent');
    // Reading it took it off the To Do list.
    await openMessage(db(), lucia, id, { locale: 'es', settings: SETTINGS, now: NOW });
    expect((await todoItemsForMessages(db(), lucia, NOW)).some((i) => i.url === `/messages/${id}`)).toBe(false);
    // The teacher has it in their inbox and answers in the thread.
    const rosa = await readerOf(teacher.account, 'staff', teacher.id);
    const teacherInbox = await inboxOf(db(), rosa, inboxQuery.parse({}), 'en');
    const replyId = sent.kind === 'sent' ? sent.id : 0;
    expect(teacherInbox.lines.map((l) => [l.id, l.senderName, l.senderRole])).toContainEqual([replyId, 'Lucia Ortiz', 'guardian']);
    expect(await replyTo(db(), rosa, replyId, 'Gracias a usted.', { ...replyContext, name: 'Rosa Carter' })).toMatchObject({ kind: 'sent' });
    const thread = await openMessage(db(), lucia, id, { locale: 'es', settings: SETTINGS, now: NOW });
    expect(thread?.replies.map((m) => [m.body, m.mine])).toEqual([
      ['Sí, gracias.', true],
      ['Gracias a usted.', false],
    ]);
    // Ben received the same message and sees none of it; he cannot open the reply either.
    expect((await openMessage(db(), ben, id, { locale: 'en', settings: SETTINGS, now: NOW }))?.replies).toEqual([]);
    expect(await openMessage(db(), ben, replyId, { locale: 'en', settings: SETTINGS, now: NOW })).toBeNull();
    expect(await replyTo(db(), ben, replyId, 'x', replyContext)).toEqual({ kind: 'missing' });
    // The other teacher cannot answer in it.
    const ed = await readerOf(otherTeacher.account, 'staff', otherTeacher.id);
    expect(await replyTo(db(), ed, replyId, 'x', replyContext)).toEqual({ kind: 'missing' });
  });

  it('search, paging, read and archive', async () => {
    const lucia = await readerOf(maya.guardianAccount, 'guardian', maya.guardian.id);
    const unreadBefore = await unreadCount(db(), lucia);
    const { id } = await send(teacher, { kind: 'students', studentNumbers: maya.student.number, readers: 'guardians', subjectEn: '100% done_now', bodyEn: 'x' });
    expect(await unreadCount(db(), lucia)).toBe(unreadBefore + 1);
    expect((await inboxOf(db(), lucia, inboxQuery.parse({ q: '100% DONE_' }), 'en')).lines.map((l) => l.id)).toEqual([id]);
    // % and _ are characters, not wildcards.
    expect((await inboxOf(db(), lucia, inboxQuery.parse({ q: '1_0' }), 'en')).lines).toEqual([]);
    expect((await inboxOf(db(), lucia, inboxQuery.parse({ q: 'carter' }), 'en')).lines.map((l) => l.id)).toContain(id);
    expect(await markRead(db(), lucia, id, true, NOW)).toBe(true);
    expect(await unreadCount(db(), lucia)).toBe(unreadBefore);
    expect(await markArchived(db(), lucia, id, true)).toBe(true);
    expect((await inboxOf(db(), lucia, inboxQuery.parse({}), 'en')).lines.map((l) => l.id)).not.toContain(id);
    expect((await inboxOf(db(), lucia, inboxQuery.parse({ view: 'archived' }), 'en')).lines.map((l) => l.id)).toEqual([id]);
    const page2 = await inboxOf(db(), lucia, inboxQuery.parse({ page: '2' }), 'en');
    expect(page2).toEqual({ lines: [], more: false, counts: null });
  });
});
