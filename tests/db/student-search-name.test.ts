/**
 * The folded names the staff search reads (migration 0022): written by the database itself when a
 * student is added or renamed, whoever writes the row, on both engines — so the search finds a renamed
 * student by the new name and no longer by the old one, with or without accents and in any case.
 */
import { expect, it } from 'vitest';
import { staffReach } from '../../src/domain/access/staff.js';
import { searchStudents } from '../../src/domain/staff/students.js';
import { describeEachEngine } from '../support/db.js';
import { schoolYear, staffMember, student } from '../support/factories.js';

describeEachEngine('the folded names of the staff search', (get) => {
  it('follows an insert and every change of a name, and finds numbers with or without leading zeros', async () => {
    const { db } = get();
    const world = await schoolYear(db);
    const admin = await staffMember(db, world, { first: 'Dee', last: 'Admin', roles: [{ role: 'district_admin', schoolId: null }] });
    const reach = await staffReach(db, admin.id, world.today);
    const ids = async (q: string) => (await searchStudents(db, reach, { q, page: 1 }, world.today)).students.map((s) => s.id);

    const ines = await student(db, world, { first: 'Inés', last: 'Núñez', number: '0040917' });
    const other = await student(db, world, { first: 'Ivan', last: 'Nunes', number: '40918' });
    const row = async () => (await db.selectFrom('students').select('search_name').where('id', '=', ines.id).executeTakeFirstOrThrow()).search_name;
    expect(await row()).toBe(' ines  nunez ');
    expect(await ids('NUÑEZ')).toEqual([ines.id]);
    expect(await ids('nunez ines')).toEqual([ines.id]);
    expect(await ids('40917')).toEqual([ines.id]);
    expect(await ids('0040917')).toEqual([ines.id]);
    expect(await ids('00040918')).toEqual([other.id]);

    // A preferred name, then a new legal last name: each update is folded again.
    await db.updateTable('students').set({ preferred_first_name: 'Nené' }).where('id', '=', ines.id).execute();
    expect(await row()).toBe('nene ines  nunez ');
    expect(await ids('nene')).toEqual([ines.id]);
    await db.updateTable('students').set({ legal_last_name: 'Ávila', legal_middle_name: 'Sofía' }).where('id', '=', ines.id).execute();
    expect(await row()).toBe('nene ines sofia avila ');
    expect(await ids('avila')).toEqual([ines.id]);
    expect(await ids('sofia')).toEqual([ines.id]);
    expect(await ids('núñez')).toEqual([]);
    // Another column's change leaves the names as they are.
    await db.updateTable('students').set({ grade_level: 12 }).where('id', '=', ines.id).execute();
    expect(await row()).toBe('nene ines sofia avila ');
  });
});
