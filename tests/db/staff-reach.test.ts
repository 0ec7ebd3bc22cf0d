/**
 * How far each staff role reaches (issue 19): a teacher the sections they teach on the day (a co-teacher
 * as much as the primary, not after their assignment ends), office, nurse and counselor the schools of
 * those roles, a district administrator every school. Worked out from a fixture written for the test.
 */
import { expect, it } from 'vitest';
import { counselorScope, nurseScope, reachesStudents, staffReach, teacherScope, teachesSection } from '../../src/domain/access/staff.js';
import { describeEachEngine } from '../support/db.js';
import { otherSchool, schoolYear, sectionWithGradebook, staffMember, teachSection } from '../support/factories.js';

describeEachEngine('staff reach by role', (get) => {
  it('gives each role its sections or schools, and nobody else anything', async () => {
    const { db } = get();
    const world = await schoolYear(db);
    const middle = await otherSchool(db);
    const biology = await sectionWithGradebook(db, world, { course: { code: 'SCI301', title: 'Biology' }, period: '2', teacher: { first: 'Rosa', last: 'Marquez' } });
    const chemistry = await sectionWithGradebook(db, world, { course: { code: 'SCI401', title: 'Chemistry' }, period: '3' });
    const teacher = await staffMember(db, world, { first: 'Ana', last: 'Lopez', roles: [{ role: 'teacher' }] });
    await teachSection(db, teacher, biology); // a co-teacher, all year
    await teachSection(db, teacher, chemistry, { until: '2027-01-15' }); // left Chemistry in January
    const nurse = await staffMember(db, world, { first: 'Nia', last: 'Cole', roles: [{ role: 'nurse', schoolId: middle.id }] });
    const counselor = await staffMember(db, world, { first: 'Cal', last: 'Diaz', roles: [{ role: 'counselor' }] });
    const admin = await staffMember(db, world, { first: 'Dee', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    const nobody = await staffMember(db, world, { first: 'No', last: 'Roles', roles: [] });

    const feb = await teacherScope(db, teacher.id, '2027-02-09');
    expect([...feb.sections]).toEqual([biology.id]);
    expect(teachesSection(feb, biology.id)).toBe(true);
    expect(teachesSection(feb, chemistry.id)).toBe(false);
    expect([...(await teacherScope(db, teacher.id, '2026-12-01')).sections].sort()).toEqual([biology.id, chemistry.id].sort());
    expect(await staffReach(db, teacher.id, '2027-02-09')).toMatchObject({ district: false, schools: new Set(), sections: new Set([biology.id]) });

    expect((await nurseScope(db, nurse.id)).schools).toEqual(new Set([middle.id]));
    expect((await counselorScope(db, counselor.id)).schools).toEqual(new Set([world.school.id]));
    // A counselor is no nurse, a nurse no counselor.
    expect((await nurseScope(db, counselor.id)).schools).toEqual(new Set());
    expect((await counselorScope(db, nurse.id)).schools).toEqual(new Set());
    expect(await staffReach(db, nurse.id, world.today)).toMatchObject({ district: false, schools: new Set([middle.id]), sections: new Set() });
    expect((await staffReach(db, admin.id, world.today)).district).toBe(true);

    for (const none of [await staffReach(db, nobody.id, world.today), await staffReach(db, null, world.today)]) {
      expect(reachesStudents(none)).toBe(false);
    }
    expect(reachesStudents(await staffReach(db, teacher.id, world.today))).toBe(true);
    expect((await teacherScope(db, null, world.today)).sections.size).toBe(0);
  });
});
