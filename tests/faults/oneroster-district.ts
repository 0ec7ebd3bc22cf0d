/**
 * A generated OneRoster district for the crash test: one school, one year, `students` students with a
 * guardian each, ten classes; every value follows from the student's index, so the test can state what
 * a finished import holds without the loader's help.
 */
import { ONEROSTER_FILES, type FileMode, type OneRosterFile, type OneRosterPackage, type RecordOf } from '../../src/domain/oneroster/records.js';
import { course, demographic, enrollment, klass, org, role, session, user } from '../support/oneroster.js';

export const CLASSES = 10;

function* records(file: OneRosterFile, students: number): Generator<object> {
  const pad = (i: number) => String(i).padStart(6, '0');
  switch (file) {
    case 'orgs':
      yield org('D', 'district', 'Crash Unified');
      yield org('S', 'school', 'Crash High', { identifier: '0001' });
      return;
    case 'academicSessions':
      yield session('Y', 'schoolYear', '2026-27', '2026-08-20', '2027-06-10');
      return;
    case 'courses':
      yield course('C', 'Algebra', 'S', { grades: [9, 12] });
      return;
    case 'classes':
      for (let k = 0; k < CLASSES; k++) yield klass(`K${k}`, 'C', 'S', { termSourcedIds: ['Y'] });
      return;
    case 'users':
      for (let i = 0; i < students; i++) {
        yield user(`U${i}`, `First${i}`, `Last${i}`, { identifier: pad(i), grades: [9 + (i % 4)], primaryOrgSourcedId: 'S', agentSourcedIds: [`G${i}`] });
        yield user(`G${i}`, `Parent${i}`, `Last${i}`, { email: `parent${i}@example.com` });
      }
      return;
    case 'roles':
      for (let i = 0; i < students; i++) {
        yield role(`U${i}`, 'student', 'S');
        yield role(`G${i}`, 'parent', 'S');
      }
      return;
    case 'enrollments':
      for (let i = 0; i < students; i++) {
        yield enrollment(`E${i}a`, `K${i % CLASSES}`, `U${i}`, 'student', 'S');
        yield enrollment(`E${i}b`, `K${(i + 1) % CLASSES}`, `U${i}`, 'student', 'S');
      }
      return;
    case 'demographics':
      for (let i = 0; i < students; i++) yield demographic(`U${i}`, `2011-01-${String((i % 28) + 1).padStart(2, '0')}`);
      return;
    default:
      return;
  }
}

const GIVEN: OneRosterFile[] = ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'roles', 'enrollments', 'demographics'];

export function crashDistrict(students: number): OneRosterPackage {
  let read = 0;
  return {
    version: '1.2',
    modes: Object.fromEntries(ONEROSTER_FILES.map((f) => [f, GIVEN.includes(f) ? 'bulk' : 'absent'])) as Record<OneRosterFile, FileMode>,
    hasAttendance: false,
    totalBytes: students * 1000,
    bytesRead: () => read,
    async *rows<K extends OneRosterFile>(file: K): AsyncIterable<RecordOf[K]> {
      let line = 1;
      for (const r of records(file, students)) {
        line += 1;
        read += 100;
        yield { ...r, at: { file: `${file}.csv`, line } } as RecordOf[K];
      }
    },
    async *attendance() {},
    async close() {},
  };
}
