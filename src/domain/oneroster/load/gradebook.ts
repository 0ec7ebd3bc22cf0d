/**
 * The OneRoster gradebook files loaded into Homeroom's gradebook (issue 20, ADR 0027): categories →
 * each section's grading categories, lineItems → assignments, results → assignment scores with their
 * flags. Set-based statements over the staging tables (s_categories, s_lineitems, s_results), in the
 * import's transaction.
 *
 * Who wins (the district's `gradebookSource`): under 'homeroom' the import creates what Homeroom lacks
 * and writes an assignment or a score only while no one has edited it in Homeroom (`updated_by` is null:
 * every staff save sets it, the import never does); under 'sis' the SIS's values are written whenever
 * they differ. Every score (and assignment) the import creates, changes or removes is a change event of
 * the same shape the teacher's gradebook records, except on the first import.
 */
import { sql } from 'kysely';
import { parsePortalSettings } from '../../district/settings.js';
import { EXTRA_CREDIT_MAX, gradebookFromSis } from '../../gradebook/scores.js';
import { recordChangesSelected } from '../../changes/service.js';
import { jsonText, numberText, type LoadContext } from './context.js';

export async function loadGradebook(c: LoadContext): Promise<void> {
  if (c.mode('categories') === 'absent' && c.mode('lineItems') === 'absent' && c.mode('results') === 'absent') return;
  const district = await c.db.selectFrom('district').select('settings').orderBy('id').executeTakeFirst();
  const settings = parsePortalSettings(district?.settings ?? '{}');
  const sis = gradebookFromSis(settings);
  await categories(c, sis);
  await assignments(c, sis);
  await scores(c, sis, settings.maxScoreMultiple);
}

/** May the import write this row (`d`)? Always under 'sis'; under 'homeroom' only while no one edited it in Homeroom. */
const writable = (sis: boolean, d: string) => (sis ? '1 = 1' : `${d}.updated_by is null`);

/**
 * A OneRoster category is the district's; a Homeroom category is a section's. Each section gets one
 * category per OneRoster category its line items use, with that category's sourcedId, title and weight,
 * and the lowest scores it drops from Homeroom's extension column `metadata.homeroom.dropLowest` (0
 * when a package does not give it), in the order of categories.csv.
 * A category already made is renamed or reweighted by the import only under 'sis' (under 'homeroom' the
 * teacher's setup is theirs once made). Categories are never removed: assignments hang on them. (The
 * portal caches a section's categories for a minute: a change shows within that.)
 */
async function categories(c: LoadContext, sis: boolean): Promise<void> {
  await c.temps.as(
    'r_gcats',
    `select sec.id as section_id, l.category as sourced_id,
        coalesce(k.title, (select min(g.name) from grading_categories g where g.sourced_id = l.category)) as name,
        case when k.sourced_id is not null then k.weight else (select min(g.weight) from grading_categories g where g.sourced_id = l.category) end as weight,
        case when k.sourced_id is not null then k.drop_lowest else (select min(g.drop_lowest) from grading_categories g where g.sourced_id = l.category) end as drop_lowest,
        k.line
       from (select distinct class, category from s_lineitems where status = 'active') l
       join sections sec on sec.sourced_id = l.class
       left join s_categories k on k.sourced_id = l.category and k.status = 'active'`,
  );
  // A category made in Homeroom (no sourcedId) is the SIS's of the same name in its section, when each side has one such (ADR 0029's rule).
  const sameName = (n: string, g: string) => `${n}.section_id = ${g}.section_id and lower(${n}.name) = lower(${g}.name)`;
  await c.exec(`update grading_categories set sourced_id = (select n.sourced_id from r_gcats n where ${sameName('n', 'grading_categories')})
    where sourced_id is null and (select count(*) from r_gcats n where ${sameName('n', 'grading_categories')}) = 1
      and (select count(*) from grading_categories o where ${sameName('o', 'grading_categories')}) = 1
      and not exists (select 1 from grading_categories o join r_gcats n on n.section_id = o.section_id and n.sourced_id = o.sourced_id where ${sameName('n', 'grading_categories')})`);
  // How a section is graded follows its categories' weights: none weighted (a points class, as the export writes one;
  // 1.1, which has no weights) → by points, all weighted → by weights, a mix → as it is. The import sets it where it
  // makes the section's gradebook setup (the section had no category yet), and under 'sis' whenever it differs.
  await c.temps.as(
    'm_method',
    `select n.section_id, case when count(n.weight) = 0 then 'points' else 'weighted' end as method from r_gcats n
      ${sis ? '' : 'where not exists (select 1 from grading_categories g where g.section_id = n.section_id)'}
      group by n.section_id having count(n.weight) = 0 or count(n.weight) = count(*)`,
  );
  // A section's new categories follow categories.csv's order (a copied one, not in the file, after them by sourcedId).
  const created = await c.exec(`insert into grading_categories (sourced_id, section_id, name, weight, drop_lowest, sequence)
    select n.sourced_id, n.section_id, n.name, n.weight, coalesce(n.drop_lowest, 0),
        coalesce((select max(g.sequence) from grading_categories g where g.section_id = n.section_id), 0)
          + row_number() over (partition by n.section_id order by coalesce(n.line, 2147483647), n.sourced_id)
      from r_gcats n where not exists (select 1 from grading_categories g where g.section_id = n.section_id and g.sourced_id = n.sourced_id)`);
  const updated = sis
    ? await c.exec(`update grading_categories set name = k.title, weight = k.weight, drop_lowest = coalesce(k.drop_lowest, grading_categories.drop_lowest) from s_categories k
        where k.sourced_id = grading_categories.sourced_id and k.status = 'active'
          and (k.title <> grading_categories.name or k.weight is distinct from grading_categories.weight or (k.drop_lowest is not null and k.drop_lowest <> grading_categories.drop_lowest))`)
    : 0;
  await c.exec(`update sections set grading_method = m.method, updated_at = ${c.nowLit}, updated_by = null from m_method m
    where sections.id = m.section_id and sections.grading_method <> m.method`);
  const total = await c.number(`select count(*) as n from r_gcats`);
  c.counts.categories.created += created;
  c.counts.categories.updated += updated;
  c.counts.categories.unchanged += Math.max(0, total - created - updated);
}

/** What the teacher's gradebook records of an assignment (setup.ts), over `d` (assignments) and `g` (its category). */
const assignmentJson = (c: LoadContext) =>
  jsonText(c.dialect, [
    ['title', 'd.title', 'text'], ['category', 'g.name', 'text'], ['assigned', 'd.assigned_date', 'text'], ['due', 'd.due_date', 'text'],
    ['pointsPossible', 'd.points_possible', 'num'], ['published', 'd.published', 'bool'], ['description', 'd.description', 'text'],
  ]);

/** What the teacher's gradebook records of a score (scores.ts), over `d` (assignment_scores) and `a` (its assignment). */
const scoreJson = (c: LoadContext) =>
  jsonText(c.dialect, [
    ['assignmentId', 'a.id', 'int'], ['title', 'a.title', 'text'], ['pointsPossible', 'a.points_possible', 'num'], ['published', 'a.published', 'bool'],
    ['points', 'd.points', 'num'], ['missing', 'd.missing', 'bool'], ['late', 'd.late', 'bool'], ['exempt', 'd.exempt', 'bool'],
    ['incomplete', 'd.incomplete', 'bool'], ['dropped', 'd.dropped', 'bool'], ['comment', 'd.comment', 'text'],
  ]);

async function events(c: LoadContext, kind: 'score' | 'assignment', action: 'created' | 'updated' | 'deleted', select: string): Promise<void> {
  if (c.firstImport) return;
  await recordChangesSelected(c.db, { kind, action, actorAccountId: c.actorAccountId }, sql.raw(select), c.now, c.dialect);
}

const ASSIGNMENT_FIELDS = ['section_id', 'category_id', 'grading_period_id', 'title', 'description', 'assigned_date', 'due_date', 'points_possible'];

/**
 * Line items → assignments (published: the SIS has no drafts; Homeroom's `published` is never written
 * again). One the SIS deletes (tobedeleted, or absent from a bulk file) is removed with its scores —
 * under 'homeroom' only while neither it nor any of its scores was edited in Homeroom.
 */
async function assignments(c: LoadContext, sis: boolean): Promise<void> {
  await c.temps.as(
    'r_assign',
    `select s.sourced_id, s.file, s.line, (select d.id from assignments d where d.sourced_id = s.sourced_id) as row_id,
        sec.id as section_id, sec.school_id, (select g.id from grading_categories g where g.section_id = sec.id and g.sourced_id = s.category) as category_id,
        (select a.id from academic_sessions a where a.sourced_id = s.period) as grading_period_id,
        s.title, s.description, s.assign_date as assigned_date, s.due_date, s.max as points_possible
       from s_lineitems s join sections sec on sec.sourced_id = s.class where s.status = 'active'`,
  );
  await c.report('error', 'load.endBeforeStart', `select s.file, s.line, cast(s.due_date as text) as value from r_assign s where s.due_date < s.assigned_date`, 'dueDate');
  c.stopIfErrors();
  await c.report(
    'warning',
    'load.lineItemPeriod',
    `select s.file, s.line, cast(s.due_date as text) as value, a.title || ' (' || cast(a.start_date as text) || ' – ' || cast(a.end_date as text) || ')' as detail
       from r_assign s join academic_sessions a on a.id = s.grading_period_id where s.due_date < a.start_date or s.due_date > a.end_date`,
    'dueDate',
  );
  // An assignment made in Homeroom (no sourcedId) is the SIS's line item of its class with the same title and due date, when each side has one such.
  const same = (d: string, r: string) => `${d}.section_id = ${r}.section_id and ${d}.title = ${r}.title and ${d}.due_date = ${r}.due_date`;
  // (Only when there is such an assignment: on a first import, or once every one is linked, there is none to look for.)
  if ((await c.number(`select count(*) as n from (select 1 from assignments d where d.sourced_id is null limit 1) x`)) > 0) {
    await c.exec(`update r_assign set row_id = (select d.id from assignments d where d.sourced_id is null and ${same('d', 'r_assign')})
      where row_id is null and (select count(*) from assignments d where d.sourced_id is null and ${same('d', 'r_assign')}) = 1
        and (select count(*) from r_assign o where ${same('o', 'r_assign')}) = 1`);
    await c.exec(`update assignments set sourced_id = (select s.sourced_id from r_assign s where s.row_id = assignments.id)
      where sourced_id is null and exists (select 1 from r_assign s where s.row_id = assignments.id)`);
  }
  await c.exec(`create index r_assign_row_id on r_assign (row_id)`);
  await c.exec(`create index r_assign_sourced_id on r_assign (sourced_id)`);
  await c.temps.analyze('r_assign');

  const differs = ASSIGNMENT_FIELDS.map((f) => `s.${f} is distinct from d.${f}`).join(' or ');
  await c.temps.as(
    'c_assign',
    `select d.id, ${assignmentJson(c)} as before from r_assign s join assignments d on d.id = s.row_id join grading_categories g on g.id = d.category_id
      where (${writable(sis, 'd')}) and (${differs})`,
  );
  const updated = await c.exec(`update assignments set ${ASSIGNMENT_FIELDS.map((f) => `${f} = s.${f}`).join(', ')}, updated_at = ${c.nowLit}, updated_by = null
    from r_assign s where assignments.id = s.row_id and assignments.id in (select id from c_assign)`);
  const created = await c.exec(`insert into assignments (sourced_id, ${ASSIGNMENT_FIELDS.join(', ')}, published, created_at, updated_at, updated_by)
    select s.sourced_id, ${ASSIGNMENT_FIELDS.map((f) => `s.${f}`).join(', ')}, 1, ${c.nowLit}, ${c.nowLit}, null from r_assign s where s.row_id is null`);

  // Removed: deleted in a delta, or left out of a bulk file.
  const leftOut = c.mode('lineItems') === 'bulk' ? `or not exists (select 1 from s_lineitems t where t.sourced_id = d.sourced_id and t.status = 'active')` : '';
  const keep = sis ? '' : `and d.updated_by is null and not exists (select 1 from assignment_scores x where x.assignment_id = d.id and x.updated_by is not null)`;
  await c.temps.as(
    'x_assign',
    `select d.id, d.section_id, ${assignmentJson(c)} as before from assignments d join grading_categories g on g.id = d.category_id
      where d.sourced_id is not null and (exists (select 1 from s_lineitems t where t.sourced_id = d.sourced_id and t.status = 'tobedeleted') ${leftOut}) ${keep}`,
  );
  await events(
    c,
    'score',
    'deleted',
    `select d.id as subject_id, d.student_id, a.section_id, sec.school_id, ${scoreJson(c)} as before, cast(null as text) as after
       from assignment_scores d join assignments a on a.id = d.assignment_id join sections sec on sec.id = a.section_id where a.id in (select id from x_assign)`,
  );
  c.counts.scores.deactivated += await c.exec(`delete from assignment_scores where assignment_id in (select id from x_assign)`);
  const removed = await c.exec(`delete from assignments where id in (select id from x_assign)`);

  c.counts.assignments.created += created;
  c.counts.assignments.updated += updated;
  c.counts.assignments.deactivated += removed;
  c.counts.assignments.unchanged += (await c.number(`select count(*) as n from r_assign`)) - created - updated;

  const section = `join sections sec on sec.id = d.section_id join grading_categories g on g.id = d.category_id`;
  const by = `d.id as subject_id, cast(null as integer) as student_id, d.section_id, sec.school_id`;
  await events(c, 'assignment', 'created', `select ${by}, cast(null as text) as before, ${assignmentJson(c)} as after from assignments d ${section} where d.sourced_id in (select sourced_id from r_assign where row_id is null)`);
  await events(c, 'assignment', 'updated', `select ${by}, x.before, ${assignmentJson(c)} as after from assignments d ${section} join c_assign x on x.id = d.id`);
  await events(
    c,
    'assignment',
    'deleted',
    `select x.id as subject_id, cast(null as integer) as student_id, x.section_id, sec.school_id, x.before, cast(null as text) as after from x_assign x join sections sec on sec.id = x.section_id`,
  );
}

const SCORE_FIELDS = ['points', 'missing', 'late', 'exempt', 'incomplete', 'comment'];

/**
 * Results → scores. scoreStatus gives the flags: exempt → exempt; partially graded → incomplete;
 * fully graded and submitted → the score alone; not submitted → missing when 1.2's `missing` says so
 * (in 1.1, which has no such flag, when the line item's due date has passed). 1.2's late and incomplete
 * are kept. `dropped` (a teacher dropped the score) is in no SIS: it is read from Homeroom's extension
 * column `metadata.homeroom.dropped` (a Homeroom export's), and where a package lacks it or leaves it empty
 * a score's flag stays as it is (false for a new one). A result with nothing in it (no score, flag or
 * comment) is no score, as a cell a teacher clears.
 */
async function scores(c: LoadContext, sis: boolean, maxMultiple: number): Promise<void> {
  const missingByDate = c.version === '1.1' ? `or (s.score_status = 'not submitted' and s.score is null and a.due_date < ${c.todayLit})` : '';
  await c.temps.as(
    'r_scores',
    // The score each result updates, found by one join here rather than a lookup per row afterwards (the
    // UPDATEs of 7.5 million rows of a temporary table were a quarter of PostgreSQL's first import).
    `select s.sourced_id, s.file, s.line, d.id as row_id, case when d.id is null then 1 else 0 end as is_new, a.id as assignment_id, a.section_id, a.points_possible, st.id as student_id, s.student,
        s.score as points, case when s.missing = 1 ${missingByDate} then 1 else 0 end as missing, s.late,
        case when s.score_status = 'exempt' then 1 else 0 end as exempt, case when s.incomplete = 1 or s.score_status = 'partially graded' then 1 else 0 end as incomplete,
        s.comment, s.dropped
       from s_results s join assignments a on a.sourced_id = s.line_item left join students st on st.sourced_id = s.student
       left join assignment_scores d on d.assignment_id = a.id and d.student_id = st.id
       where s.status = 'active'`,
  );
  await c.report('error', 'load.resultNotStudent', `select s.file, s.line, s.student as value from r_scores s where s.student_id is null`, 'studentSourcedId', 'student');
  c.stopIfErrors();
  await c.exec(`create index r_scores_pair on r_scores (assignment_id, student_id)`);
  await c.temps.analyze('r_scores');
  await c.report(
    'error',
    'load.duplicateKey',
    `select s.file, s.line, s.student as value from r_scores s where exists (select 1 from r_scores o where o.assignment_id = s.assignment_id and o.student_id = s.student_id and o.line < s.line)`,
    'studentSourcedId',
  );
  c.stopIfErrors();
  // Left out, with a warning: a student not in the class, a score out of bounds (a typing slip in the SIS would reach families).
  const notEnrolled = `not exists (select 1 from section_enrollments e where e.section_id = r_scores.section_id and e.student_id = r_scores.student_id)`;
  const largest = `case when r_scores.points_possible > 0 then r_scores.points_possible * ${Number(maxMultiple)} else ${EXTRA_CREDIT_MAX} end`;
  const outOfRange = `r_scores.points < 0 or r_scores.points > ${largest}`;
  await c.report('warning', 'load.resultNotEnrolled', `select r_scores.file, r_scores.line, r_scores.student as value from r_scores where ${notEnrolled}`, 'studentSourcedId');
  await c.report('warning', 'load.scoreRange', `select r_scores.file, r_scores.line, ${numberText(c.dialect, 'r_scores.points')} as value, ${numberText(c.dialect, largest)} as detail from r_scores where ${outOfRange}`, 'score');
  await c.exec(`delete from r_scores where ${notEnrolled} or ${outOfRange}`);

  // Matched by (assignment, student), which Homeroom keeps unique.
  await c.exec(`create index r_scores_row_id on r_scores (row_id)`);
  await c.exec(`create index r_scores_sourced_id on r_scores (sourced_id)`);
  await c.temps.analyze('r_scores');
  const empty = (p: string) => `(${p}points is null and ${p}missing = 0 and ${p}late = 0 and ${p}exempt = 0 and ${p}incomplete = 0 and ${p}comment is null)`;

  // Removed: deleted in a delta, left out of a bulk file, moved to another (assignment, student), or now empty.
  const leftOut = c.mode('results') === 'bulk' ? `or not exists (select 1 from s_results t where t.sourced_id = d.sourced_id)` : '';
  await c.temps.as(
    'x_scores',
    `select d.id from assignment_scores d where d.sourced_id is not null and not exists (select 1 from r_scores s where s.row_id = d.id)
        and (exists (select 1 from s_results t where t.sourced_id = d.sourced_id and t.status = 'tobedeleted') or exists (select 1 from r_scores s where s.sourced_id = d.sourced_id) ${leftOut})
        and (${writable(sis, 'd')})
     union select d.id from assignment_scores d join r_scores s on s.row_id = d.id where ${empty('s.')} and (${writable(sis, 'd')})`,
  );
  // One that stays (edited in Homeroom) lets go of a sourcedId the package now gives another score.
  await c.exec(`update assignment_scores set sourced_id = null where sourced_id in (select sourced_id from r_scores)
    and not exists (select 1 from r_scores s where s.row_id = assignment_scores.id) and id not in (select id from x_scores)`);
  const scoreEvent = (action: 'created' | 'updated' | 'deleted', from: string, before: string, after: string) =>
    events(c, 'score', action, `select d.id as subject_id, d.student_id, a.section_id, sec.school_id, ${before} as before, ${after} as after
      from ${from} join assignments a on a.id = d.assignment_id join sections sec on sec.id = a.section_id`);
  await scoreEvent('deleted', `assignment_scores d join x_scores x on x.id = d.id`, scoreJson(c), 'cast(null as text)');
  const removed = await c.exec(`delete from assignment_scores where id in (select id from x_scores)`);

  // Changed: their old values first, for the events.
  const differs = [...SCORE_FIELDS.map((f) => `s.${f} is distinct from d.${f}`), `(s.dropped is not null and s.dropped <> d.dropped)`].join(' or ');
  await c.temps.as(
    'c_scores',
    `select d.id, ${scoreJson(c)} as before from r_scores s join assignment_scores d on d.id = s.row_id join assignments a on a.id = d.assignment_id
      where not ${empty('s.')} and (${writable(sis, 'd')}) and (${differs})`,
  );
  // SourcedIds first (a score may take over one another score held), then the values.
  await c.exec(`update assignment_scores set sourced_id = null from r_scores s
    where assignment_scores.id = s.row_id and assignment_scores.sourced_id is not null and s.sourced_id <> assignment_scores.sourced_id`);
  await c.exec(`update assignment_scores set sourced_id = s.sourced_id from r_scores s where assignment_scores.id = s.row_id and assignment_scores.sourced_id is null`);
  const updated = await c.exec(`update assignment_scores set ${SCORE_FIELDS.map((f) => `${f} = s.${f}`).join(', ')}, dropped = coalesce(s.dropped, assignment_scores.dropped), version = assignment_scores.version + 1, updated_at = ${c.nowLit}, updated_by = null
    from r_scores s where assignment_scores.id = s.row_id and assignment_scores.id in (select id from c_scores)`);
  const created = await c.exec(`insert into assignment_scores (sourced_id, assignment_id, student_id, ${SCORE_FIELDS.join(', ')}, dropped, created_at, updated_at, updated_by)
    select s.sourced_id, s.assignment_id, s.student_id, ${SCORE_FIELDS.map((f) => `s.${f}`).join(', ')}, coalesce(s.dropped, 0), ${c.nowLit}, ${c.nowLit}, null from r_scores s where s.is_new = 1 and not ${empty('s.')}`);
  await scoreEvent('created', `assignment_scores d join r_scores s on s.sourced_id = d.sourced_id and s.is_new = 1`, 'cast(null as text)', scoreJson(c));
  await scoreEvent('updated', `assignment_scores d join c_scores x on x.id = d.id`, 'x.before', scoreJson(c));

  c.counts.scores.created += created;
  c.counts.scores.updated += updated;
  c.counts.scores.deactivated += removed;
  c.counts.scores.unchanged += (await c.number(`select count(*) as n from r_scores s where not (s.is_new = 1 and ${empty('s.')})`)) - created - updated - (await c.number(`select count(*) as n from r_scores s where s.row_id is not null and ${empty('s.')}`));
}
