import { beforeAll, expect, it } from 'vitest';
import { currentPublicAnnouncements } from '../../src/domain/district/service.js';
import { describeEachEngine } from '../support/db.js';

const t = '2026-01-01T00:00:00.000Z';
const changed = { created_at: t, updated_at: t, updated_by: null };
const district = { timeZone: 'America/Chicago', locale: 'en' };

describeEachEngine('district announcements', (get) => {
  beforeAll(async () => {
    const { db } = get();
    await db.insertInto('schools').values({ id: 1, school_number: '1', name: 'A', short_name: 'A', grade_low: 6, grade_high: 8, ...changed }).execute();
    const add = async (id: number, start: string, end: string, extra: { public?: 0 | 1; school_id?: number | null } = {}) => {
      await db.insertInto('announcements').values({ id, start_date: start, end_date: end, public: 1, ...extra, ...changed }).execute();
    };
    await add(1, '2026-11-01', '2026-11-30');
    await add(2, '2026-11-26', '2026-12-31');
    await add(3, '2026-10-01', '2026-11-24');
    await add(4, '2026-11-01', '2026-11-30', { public: 0 });
    await add(5, '2026-11-01', '2026-11-30', { school_id: 1 });
    await add(6, '2026-11-20', '2026-11-30');
    await db
      .insertInto('announcement_texts')
      .values([
        { announcement_id: 1, locale: 'en', title: 'One', body: 'First' },
        { announcement_id: 1, locale: 'es', title: 'Uno', body: 'Primero' },
        { announcement_id: 2, locale: 'en', title: 'Two', body: 'Second' },
        { announcement_id: 3, locale: 'en', title: 'Three', body: 'Third' },
        { announcement_id: 4, locale: 'en', title: 'Four', body: 'Staff only' },
        { announcement_id: 5, locale: 'en', title: 'Five', body: 'One school' },
        { announcement_id: 6, locale: 'es', title: 'Seis', body: 'Solo en español' },
      ])
      .execute();
  });

  it('shows only public, district-wide ones whose dates include the local date, newest first', async () => {
    // 2026-11-25 03:00 UTC is still 24 November in Chicago: number 3 is current, number 2 is not yet.
    const list = await currentPublicAnnouncements(get().db, district, 'en', new Date('2026-11-25T03:00:00Z'));
    expect(list.map((a) => a.title)).toEqual(['Seis', 'One', 'Three']);
    const later = await currentPublicAnnouncements(get().db, district, 'en', new Date('2026-11-26T12:00:00Z'));
    expect(later.map((a) => a.title)).toEqual(['Two', 'Seis', 'One']);
  });

  it("uses the reader's language when there is a translation, and says which language a text is in", async () => {
    const list = await currentPublicAnnouncements(get().db, district, 'es', new Date('2026-11-25T18:00:00Z'));
    expect(list.map((a) => [a.title, a.locale])).toEqual([
      ['Seis', 'es'],
      ['Uno', 'es'],
    ]);
    const english = await currentPublicAnnouncements(get().db, district, 'en', new Date('2026-11-25T18:00:00Z'));
    expect(english.map((a) => [a.title, a.locale])).toEqual([
      ['Seis', 'es'],
      ['One', 'en'],
    ]);
  });
});
