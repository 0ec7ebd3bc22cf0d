/**
 * The audit log's search (issue 25) on both engines: by person (actor or subject), student, kind and
 * dates of the district's time zone, newest first and paged; the search and the export audited. The
 * log is written here row by row, and each expectation lists the ids by hand.
 */
import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../src/db/schema.js';
import { officeScope } from '../../src/domain/access/staff.js';
import { AUDIT_PAGE_SIZE, auditSearchInput, exportAuditLog, localDayStart, searchAuditLog, type AuditReader, type AuditSearch } from '../../src/domain/audit/search.js';
import { parseInput } from '../../src/domain/forms.js';
import { describeEachEngine } from '../support/db.js';
import { account, guardian, schoolYear, staffMember, student, type World } from '../support/factories.js';

const ZONE = 'America/Chicago';
const NOW = new Date('2027-03-20T12:00:00.000Z');

describe('the district time zone’s days', () => {
  it('begins a local day at its midnight, across the changes of clocks', () => {
    // Chicago: UTC−6 in winter, UTC−5 from 14 March 2027 (02:00 local).
    expect(localDayStart('2027-02-09', ZONE).toISOString()).toBe('2027-02-09T06:00:00.000Z');
    expect(localDayStart('2027-03-14', ZONE).toISOString()).toBe('2027-03-14T06:00:00.000Z');
    expect(localDayStart('2027-03-15', ZONE).toISOString()).toBe('2027-03-15T05:00:00.000Z');
    expect(localDayStart('2027-11-07', ZONE).toISOString()).toBe('2027-11-07T05:00:00.000Z');
    expect(localDayStart('2027-11-08', ZONE).toISOString()).toBe('2027-11-08T06:00:00.000Z');
    expect(localDayStart('2027-06-01', 'UTC').toISOString()).toBe('2027-06-01T00:00:00.000Z');
  });

  it('refuses dates that are not dates, an end before the start and an unknown kind', () => {
    expect(parseInput(auditSearchInput, { from: '2027-02-30', to: '9.2.2027', kind: 'everything' })).toEqual({
      ok: false,
      errors: { from: 'auditLog.badDate', to: 'auditLog.badDate', kind: 'auditLog.badKind' },
    });
    expect(parseInput(auditSearchInput, { from: '2027-03-02', to: '2027-03-01' })).toEqual({ ok: false, errors: { to: 'auditLog.toBeforeFrom' } });
    expect(parseInput(auditSearchInput, { person: ['a', 'b'] })).toEqual({ ok: false, errors: { person: 'form.invalid' } });
    expect(parseInput(auditSearchInput, {})).toEqual({ ok: true, data: { person: '', student: '', kind: '', from: '', to: '', page: 1 } });
  });
});

describeEachEngine('searching the audit log', (get) => {
  let db: Kysely<DB>;
  let world: World;
  let reader: AuditReader;
  let ids: Record<string, number>;
  let people: { admin: number; rosa: number; rosaStaff: number; parent: number; maya: number; mayaAccount: number; mayaNumber: string };

  const search = (over: Partial<AuditSearch>): AuditSearch => ({ person: '', student: '', kind: '', from: '', to: '', page: 1, ...over });
  const found = async (over: Partial<AuditSearch>) => {
    const result = await searchAuditLog(db, reader, search(over), ZONE, NOW);
    if (result.kind !== 'found') return result;
    // Only the fixture's rows (each search adds its own audit_log.searched row, read below).
    return result.entries.filter((e) => e.action !== 'audit_log.searched').map((e) => name(e.id));
  };
  const name = (id: number) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? `#${id}`;

  beforeAll(async () => {
    db = get().db;
    world = await schoolYear(db, { today: '2027-03-01' });
    const admin = await staffMember(db, world, { first: 'Dana', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    const rosa = await staffMember(db, world, { first: 'Rosa', last: 'Teacher', roles: [{ role: 'teacher' }] });
    const maya = await student(db, world, { first: 'Maya', last: 'Ortiz', number: '00412' });
    const mayaAccount = await account(db, { student: maya });
    const lucia = await guardian(db, { first: 'Lucia', last: 'Ortiz' });
    const parent = await account(db, { guardian: lucia });
    people = { admin: admin.account!.id, rosa: rosa.account!.id, rosaStaff: rosa.id, parent: parent.id, maya: maya.id, mayaAccount: mayaAccount.id, mayaNumber: maya.number };
    reader = { scope: await officeScope(db, admin.id), actorAccountId: admin.account!.id, ip: '10.1.1.1' };
    // The log, oldest first. Chicago's 1 March 2027 runs from 06:00Z on 1 March to 06:00Z on 2 March.
    const rows: [string, string, string, number | null, string | null, number | null, string | null][] = [
      ['rosaSignIn', '2027-03-01T05:59:59.000Z', 'sign_in', rosa.account!.id, 'user_account', rosa.account!.id, '10.0.0.1'],
      ['rosaViewsMaya', '2027-03-01T06:00:00.000Z', 'student.viewed_by_staff', rosa.account!.id, 'student', maya.id, '10.0.0.1'],
      ['adminChangesRosa', '2027-03-01T15:00:00.000Z', 'staff.updated', admin.account!.id, 'staff', rosa.id, '10.0.0.2'],
      ['mayaSignIn', '2027-03-02T05:59:59.000Z', 'sign_in', mayaAccount.id, 'user_account', mayaAccount.id, '10.0.0.3'],
      ['parentFailed', '2027-03-02T06:00:00.000Z', 'sign_in.failed', null, 'user_account', parent.id, '10.0.0.4'],
      ['stafferLike', '2027-03-03T12:00:00.000Z', 'staffer.other', admin.account!.id, null, null, null],
      ['adminDeactivates', '2027-03-04T12:00:00.000Z', 'staff.deactivated', admin.account!.id, 'staff', rosa.id, '10.0.0.2'],
    ];
    ids = {};
    for (const [key, at, action, actor, subjectType, subjectId, ip] of rows) {
      const row = await db
        .insertInto('audit_log')
        .values({ at, action, actor_account_id: actor, subject_type: subjectType, subject_id: subjectId, ip, details: action === 'staff.updated' ? JSON.stringify({ before: { lastName: 'Teacher' }, after: { lastName: 'Tutor' } }) : null })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids[key] = row.id;
    }
  });

  it('finds a person’s entries as actor and as subject, by username or email, newest first', async () => {
    const rosaUsername = (await db.selectFrom('user_accounts').select('username').where('id', '=', people.rosa).executeTakeFirstOrThrow()).username;
    const rosaEmail = (await db.selectFrom('staff').select('email').where('id', '=', people.rosaStaff).executeTakeFirstOrThrow()).email!;
    const expected = ['adminDeactivates', 'adminChangesRosa', 'rosaViewsMaya', 'rosaSignIn'];
    expect(await found({ person: rosaUsername })).toEqual(expected);
    expect(await found({ person: rosaEmail.toUpperCase() })).toEqual(expected);
    expect(await found({ person: 'nobody@nowhere.example.org' })).toEqual({ kind: 'nobody', field: 'person' });
  });

  it('finds a student’s entries: their record and their account', async () => {
    expect(await found({ student: people.mayaNumber })).toEqual(['mayaSignIn', 'rosaViewsMaya']);
    // The number as issued: leading zeros are part of it.
    expect(await found({ student: '412' })).toEqual({ kind: 'nobody', field: 'student' });
  });

  it('finds a kind of event: the action and the actions under it, not those that only begin alike', async () => {
    expect(await found({ kind: 'staff' })).toEqual(['adminDeactivates', 'adminChangesRosa']);
    expect(await found({ kind: 'sign_in' })).toEqual(['parentFailed', 'mayaSignIn', 'rosaSignIn']);
  });

  it('finds a date range as days of the district’s time zone', async () => {
    expect(await found({ from: '2027-03-01', to: '2027-03-01' })).toEqual(['mayaSignIn', 'adminChangesRosa', 'rosaViewsMaya']);
    expect(await found({ to: '2027-02-28' })).toEqual(['rosaSignIn']);
    expect(await found({ from: '2027-03-02', kind: 'sign_in' })).toEqual(['parentFailed']);
    expect(await found({ student: people.mayaNumber, from: '2027-03-02' })).toEqual([]);
  });

  it('shows who, about whom, from where and the details of each entry', async () => {
    const result = await searchAuditLog(db, reader, search({ kind: 'staff', from: '2027-03-01', to: '2027-03-01' }), ZONE, NOW);
    expect(result.kind === 'found' && result.entries).toEqual([
      {
        id: ids.adminChangesRosa,
        at: '2027-03-01T15:00:00.000Z',
        action: 'staff.updated',
        actor: { accountId: people.admin, username: expect.any(String), name: 'Dana Admin' },
        subject: { type: 'staff', id: people.rosaStaff, label: 'Rosa Teacher' },
        ip: '10.0.0.2',
        details: { before: { lastName: 'Teacher' }, after: { lastName: 'Tutor' } },
      },
    ]);
  });

  it('pages newest first, and records every search and export', async () => {
    const extra: number[] = [];
    for (let i = 0; i < AUDIT_PAGE_SIZE + 3; i++) {
      const at = new Date(Date.parse('2027-03-10T12:00:00.000Z') + i * 60_000).toISOString();
      extra.push((await db.insertInto('audit_log').values({ at, action: 'password.changed', actor_account_id: people.parent, subject_type: 'user_account', subject_id: people.parent, ip: null, details: null }).returning('id').executeTakeFirstOrThrow()).id);
    }
    const page1 = await searchAuditLog(db, reader, search({ kind: 'password' }), ZONE, NOW);
    const page2 = await searchAuditLog(db, reader, search({ kind: 'password', page: 2 }), ZONE, NOW);
    const newestFirst = [...extra].reverse();
    expect(page1.kind === 'found' && { ids: page1.entries.map((e) => e.id), more: page1.hasMore }).toEqual({ ids: newestFirst.slice(0, AUDIT_PAGE_SIZE), more: true });
    expect(page2.kind === 'found' && { ids: page2.entries.map((e) => e.id), more: page2.hasMore }).toEqual({ ids: newestFirst.slice(AUDIT_PAGE_SIZE), more: false });
    const exported = await exportAuditLog(db, reader, search({ kind: 'staff' }), ZONE, NOW);
    expect(exported.kind === 'found' && exported.entries.map((e) => name(e.id))).toEqual(['adminDeactivates', 'adminChangesRosa']);
    const reads = await db.selectFrom('audit_log').select(['action', 'actor_account_id', 'ip', 'details']).where('action', 'in', ['audit_log.searched', 'audit_log.exported']).orderBy('id', 'desc').limit(3).execute();
    expect(reads.map((r) => ({ ...r, details: JSON.parse(r.details!) }))).toEqual([
      { action: 'audit_log.exported', actor_account_id: people.admin, ip: '10.1.1.1', details: { kind: 'staff', rows: 2 } },
      { action: 'audit_log.searched', actor_account_id: people.admin, ip: '10.1.1.1', details: { kind: 'password', page: 2 } },
      { action: 'audit_log.searched', actor_account_id: people.admin, ip: '10.1.1.1', details: { kind: 'password', page: 1 } },
    ]);
  });

  it('is the district administrators’ only', async () => {
    const teacherScope = await officeScope(db, people.rosaStaff);
    await expect(searchAuditLog(db, { ...reader, scope: teacherScope }, search({}), ZONE, NOW)).rejects.toThrow(/Outside the staff member's scope/);
  });
});
