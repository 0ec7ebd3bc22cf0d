/**
 * Homeroom's attendance file loaded into attendance records (issue 20, ADR 0027), set-based over the
 * staging table `s_attendance`, in the import's transaction.
 *
 * A record is one student, date and class (or the whole day). The import owns only the records it made
 * (`oneroster_attendance`): a record staff entered in Homeroom for the same student, date and class is
 * never overwritten nor removed, and the file's row for it is left alone. In a bulk package the file is
 * the whole truth for each date it covers: the import's records of those dates that the file no longer
 * lists are removed. In a package whose files are all deltas it only adds and changes records (the file
 * has no status column to delete with). Each record created, changed or removed is a change event of
 * the shape the attendance services record, except on the first import.
 */
import { sql } from 'kysely';
import { recordChangesSelected } from '../../changes/service.js';
import { ONEROSTER_FILES } from '../records.js';
import { jsonText, type LoadContext } from './context.js';

export async function loadAttendance(c: LoadContext): Promise<void> {
  if ((await c.number(`select count(*) as n from s_attendance`)) === 0) return;
  const given = ONEROSTER_FILES.filter((f) => c.mode(f) !== 'absent');
  const delta = given.length > 0 && given.every((f) => c.mode(f) === 'delta');

  await c.temps.as(
    'r_att',
    `select s.file, s.line, s.student, s.class, s.code, s.excused, s.date,
        (select d.id from students d where d.sourced_id = s.student) as student_id, (select d.id from sections d where d.sourced_id = s.class) as section_id,
        k.id as code_id, k.excuse, cast(null as integer) as row_id
       from s_attendance s left join attendance_codes k on k.code = s.code`,
  );
  await c.report('error', 'load.missingReference', `select s.file, s.line, s.student as value from r_att s where s.student_id is null`, 'studentSourcedId', 'users.csv');
  await c.report('error', 'load.missingReference', `select s.file, s.line, s.class as value from r_att s where s.class is not null and s.section_id is null`, 'classSourcedId', 'classes.csv');
  c.stopIfErrors();
  await c.exec(`create index r_att_key on r_att (student_id, date)`);
  await c.temps.analyze('r_att');
  await c.report(
    'error',
    'load.duplicateKey',
    `select s.file, s.line, cast(s.date as text) as value from r_att s
      where exists (select 1 from r_att o where o.student_id = s.student_id and o.date = s.date and o.section_id is not distinct from s.section_id and o.line < s.line)`,
    'date',
  );
  c.stopIfErrors();

  // Left out, with a warning: a code the district does not have, a date outside every session, a class the student is not in that day.
  const noCode = `r_att.code_id is null`;
  const noTerm = `not exists (select 1 from academic_sessions a where a.start_date <= r_att.date and a.end_date >= r_att.date)`;
  const notEnrolled = `r_att.section_id is not null and not exists (select 1 from section_enrollments e where e.section_id = r_att.section_id and e.student_id = r_att.student_id
    and e.begin_date <= r_att.date and (e.end_date is null or e.end_date >= r_att.date))`;
  await c.report('warning', 'load.attendanceCode', `select r_att.file, r_att.line, r_att.code as value from r_att where ${noCode}`, 'code');
  await c.report('warning', 'load.attendanceDate', `select r_att.file, r_att.line, cast(r_att.date as text) as value from r_att where ${noTerm}`, 'date');
  await c.report('warning', 'load.attendanceNotEnrolled', `select r_att.file, r_att.line, r_att.class as value, r_att.student as detail from r_att where ${notEnrolled}`, 'classSourcedId');
  await c.exec(`delete from r_att where ${noCode} or ${noTerm} or (${notEnrolled})`);
  // Kept with its code: the code says whether an absence is excused; a file that says otherwise is told so.
  await c.report(
    'warning',
    'load.attendanceExcused',
    `select s.file, s.line, case when s.excused = 1 then 'true' else 'false' end as value, s.code as detail from r_att s
      where (s.excused = 1 and s.excuse <> 'excused') or (s.excused = 0 and s.excuse = 'excused')`,
    'excused',
  );

  const key = (d: string, r: string) => `${d}.student_id = ${r}.student_id and ${d}.date = ${r}.date and ${d}.section_id is not distinct from ${r}.section_id`;
  await c.exec(`update r_att set row_id = (select min(d.id) from attendance_records d where ${key('d', 'r_att')})`);
  await c.exec(`create index r_att_row_id on r_att (row_id)`);
  await c.temps.analyze('r_att');
  const ours = (id: string) => `exists (select 1 from oneroster_attendance o where o.row_id = ${id})`;
  const json = jsonText(c.dialect, [['date', 'd.date', 'text'], ['sectionId', 'd.section_id', 'int'], ['code', 'k.code', 'text']]);
  const withCode = `join attendance_codes k on k.id = d.code_id`;

  // Removed (bulk): the import's records of the file's dates that it no longer lists.
  await c.temps.as(
    'x_att',
    delta
      ? `select d.id, d.student_id, d.section_id, ${json} as before from attendance_records d ${withCode} where 1 = 0`
      : `select d.id, d.student_id, d.section_id, ${json} as before from attendance_records d ${withCode}
          where ${ours('d.id')} and d.date in (select distinct date from s_attendance) and not exists (select 1 from r_att r where r.row_id = d.id)`,
  );
  // Changed: the import's own records whose code the file changed.
  await c.temps.as(
    'c_att',
    `select d.id, ${json} as before, r.code_id from r_att r join attendance_records d on d.id = r.row_id ${withCode} where ${ours('d.id')} and d.code_id <> r.code_id`,
  );
  const removed = await c.exec(`delete from attendance_records where id in (select id from x_att)`);
  const updated = await c.exec(`update attendance_records set code_id = x.code_id, updated_at = ${c.nowLit}, updated_by = null from c_att x where attendance_records.id = x.id`);
  // A class's record is at the class's period, as a teacher's taking writes it (attendance/taking.ts).
  const created = await c.exec(`insert into attendance_records (student_id, date, section_id, bell_period_id, code_id, comment, created_at, updated_at, updated_by)
    select r.student_id, r.date, r.section_id, (select min(sp.bell_period_id) from section_periods sp where sp.section_id = r.section_id), r.code_id, null, ${c.nowLit}, ${c.nowLit}, null
      from r_att r where r.row_id is null`);
  await c.exec(`insert into oneroster_attendance (row_id) select d.id from attendance_records d join r_att r on ${key('d', 'r')} where r.row_id is null`);
  c.counts.attendance.created += created;
  c.counts.attendance.updated += updated;
  c.counts.attendance.deactivated += removed;
  c.counts.attendance.unchanged += (await c.number(`select count(*) as n from r_att`)) - created - updated;

  if (c.firstImport) return;
  const event = (action: 'created' | 'updated' | 'deleted', select: string) =>
    recordChangesSelected(c.db, { kind: 'attendance', action, actorAccountId: c.actorAccountId }, sql.raw(select), c.now, c.dialect);
  const school = `coalesce((select sec.school_id from sections sec where sec.id = d.section_id), (select st.school_id from students st where st.id = d.student_id))`;
  await event(
    'created',
    `select d.id as subject_id, d.student_id, d.section_id, ${school} as school_id, cast(null as text) as before, ${json} as after
       from attendance_records d ${withCode} join r_att r on ${key('d', 'r')} where r.row_id is null`,
  );
  await event('updated', `select d.id as subject_id, d.student_id, d.section_id, ${school} as school_id, x.before, ${json} as after from attendance_records d ${withCode} join c_att x on x.id = d.id`);
  await event('deleted', `select d.id as subject_id, d.student_id, d.section_id, ${school} as school_id, d.before, cast(null as text) as after from x_att d`);
}
