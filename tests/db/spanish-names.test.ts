/**
 * Names a district keeps in two languages (issue 23, ADR 0043): the domain carries the district's name
 * and the Spanish one; a Spanish reader gets the Spanish one where it exists, the district's where it
 * does not. Fixtures are written here; expected names are the ones written.
 */
import { describe, expect, it } from 'vitest';
import { readableStudent } from '../../src/domain/access/portal.js';
import { attendanceOf } from '../../src/domain/attendance/attendance.js';
import { reasonText } from '../../src/domain/calendar/calendar.js';
import { districtVaccineRules } from '../../src/domain/health/immunizations.js';
import { termsAround } from '../../src/domain/scheduling/schedule.js';
import { localName } from '../../src/i18n/format.js';
import { translator } from '../../src/i18n/index.js';
import { describeEachEngine } from '../support/db.js';
import { attendance, schoolYear, student, vaccine } from '../support/factories.js';

describe('localName', () => {
  it('gives a Spanish reader the Spanish name, and the district’s where there is none', () => {
    expect(localName('es', { base: 'Quarter 2', es: 'Trimestre 2' })).toBe('Trimestre 2');
    expect(localName('en', { base: 'Quarter 2', es: 'Trimestre 2' })).toBe('Quarter 2');
    expect(localName('es', { base: 'Quarter 2', es: null })).toBe('Quarter 2');
    expect(localName('es', { base: 'Quarter 2', es: '' })).toBe('Quarter 2');
  });

  it('says why there is no school with the Spanish note first, then the district’s note, then the kind of day', () => {
    const es = translator('es');
    const en = translator('en');
    expect(reasonText({ reason: 'break', note: 'Winter break', noteEs: 'Vacaciones de invierno' }, 'es', 'en', es)).toBe('Vacaciones de invierno');
    expect(reasonText({ reason: 'break', note: 'Winter break', noteEs: 'Vacaciones de invierno' }, 'en', 'en', en)).toBe('Winter break');
    expect(reasonText({ reason: 'break', note: 'Winter break', noteEs: null }, 'es', 'en', es)).toBe(es('calendar.reason.break'));
  });
});

describeEachEngine('names in two languages', (get) => {
  it('reads each record’s Spanish name beside the district’s', async () => {
    const { db } = get();
    const world = await schoolYear(db);
    await db.updateTable('academic_sessions').set({ title_es: 'Trimestre 2' }).where('id', '=', world.terms.Q2.id).execute();
    const mmr = await vaccine(db, { code: 'MMR', name: 'Measles, mumps, rubella', requirements: [{ gradeLow: 6, gradeHigh: 12, doses: 2 }] });
    await vaccine(db, { code: 'HEPB', name: 'Hepatitis B', requirements: [] });
    await db.updateTable('vaccines').set({ name_es: 'Sarampión, paperas, rubéola' }).where('id', '=', mmr.id).execute();

    const terms = await termsAround(db, '2026-11-02');
    const q2 = terms.periods.find((p) => p.id === world.terms.Q2.id)!;
    const q1 = terms.periods.find((p) => p.id === world.terms.Q1.id)!;
    expect(q2.title).toEqual({ base: 'Quarter 2', es: 'Trimestre 2' });
    expect(localName('es', q1.title)).toBe('Quarter 1');

    const rules = await districtVaccineRules(db);
    expect(rules.vaccines.map((v) => [v.code, localName('es', v.name), localName('en', v.name)])).toEqual([
      ['MMR', 'Sarampión, paperas, rubéola', 'Measles, mumps, rubella'],
      ['HEPB', 'Hepatitis B', 'Hepatitis B'],
    ]);

    const maya = await student(db, world, { number: '0007001', first: 'Maya', last: 'Ortiz', grade: 8 });
    await db.updateTable('attendance_codes').set({ description_es: 'Ausente: enfermedad' }).where('id', '=', world.codes['A-ILL']).execute();
    await attendance(db, world, maya, [{ date: '2027-02-01', code: 'A-ILL' }]);
    const proof = await readableStudent(db, { person_kind: 'student', student_id: maya.id, guardian_id: null }, maya.id, null);
    const seen = await attendanceOf(db, proof, world.today);
    const event = seen.terms.flatMap((t) => t.events)[0]!;
    expect(localName('es', event.description)).toBe('Ausente: enfermedad');
    expect(localName('en', event.description)).toBe('Absent: illness');
  });
});
