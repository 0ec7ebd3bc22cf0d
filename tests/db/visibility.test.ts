import { beforeAll, expect, it } from 'vitest';
import { loadDemo } from '../../src/domain/demo/load.js';
import { adultCutoff, portalSettingsSchema } from '../../src/domain/district/settings.js';
import { studentsVisibleTo } from '../../src/domain/people/visibility.js';
import { describeEachEngine } from '../support/db.js';

const TODAY = '2026-11-25';

describeEachEngine('who sees which student', (get) => {
  beforeAll(async () => {
    await loadDemo(get(), { students: 40, seed: 37, startYear: 2026 });
  });

  const guardianOf = async (where: { revoked?: boolean; adult?: boolean }) => {
    let q = get()
      .db.selectFrom('student_guardians as sg')
      .innerJoin('students as s', 's.id', 'sg.student_id')
      .select(['sg.guardian_id', 's.id as student_id'])
      .where('sg.rights_revoked', '=', where.revoked ? 1 : 0);
    if (!where.revoked) q = q.where('sg.portal_access', '=', 1);
    if (where.adult) q = q.where('s.birth_date', '<=', '2008-11-25');
    return q.orderBy('sg.id').executeTakeFirstOrThrow();
  };
  const asGuardian = (guardianId: number) => ({ person_kind: 'guardian', student_id: null, guardian_id: guardianId });

  it('shows a guardian the students of links with portal access, never one whose rights were revoked', async () => {
    const ok = await guardianOf({});
    expect((await studentsVisibleTo(get().db, asGuardian(ok.guardian_id))).map((s) => s.id)).toContain(ok.student_id);
    const revoked = await guardianOf({ revoked: true });
    expect((await studentsVisibleTo(get().db, asGuardian(revoked.guardian_id))).map((s) => s.id)).not.toContain(revoked.student_id);
  });

  it('ends guardians’ access at 18 only when the district says so', async () => {
    const keep = portalSettingsSchema.parse({});
    const end = portalSettingsSchema.parse({ guardiansKeepAccessAt18: false });
    expect(adultCutoff(keep, TODAY)).toBeNull();
    expect(adultCutoff(end, TODAY)).toBe('2008-11-25');
    const link = await guardianOf({ adult: true });
    const visible = (cutoff: string | null) => studentsVisibleTo(get().db, asGuardian(link.guardian_id), cutoff).then((l) => l.map((s) => s.id));
    expect(await visible(adultCutoff(keep, TODAY))).toContain(link.student_id);
    expect(await visible(adultCutoff(end, TODAY))).not.toContain(link.student_id);
  });

  it('shows a student only themself', async () => {
    const student = await get().db.selectFrom('students').select('id').executeTakeFirstOrThrow();
    const list = await studentsVisibleTo(get().db, { person_kind: 'student', student_id: student.id, guardian_id: null });
    expect(list.map((s) => s.id)).toEqual([student.id]);
    expect(await studentsVisibleTo(get().db, { person_kind: 'staff', student_id: null, guardian_id: null })).toEqual([]);
  });
});
