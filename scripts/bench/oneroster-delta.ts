/**
 * A realistic OneRoster 1.2 delta package for a district, made from its full package (the SIS's bulk
 * export, or Homeroom's own `homeroom export oneroster`): what one night of a 100,000-student district's
 * SIS might send, touching about `fraction` (1 %) of the rows. Every choice follows from a hash of a
 * seed and the row's sourcedId, so the same package and seed give the same delta.
 *
 *   users         changed (a phone, an email, a family name) for `fraction` of the users; new students
 *                 (fraction / 10 of the students), each with a new guardian; students who left
 *                 (fraction / 10: tobedeleted)
 *   roles         the new people's roles
 *   demographics  the new students' birth dates
 *   enrollments   the new students' classes (those of a student of the same school and grade), the
 *                 classes of students who left (tobedeleted), and fraction / 2 of the students'
 *                 enrollments moved to another class of the same course (one tobedeleted, one new)
 *   classes       changed rooms for `fraction` of the classes
 *   lineItems     a new assignment in fraction / 4 of the classes that have line items
 *   results       a score for each student of those classes on it, and fraction / 2 of the scores changed
 *   attendance    Homeroom's attendance file: a mark on the package's last school day for about
 *                 `fraction` of the attendance file's size worth of students, and changed codes there
 *
 * Run: tsx scripts/bench/oneroster-delta.ts FULL.zip DELTA.zip [fraction] [seed]; prints what it wrote as
 * JSON. The package is read file by file, streaming; what is kept in memory is each user's kind (for
 * 200,000 users), the classes' courses and schools, and the few rows the new records are copied from.
 */
import { ATTENDANCE_FILE, COLUMNS_1_2, type OneRosterFile } from '../../src/domain/oneroster/records.js';
import { csvRecords } from '../../src/domain/oneroster/read/csv.js';
import { ATTENDANCE_COLUMNS } from '../../src/domain/oneroster/read/columns.js';
import { findName } from '../../src/domain/oneroster/read/manifest.js';
import { openSource, type PackageSource } from '../../src/domain/oneroster/read/source.js';
import { PackageWriter, type CsvRow } from '../../src/domain/oneroster/export/writer.js';

type Row = Record<string, string>;

export interface DeltaSummary {
  out: string;
  rows: number;
  files: Record<string, number>;
  /** what the rows do */
  changes: Record<string, number>;
  ms: number;
}

/** FNV-1a of the text, its bits mixed (MurmurHash3's finalizer): a stable number in [0, 1) for sampling. */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

/** The rows of one file of the package as objects by column name; nothing when the package lacks it. */
async function* rowsOf(source: PackageSource, name: string): AsyncGenerator<Row> {
  const found = findName(source, name);
  if (!found) return;
  let header: string[] | null = null;
  const fail = (p: { code: string; detail?: string }) => {
    throw new Error(`${name}: ${p.code} ${p.detail ?? ''}`);
  };
  for await (const record of csvRecords(source, found, fail, () => undefined)) {
    if (!header) {
      header = record.cells.map((c) => c.trim());
      continue;
    }
    const row: Row = {};
    header.forEach((column, i) => (row[column] = record.cells[i] ?? ''));
    yield row;
  }
}

const STUDENT = 'student';
const GUARDIANS = new Set(['guardian', 'parent', 'relative']);

export async function makeDelta(full: string, out: string, fraction = 0.01, seed = 1, now = new Date()): Promise<DeltaSummary> {
  const started = performance.now();
  const source = await openSource(full);
  const stamp = now.toISOString();
  const picked = (purpose: string, id: string, share: number) => unit(`${seed}:${purpose}:${id}`) < share;
  const changes: Record<string, number> = {};
  const count = (what: string, n = 1) => (changes[what] = (changes[what] ?? 0) + n);

  // ── what each user is, and the rows new people are copied from ──
  const kind = new Map<string, string>();
  const roleOf = new Map<string, Row>();
  for await (const r of rowsOf(source, 'roles.csv')) {
    if (r.status !== 'active') continue;
    const k = r.role === STUDENT ? STUDENT : GUARDIANS.has(r.role!) ? 'guardian' : 'staff';
    if (!kind.has(r.userSourcedId!) || r.roleType === 'primary') kind.set(r.userSourcedId!, k);
    if (k !== 'staff' && !roleOf.has(r.userSourcedId!)) roleOf.set(r.userSourcedId!, r);
  }

  // ── users: changed, new students with a guardian, students who left ──
  const users: Row[] = [];
  const roles: Row[] = [];
  const demographics: Row[] = [];
  const enrollments: Row[] = [];
  /** a student the new ones are modelled on → the new one's sourcedId */
  const modelled = new Map<string, string>();
  const left = new Set<string>();
  let n = 0;
  for await (const u of rowsOf(source, 'users.csv')) {
    if (u.status !== 'active') continue;
    const sid = u.sourcedId!;
    const k = kind.get(sid);
    if (k === STUDENT && picked('leaves', sid, fraction / 10)) {
      users.push({ ...u, status: 'tobedeleted', dateLastModified: stamp });
      left.add(sid);
      count('students who left');
      continue;
    }
    if (k === STUDENT && picked('model', sid, fraction / 10)) {
      n += 1;
      const student = `delta-student-${seed}-${n}`;
      const guardian = `delta-guardian-${seed}-${n}`;
      modelled.set(sid, student);
      users.push({
        ...u, sourcedId: student, dateLastModified: stamp, username: '', userIds: '', givenName: `Nueva${n}`, familyName: `Delta${n}`, middleName: '',
        preferredGivenName: '', preferredMiddleName: '', preferredFamilyName: '', identifier: `D${seed}${String(n).padStart(6, '0')}`,
        email: '', sms: '', phone: '', agentSourcedIds: guardian,
      });
      users.push({
        ...u, sourcedId: guardian, dateLastModified: stamp, username: '', userIds: '', givenName: `Madre${n}`, familyName: `Delta${n}`, middleName: '',
        preferredGivenName: '', preferredMiddleName: '', preferredFamilyName: '', identifier: '', grades: '', email: `delta.${seed}.${n}@families.example`,
        sms: '', phone: `555-${String(n).padStart(4, '0')}`, agentSourcedIds: student,
      });
      const role = roleOf.get(sid);
      if (role) {
        roles.push({ ...role, sourcedId: `${student}-role`, dateLastModified: stamp, userSourcedId: student, beginDate: stamp.slice(0, 10), endDate: '' });
        roles.push({ ...role, sourcedId: `${guardian}-role`, dateLastModified: stamp, userSourcedId: guardian, role: 'parent', beginDate: stamp.slice(0, 10), endDate: '' });
      }
      count('new students');
      count('new guardians');
      continue;
    }
    if (picked('change', sid, fraction)) {
      const changed: Row = { ...u, dateLastModified: stamp };
      const how = unit(`${seed}:how:${sid}`);
      if (how < 0.4) changed.phone = `555-${String(Math.floor(how * 1e7)).padStart(7, '0')}`;
      else if (how < 0.7 && u.email) changed.email = u.email.replace('@', '.new@');
      else changed.familyName = `${u.familyName}-Ruiz`;
      users.push(changed);
      count(`changed ${k ?? 'other'} users`);
    }
  }

  // ── demographics of the new students ──
  for await (const d of rowsOf(source, 'demographics.csv')) {
    const student = modelled.get(d.sourcedId!);
    if (student) demographics.push({ ...d, sourcedId: student, dateLastModified: stamp });
  }

  // ── classes: rooms changed; which classes each course has ──
  const classes: Row[] = [];
  const classesOf = new Map<string, string[]>();
  const classInfo = new Map<string, { course: string; school: string }>();
  for await (const c of rowsOf(source, 'classes.csv')) {
    if (c.status !== 'active') continue;
    classInfo.set(c.sourcedId!, { course: c.courseSourcedId!, school: c.schoolSourcedId! });
    const list = classesOf.get(c.courseSourcedId!) ?? [];
    list.push(c.sourcedId!);
    classesOf.set(c.courseSourcedId!, list);
    if (picked('room', c.sourcedId!, fraction)) {
      classes.push({ ...c, dateLastModified: stamp, location: `Room D${Math.floor(unit(`${seed}:room-number:${c.sourcedId}`) * 400) + 100}` });
      count('classes with a new room');
    }
  }

  // ── line items: a new one in some classes (copied from the class's first) ──
  const lineItems: Row[] = [];
  const newItemOf = new Map<string, Row>();
  for await (const li of rowsOf(source, 'lineItems.csv')) {
    if (li.status !== 'active' || newItemOf.has(li.classSourcedId!) || !picked('new-item', li.classSourcedId!, fraction / 4)) continue;
    const item = { ...li, sourcedId: `delta-item-${seed}-${li.classSourcedId}`, dateLastModified: stamp, title: 'Quiz (delta)', description: '', assignDate: stamp.slice(0, 10), dueDate: stamp.slice(0, 10) };
    newItemOf.set(li.classSourcedId!, item);
    lineItems.push(item);
    count('new line items');
  }

  // ── enrollments: the new students', those of students who left, moves to another class ──
  const studentsOf = new Map<string, string[]>();
  let e = 0;
  let studentEnrollments = 0;
  for await (const en of rowsOf(source, 'enrollments.csv')) {
    if (en.status !== 'active' || en.role !== STUDENT) continue;
    studentEnrollments += 1;
    const user = en.userSourcedId!;
    const klass = en.classSourcedId!;
    if (left.has(user)) {
      enrollments.push({ ...en, status: 'tobedeleted', dateLastModified: stamp });
      count('enrollments ended (students who left)');
      continue;
    }
    const student = modelled.get(user);
    if (student) {
      e += 1;
      enrollments.push({ ...en, sourcedId: `delta-enrollment-${seed}-${e}`, dateLastModified: stamp, userSourcedId: student, beginDate: stamp.slice(0, 10), endDate: '' });
      count('new enrollments (new students)');
    }
    const siblings = classesOf.get(classInfo.get(klass)?.course ?? '') ?? [];
    const other = siblings.find((c) => c !== klass && classInfo.get(c)?.school === classInfo.get(klass)?.school);
    if (other && picked('move', en.sourcedId!, fraction / 2)) {
      e += 1;
      enrollments.push({ ...en, status: 'tobedeleted', dateLastModified: stamp });
      enrollments.push({ ...en, sourcedId: `delta-enrollment-${seed}-${e}`, dateLastModified: stamp, classSourcedId: other, beginDate: stamp.slice(0, 10), endDate: '' });
      count('enrollments moved to another class');
    } else if (newItemOf.has(klass)) {
      const list = studentsOf.get(klass) ?? [];
      list.push(user);
      studentsOf.set(klass, list);
    }
  }

  // ── results: scores on the new line items, and changed scores ──
  const results: Row[] = [];
  let template: Row | null = null;
  for await (const r of rowsOf(source, 'results.csv')) {
    if (r.status !== 'active') continue;
    template ??= r;
    if (left.has(r.studentSourcedId!) || !picked('score', r.sourcedId!, fraction / 2) || r.score === '') continue;
    const score = Number(r.score);
    if (!Number.isFinite(score)) continue;
    results.push({ ...r, dateLastModified: stamp, score: String(score >= 1 ? score - 1 : score + 1), scoreDate: stamp.slice(0, 10) });
    count('changed scores');
  }
  for (const [klass, item] of newItemOf) {
    const max = Number(item.resultValueMax) || 10;
    for (const student of studentsOf.get(klass) ?? []) {
      if (!template) break;
      const score = Math.round(unit(`${seed}:new-score:${klass}:${student}`) * max);
      results.push({
        ...template, sourcedId: `${item.sourcedId}-${student}`, dateLastModified: stamp, lineItemSourcedId: item.sourcedId!, studentSourcedId: student,
        scoreStatus: 'fully graded', score: String(score), textScore: '', scoreDate: stamp.slice(0, 10), comment: '', inProgress: 'false', incomplete: 'false', late: 'false', missing: 'false',
      });
      count('new scores');
    }
  }

  // ── attendance: marks on the package's last school day ──
  let lastDay = '';
  let attendanceRows = 0;
  const codes = new Map<string, number>();
  for await (const a of rowsOf(source, ATTENDANCE_FILE)) {
    attendanceRows += 1;
    if (a.date! > lastDay) lastDay = a.date!;
    codes.set(a.code!, (codes.get(a.code!) ?? 0) + 1);
  }
  const attendance: Row[] = [];
  if (attendanceRows > 0) {
    const code = [...codes].sort((a, b) => b[1] - a[1])[0]![0];
    const marked = new Set<string>();
    for await (const a of rowsOf(source, ATTENDANCE_FILE)) {
      if (a.date !== lastDay) continue;
      marked.add(`${a.studentSourcedId}|${a.classSourcedId}`);
      if (!left.has(a.studentSourcedId!) && picked('attendance-change', `${a.studentSourcedId}|${a.classSourcedId}`, 0.2)) {
        attendance.push({ ...a, excused: a.excused === 'true' ? 'false' : 'true' });
        count('changed attendance marks');
      }
    }
    const share = (fraction * attendanceRows) / Math.max(1, studentEnrollments);
    for await (const en of rowsOf(source, 'enrollments.csv')) {
      if (en.status !== 'active' || en.role !== STUDENT || left.has(en.userSourcedId!)) continue;
      if ((en.beginDate && en.beginDate > lastDay) || (en.endDate && en.endDate < lastDay)) continue;
      const key = `${en.userSourcedId}|${en.classSourcedId}`;
      if (marked.has(key) || !picked('attendance', key, share)) continue;
      attendance.push({ studentSourcedId: en.userSourcedId!, date: lastDay, classSourcedId: en.classSourcedId!, code, excused: 'false' });
      count('new attendance marks');
    }
  }

  // ── the package ──
  const files: [OneRosterFile, Row[]][] = [
    ['classes', classes], ['users', users], ['roles', roles], ['enrollments', enrollments], ['demographics', demographics], ['lineItems', lineItems], ['results', results],
  ];
  const given = new Set(files.map(([f]) => f));
  const writer = await PackageWriter.open(out, { overwrite: true, mtime: now });
  try {
    const manifest: CsvRow[] = [
      { propertyName: 'manifest.version', value: '1.0' },
      { propertyName: 'oneroster.version', value: '1.2' },
      ...(Object.keys(COLUMNS_1_2) as OneRosterFile[]).map((f) => ({ propertyName: `file.${f}`, value: given.has(f) ? 'delta' : 'absent' })),
      { propertyName: 'source.systemName', value: 'Homeroom benchmark delta' },
    ];
    await writer.small('manifest.csv', ['propertyName', 'value'], manifest);
    for (const [file, rows] of files) await writer.small(`${file}.csv`, COLUMNS_1_2[file], rows.map((r) => pick(r, COLUMNS_1_2[file])));
    await writer.small(ATTENDANCE_FILE, ATTENDANCE_COLUMNS, attendance.map((r) => pick(r, ATTENDANCE_COLUMNS)));
    await writer.finish();
  } catch (error) {
    writer.abandon();
    throw error;
  } finally {
    await source.close();
  }
  const counts = Object.fromEntries([...files.map(([f, rows]) => [`${f}.csv`, rows.length] as const), [ATTENDANCE_FILE, attendance.length] as const]);
  return { out, rows: Object.values(counts).reduce((a, b) => a + b, 0), files: counts, changes, ms: performance.now() - started };
}

/** The row's cells of `columns` only (a package's extra columns are not written). */
function pick(row: Row, columns: readonly string[]): CsvRow {
  return Object.fromEntries(columns.map((c) => [c, row[c] ?? null]));
}

if (process.argv[1]?.endsWith('oneroster-delta.ts')) {
  const [full, out, fraction, seed] = process.argv.slice(2);
  if (!full || !out) throw new Error('usage: oneroster-delta.ts FULL-PACKAGE DELTA.zip [fraction] [seed]');
  console.log(JSON.stringify(await makeDelta(full, out, fraction ? Number(fraction) : undefined, seed ? Number(seed) : undefined)));
}
