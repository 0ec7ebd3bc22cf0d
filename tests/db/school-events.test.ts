/**
 * Removing a school event in the domain: two removals at once (a double submit, two tabs, two web
 * processes) remove it once, with one change event and one audit entry; another school's office
 * removes nothing.
 */
import { beforeAll, expect, it } from 'vitest';
import { schoolOfficeScope } from '../../src/domain/access/staff.js';
import { removeEvent } from '../../src/domain/calendar/events.js';
import { describeEachEngine } from '../support/db.js';
import { otherSchool, schoolYear, type World } from '../support/factories.js';

const STAMP = '2026-08-01T00:00:00.000Z';
const NOW = new Date('2027-02-09T18:00:00Z');

describeEachEngine('removing a school event', (get) => {
  let world: World;
  let elsewhere: { id: number };

  beforeAll(async () => {
    world = await schoolYear(get().db);
    elsewhere = await otherSchool(get().db);
  });

  const anEvent = async (title: string) => {
    const { db } = get();
    const row = await db
      .insertInto('school_events')
      .values({ sourced_id: null, school_id: world.school.id, start_date: '2027-03-10', end_date: '2027-03-10', start_time: null, end_time: null, location: null, created_at: STAMP, updated_at: STAMP })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('school_event_texts').values({ event_id: row.id, locale: 'en', title, description: null, location: null }).execute();
    await db.insertInto('school_event_grades').values({ event_id: row.id, grade_level: 9 }).execute();
    return row.id;
  };
  /** The last change event's and audit entry's ids: what is written from here on (SQLite may give a removed event's id again). */
  const mark = async () => ({
    change: Number((await get().db.selectFrom('change_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? 0),
    audit: Number((await get().db.selectFrom('audit_log').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m ?? 0),
  });
  /** What was recorded about an event since the mark. */
  const recorded = async (id: number, from: { change: number; audit: number }) => ({
    changes: (await get().db.selectFrom('change_events').select('action').where('kind', '=', 'event').where('subject_id', '=', id).where('id', '>', from.change).execute()).map((c) => c.action),
    audits: (await get().db.selectFrom('audit_log').select('action').where('subject_type', '=', 'school_event').where('subject_id', '=', id).where('id', '>', from.audit).execute()).map((a) => a.action),
  });

  it('removes an event once when asked twice at once: one change event, one audit entry', async () => {
    const from = await mark();
    const id = await anEvent('Band Night');
    const actor = { scope: schoolOfficeScope(world.school.id), actorAccountId: null, ip: null };
    const done = await Promise.all([removeEvent(get().db, actor, id, NOW), removeEvent(get().db, actor, id, NOW)]);
    // The first says done; the second too when it was asked while the event was still there (it then
    // finds it removed), or not found when asked after: never a second removal.
    expect(done[0] || done[1]).toBe(true);
    expect(await get().db.selectFrom('school_events').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    expect(await get().db.selectFrom('school_event_texts').select('event_id').where('event_id', '=', id).execute()).toEqual([]);
    expect(await get().db.selectFrom('school_event_grades').select('event_id').where('event_id', '=', id).execute()).toEqual([]);
    expect(await recorded(id, from)).toEqual({ changes: ['deleted'], audits: ['school_event.deleted'] });
    // Asked again later: not there, nothing written.
    expect(await removeEvent(get().db, actor, id, NOW)).toBe(false);
    expect(await recorded(id, from)).toEqual({ changes: ['deleted'], audits: ['school_event.deleted'] });
  });

  it("another school's office removes nothing", async () => {
    const from = await mark();
    const id = await anEvent('Science Night');
    const actor = { scope: schoolOfficeScope(elsewhere.id), actorAccountId: null, ip: null };
    expect(await removeEvent(get().db, actor, id, NOW)).toBe(false);
    expect(await get().db.selectFrom('school_events').select('id').where('id', '=', id).executeTakeFirst()).toEqual({ id });
    expect(await recorded(id, from)).toEqual({ changes: [], audits: [] });
  });
});
