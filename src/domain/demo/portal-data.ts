/**
 * The demo district's portal data: a grading scale, each section's gradebook (categories, assignments,
 * scores with missing / late / exempt / incomplete / dropped flags and teacher comments), posted grades
 * for the grading periods that have ended, daily and period attendance, earlier years' courses for
 * high-school transcripts, and immunization records with a few students out of compliance.
 *
 * Everything is as of one date (`asOf`, a school day of the year): work due by then is graded (the
 * last two days' partly), later work is listed but not scored, attendance is taken up to that day.
 * Deterministic like the rest of the demo: the same options give the same rows.
 */
import type { DateString, GradingMethod, NewRow, TableName } from '../../db/schema.js';
import { addDays } from '../calendar/dates.js';
import { computeGrade, letterFor, type CategoryInput, type GradeBand, type ScoreInput } from '../gradebook/grade.js';
import { ATTENDANCE_CODES, REPORT_CARD_COMMENTS, STANDARD_SCALE } from '../district/starter.js';
import { electives, coreSlots, type CourseDef, type Dept } from './catalog.js';
import type { Rng } from './random.js';
import type { SchoolYearPlan } from './school-year.js';

export interface PortalSink {
  add<T extends TableName>(table: T, row: NewRow<T>): void;
  checkpoint(): Promise<void>;
}

export interface PortalContext {
  rng: Rng;
  sink: PortalSink;
  nextId: (table: string) => number;
  changed: () => { created_at: string; updated_at: string; updated_by: null };
  year: SchoolYearPlan;
  asOf: DateString;
  /** the four quarters' session ids, in order */
  quarterIds: number[];
  semesterIds: [number, number];
  seed: number;
}



/** Vaccine, doses required, grades; and when children usually get each dose (age in months). */
const VACCINES: readonly { code: string; name: string; es: string; rules: [low: number, high: number, doses: number][]; ages: number[] }[] = [
  { code: 'DTAP', name: 'Diphtheria, tetanus, pertussis (DTaP/DTP/Td)', es: 'Difteria, tétanos, tos ferina (DTaP/DTP/Td)', rules: [[6, 12, 4]], ages: [2, 4, 6, 16, 54] },
  { code: 'TDAP', name: 'Tetanus, diphtheria, pertussis booster (Tdap)', es: 'Refuerzo de tétanos, difteria y tos ferina (Tdap)', rules: [[8, 12, 1]], ages: [138] },
  { code: 'IPV', name: 'Polio (IPV/OPV)', es: 'Polio (IPV/OPV)', rules: [[6, 12, 4]], ages: [2, 4, 12, 54] },
  { code: 'MMR', name: 'Measles, mumps, rubella (MMR)', es: 'Sarampión, paperas, rubéola (MMR)', rules: [[6, 12, 2]], ages: [13, 54] },
  { code: 'HEPB', name: 'Hepatitis B', es: 'Hepatitis B', rules: [[6, 12, 3]], ages: [0, 2, 9] },
  { code: 'VAR', name: 'Varicella (chickenpox)', es: 'Varicela', rules: [[6, 12, 2]], ages: [13, 54] },
  { code: 'MCV4', name: 'Meningococcal conjugate (MenACWY)', es: 'Meningocócica conjugada (MenACWY)', rules: [[8, 11, 1], [12, 12, 2]], ages: [138, 194] },
];

const TEACHER_COMMENTS = [
  'Great improvement!',
  'Excellent work.',
  'Please see me about corrections.',
  'Missing: please turn this in.',
  'Turned in late.',
  'Retake available until Friday.',
  'Careful with units.',
  'Strong thesis; work on evidence.',
];

const TERM_COMMENTS = [
  'A pleasure to have in class.',
  'Works hard and participates well.',
  'Needs to turn in homework consistently.',
  'Shows strong understanding of the material.',
  'Would benefit from attending tutoring.',
  'Great effort this quarter.',
];


interface CategoryPlan {
  name: string;
  weight: number | null;
  dropLowest: number;
  /** per quarter: how many, and the points each is worth */
  perQuarter: number;
  points: number;
  title: string;
}

export function gradingMethodFor(dept: Dept): GradingMethod {
  return categoriesFor(dept).method;
}

function categoriesFor(dept: Dept): { method: GradingMethod; categories: CategoryPlan[] } {
  if (dept === 'Physical Education') {
    return {
      method: 'weighted',
      categories: [
        { name: 'Participation', weight: 50, dropLowest: 1, perQuarter: 3, points: 10, title: 'Participation' },
        { name: 'Skills', weight: 30, dropLowest: 0, perQuarter: 2, points: 20, title: 'Skills check' },
        { name: 'Written Work', weight: 20, dropLowest: 0, perQuarter: 1, points: 25, title: 'Written reflection' },
      ],
    };
  }
  if (dept === 'Music' || dept === 'Fine Arts' || dept === 'Career and Technical Education') {
    return {
      method: 'points',
      categories: [
        { name: 'Classwork', weight: null, dropLowest: 0, perQuarter: 3, points: 10, title: 'Classwork' },
        { name: 'Projects', weight: null, dropLowest: 0, perQuarter: 2, points: 50, title: dept === 'Music' ? 'Performance' : 'Project' },
        { name: 'Critiques', weight: null, dropLowest: 0, perQuarter: 1, points: 20, title: 'Critique' },
      ],
    };
  }
  return {
    method: 'weighted',
    categories: [
      { name: 'Homework', weight: 20, dropLowest: 1, perQuarter: 3, points: 10, title: 'Homework' },
      { name: 'Quizzes', weight: 30, dropLowest: 0, perQuarter: 2, points: 20, title: 'Quiz' },
      { name: 'Tests', weight: 50, dropLowest: 0, perQuarter: 2, points: 100, title: 'Unit test' },
    ],
  };
}

/** A number in [0, 1) from an id, the same on every machine: per-student traits without keeping state. */
export function unitHash(id: number, salt: number): number {
  let x = (Math.imul(id, 0x9e3779b1) ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  // XOR leaves a signed 32-bit number: back to unsigned before scaling, or half the results are negative.
  return ((x ^ (x >>> 16)) >>> 0) / 4_294_967_296;
}

export interface SectionInfo {
  id: number;
  course: CourseDef;
  bellPeriodId: number;
}

export interface EnrollmentInfo {
  studentId: number;
  begin: DateString;
  end: DateString;
}

export class PortalData {
  private readonly days: DateString[];
  private readonly codeIds = new Map<string, number>();
  private readonly vaccineIds = new Map<string, number>();
  private scaleId = 0;
  counts = { assignments: 0, scores: 0, attendance: 0, termGrades: 0, transcriptCourses: 0, doses: 0 };

  constructor(private readonly ctx: PortalContext) {
    this.days = ctx.year.days.filter((d) => d.instructional).map((d) => d.date);
  }

  /** District-wide: the grading scale, attendance codes, vaccines and their requirements. */
  district(): number {
    const { sink, nextId, changed } = this.ctx;
    this.scaleId = nextId('grading_scales');
    sink.add('grading_scales', { id: this.scaleId, name: 'Standard A–F', ...changed() });
    STANDARD_SCALE.forEach((band, i) => {
      sink.add('grading_scale_bands', {
        id: nextId('grading_scale_bands'),
        scale_id: this.scaleId,
        letter: band.letter,
        min_percent: band.minPercent,
        gpa_points: band.gpaPoints,
        sequence: i + 1,
      });
    });
    for (const c of ATTENDANCE_CODES) {
      const id = nextId('attendance_codes');
      this.codeIds.set(c.code, id);
      sink.add('attendance_codes', { id, ...c });
    }
    REPORT_CARD_COMMENTS.forEach((c, i) => {
      sink.add('report_card_comments', { id: nextId('report_card_comments'), code: c.code, text_en: c.en, text_es: c.es, sequence: i + 1, active: 1 });
    });
    for (const v of VACCINES) {
      const id = nextId('vaccines');
      this.vaccineIds.set(v.code, id);
      sink.add('vaccines', { id, code: v.code, name: v.name, name_es: v.es });
      for (const [low, high, doses] of v.rules) {
        sink.add('immunization_requirements', { id: nextId('immunization_requirements'), vaccine_id: id, grade_low: low, grade_high: high, doses });
      }
    }
    return this.scaleId;
  }

  /** The semesters' session ids, once they exist. */
  setSemesters(s1: number, s2: number): void {
    this.ctx.semesterIds = [s1, s2];
  }

  get gradingScaleId(): number {
    return this.scaleId;
  }

  /** A student's steady level (mean percent) in every class, and how often they miss work. */
  private ability(studentId: number): number {
    const u = unitHash(studentId, this.ctx.seed);
    // Most students between 70 and 97; a tenth struggle.
    return u < 0.1 ? 55 + u * 150 : 70 + (u - 0.1) * 30;
  }

  /** Schooldays of a period that fall inside [from, to]. */
  private schoolDays(from: DateString, to: DateString): DateString[] {
    return this.days.filter((d) => d >= from && d <= to);
  }

  /** One section's gradebook: categories, assignments spread over its quarters, scores, posted grades. */
  async section(section: SectionInfo, students: EnrollmentInfo[]): Promise<void> {
    const { sink, nextId, changed, rng, year, asOf, quarterIds } = this.ctx;
    const plan = categoriesFor(section.course.dept);
    const categories: (CategoryPlan & { id: number })[] = plan.categories.map((c, i) => {
      const id = nextId('grading_categories');
      sink.add('grading_categories', { id, section_id: section.id, name: c.name, weight: c.weight, drop_lowest: c.dropLowest, sequence: i + 1 });
      return { ...c, id };
    });
    const quarters = year.quarters
      .map((q, i) => ({ ...q, id: quarterIds[i] as number, index: i }))
      .filter((q) => (section.course.term === 'S1' ? q.index < 2 : section.course.term === 'S2' ? q.index >= 2 : true));
    const categoryInputs: CategoryInput[] = categories.map((c) => ({ id: c.id, name: c.name, weight: c.weight, dropLowest: c.dropLowest }));
    // The last two school days before asOf are graded only in part: teachers are behind.
    const recent = this.days.filter((d) => d <= asOf).slice(-2);
    const byStudent = new Map<number, ScoreInput[]>();

    for (const quarter of quarters) {
      const days = this.schoolDays(quarter.start, quarter.end);
      if (days.length === 0) continue;
      let number = 0;
      for (const category of categories) {
        for (let k = 0; k < category.perQuarter; k++) {
          // Spread evenly, tests towards the end of each half of the quarter.
          const position = (k + (category.name === 'Tests' ? 0.9 : 0.5)) / category.perQuarter;
          // Classes do not all set their work on the same day: each section is shifted by up to two school days.
          const dueIndex = Math.max(0, Math.min(days.length - 1, Math.floor(position * days.length) + (section.id % 4) - 1));
          const due = days[dueIndex] as DateString;
          const assigned = days[Math.max(0, dueIndex - (category.points >= 50 ? 10 : 3))] as DateString;
          const id = nextId('assignments');
          number++;
          const seq = quarter.index * category.perQuarter + k + 1;
          sink.add('assignments', {
            id,
            sourced_id: null,
            section_id: section.id,
            category_id: category.id,
            grading_period_id: quarter.id,
            title: `${category.title} ${seq}`,
            description: null,
            assigned_date: assigned,
            due_date: due,
            points_possible: category.points,
            published: 1,
            ...changed(),
          });
          this.counts.assignments++;
          if (due > asOf) continue;
          const partly = recent.includes(due);
          for (const s of students) {
            if (due < s.begin || due > s.end) continue;
            if (partly && rng.chance(0.5)) continue;
            const row = this.score(id, s.studentId, category.points);
            sink.add('assignment_scores', row);
            this.counts.scores++;
            const list = byStudent.get(s.studentId) ?? [];
            list.push({
              assignmentId: id,
              categoryId: category.id,
              pointsPossible: category.points,
              points: row.points ?? null,
              missing: row.missing === 1,
              late: row.late === 1,
              exempt: row.exempt === 1,
              incomplete: row.incomplete === 1,
              dropped: row.dropped === 1,
              dueDate: due,
            });
            byStudent.set(s.studentId, list);
          }
        }
      }
      // Grades are posted a week after a quarter ends.
      const postedOn = addDays(quarter.end, 7);
      if (postedOn <= asOf) this.postGrades(section.id, quarter.id, quarter.start, quarter.end, plan.method, categoryInputs, byStudent, postedOn);
      await sink.checkpoint();
    }
    const semesters = [0, 1].filter((s) => (section.course.term === 'S1' ? s === 0 : section.course.term === 'S2' ? s === 1 : true));
    for (const s of semesters) {
      const semester = year.semesters[s]!;
      const postedOn = addDays(semester.end, 7);
      if (postedOn <= asOf) {
        this.postGrades(section.id, this.ctx.semesterIds[s]!, semester.start, semester.end, plan.method, categoryInputs, byStudent, postedOn);
      }
    }
  }

  private score(assignmentId: number, studentId: number, possible: number): NewRow<'assignment_scores'> {
    const { rng, changed } = this.ctx;
    const level = this.ability(studentId);
    // Every row names every column: a bulk insert on SQLite has no DEFAULT for a column left out.
    const base = {
      id: this.ctx.nextId('assignment_scores'),
      assignment_id: assignmentId,
      student_id: studentId,
      points: null as number | null,
      missing: 0 as 0 | 1,
      late: 0 as 0 | 1,
      exempt: 0 as 0 | 1,
      incomplete: 0 as 0 | 1,
      dropped: 0 as 0 | 1,
      comment: null as string | null,
      version: 1,
      ...changed(),
    };
    const missRate = level < 65 ? 0.12 : level < 75 ? 0.05 : 0.015;
    const roll = rng.int(0, 9_999) / 10_000;
    if (roll < 0.008) return { ...base, exempt: 1 };
    if (roll < 0.008 + missRate) return { ...base, missing: 1, comment: rng.chance(0.3) ? 'Missing: please turn this in.' : null };
    if (roll < 0.013 + missRate) return { ...base, incomplete: 1 };
    // Three uniforms make a bell curve around the student's level.
    const noise = (rng.int(0, 999) + rng.int(0, 999) + rng.int(0, 999)) / 1000 - 1.5;
    const percent = Math.max(0, Math.min(100, level + noise * 14));
    const points = Math.round((possible * percent) / 50) / 2;
    const late: 0 | 1 = rng.chance(0.04) ? 1 : 0;
    const dropped: 0 | 1 = rng.chance(0.003) ? 1 : 0;
    const comment = late ? 'Turned in late.' : rng.chance(0.03) ? rng.pick(TEACHER_COMMENTS) : null;
    return { ...base, points, late, dropped, comment };
  }

  private postGrades(
    sectionId: number,
    sessionId: number,
    from: DateString,
    to: DateString,
    method: GradingMethod,
    categories: CategoryInput[],
    byStudent: Map<number, ScoreInput[]>,
    postedOn: DateString,
  ): void {
    const { sink, nextId, changed, rng } = this.ctx;
    for (const [studentId, scores] of byStudent) {
      const inTerm = scores.filter((s) => s.dueDate >= from && s.dueDate <= to);
      if (inTerm.length === 0) continue;
      const grade = computeGrade({ method, categories, scores: inTerm, scale: STANDARD_SCALE as GradeBand[] });
      if (grade.percent === null) continue;
      sink.add('term_grades', {
        id: nextId('term_grades'),
        section_id: sectionId,
        student_id: studentId,
        academic_session_id: sessionId,
        percent: grade.percent,
        letter: grade.letter,
        comment: rng.chance(0.15) ? rng.pick(TERM_COMMENTS) : null,
        posted_at: `${postedOn}T23:00:00.000Z`,
        ...changed(),
      });
      this.counts.termGrades++;
    }
  }

  /** Daily and period attendance of a school's students up to asOf: absences, tardies, early releases. */
  async attendance(students: Map<number, { section: number; bellPeriodId: number; begin: DateString; end: DateString }[]>): Promise<void> {
    const { sink, nextId, changed, rng, asOf } = this.ctx;
    const days = this.days.filter((d) => d <= asOf);
    const recent = days.slice(-3);
    const code = (c: string) => this.codeIds.get(c) as number;
    let n = 0;
    for (const [studentId, sections] of students) {
      const u = unitHash(studentId, this.ctx.seed + 7);
      const absenceRate = u < 0.7 ? 0.015 : u < 0.92 ? 0.045 : 0.12;
      for (const day of days) {
        const today = sections.filter((s) => day >= s.begin && day <= s.end);
        if (today.length === 0) continue;
        const roll = rng.int(0, 9_999) / 10_000;
        if (roll < absenceRate) {
          const c = recent.includes(day) && rng.chance(0.6) ? 'A-UNK' : rng.table([['A-ILL', 60], ['A-APT', 15], ['A-UNX', 25]] as const);
          sink.add('attendance_records', { id: nextId('attendance_records'), student_id: studentId, date: day, section_id: null, bell_period_id: null, code_id: code(c), comment: null, ...changed() });
          this.counts.attendance++;
        } else if (roll < absenceRate + 0.012) {
          const s = rng.pick(today);
          const c = rng.table([['T-UNX', 60], ['T-EX', 40]] as const);
          sink.add('attendance_records', { id: nextId('attendance_records'), student_id: studentId, date: day, section_id: s.section, bell_period_id: s.bellPeriodId, code_id: code(c), comment: null, ...changed() });
          this.counts.attendance++;
        } else if (roll < absenceRate + 0.016) {
          // Missed one class: unexcused unless the office hears otherwise.
          const s = rng.pick(today);
          const c = recent.includes(day) ? 'A-UNK' : 'A-UNX';
          sink.add('attendance_records', { id: nextId('attendance_records'), student_id: studentId, date: day, section_id: s.section, bell_period_id: s.bellPeriodId, code_id: code(c), comment: null, ...changed() });
          this.counts.attendance++;
        } else if (roll < absenceRate + 0.018) {
          const last = today.reduce((a, b) => (b.bellPeriodId > a.bellPeriodId ? b : a));
          sink.add('attendance_records', { id: nextId('attendance_records'), student_id: studentId, date: day, section_id: last.section, bell_period_id: last.bellPeriodId, code_id: code('ER'), comment: null, ...changed() });
          this.counts.attendance++;
        }
      }
      if (++n % 500 === 0) await sink.checkpoint();
    }
  }

  /** A student's earlier years: high-school courses with grades and credits (grades 9 up to last year). */
  transcript(student: { id: number; grade: number; schoolName: string }): void {
    const { sink, nextId, changed, rng, year } = this.ctx;
    if (student.grade < 10) return;
    const level = this.ability(student.id);
    const letterOf = () => {
      const noise = (rng.int(0, 999) + rng.int(0, 999)) / 1000 - 1;
      return letterFor(Math.max(40, Math.min(100, level + 3 + noise * 12)), STANDARD_SCALE as GradeBand[]) as GradeBand;
    };
    for (let grade = 9; grade < student.grade; grade++) {
      const schoolYear = year.startYear + 1 - (student.grade - grade);
      const courses: CourseDef[] = [...coreSlots(grade).flat()];
      const offered = electives(9).filter((c) => grade >= 11 || !c.title.startsWith('AP '));
      const picks = new Set<CourseDef>();
      while (picks.size < 3) picks.add(rng.pick(offered));
      courses.push(...picks);
      for (const course of courses) {
        const terms: ('S1' | 'S2')[] = course.term === 'year' ? ['S1', 'S2'] : [course.term];
        for (const term of terms) {
          const band = letterOf();
          const credits = course.term === 'year' ? course.credits / 2 : course.credits;
          sink.add('transcript_courses', {
            id: nextId('transcript_courses'),
            student_id: student.id,
            school_year: schoolYear,
            school_name: student.schoolName,
            grade_level: grade,
            course_code: course.code,
            course_title: course.title,
            term,
            letter: band.letter,
            gpa_points: band.gpaPoints,
            gpa_bonus: course.title.startsWith('AP ') ? 1 : 0,
            credits_attempted: credits,
            credits_earned: band.letter === 'F' ? 0 : credits,
            ...changed(),
          });
          this.counts.transcriptCourses++;
        }
      }
    }
  }

  /** Doses at the usual ages; a few students miss one, a few more have an exemption. */
  immunizations(student: { id: number; birth: DateString; grade: number }): void {
    const { sink, nextId, changed, rng, asOf } = this.ctx;
    const skip = rng.chance(0.04) ? rng.pick(VACCINES).code : null;
    const exempt = !skip && rng.chance(0.015) ? rng.pick(['MMR', 'VAR', 'HEPB']) : null;
    for (const v of VACCINES) {
      const vaccineId = this.vaccineIds.get(v.code) as number;
      if (v.code === exempt) {
        sink.add('immunization_exemptions', {
          id: nextId('immunization_exemptions'),
          student_id: student.id,
          vaccine_id: vaccineId,
          kind: rng.chance(0.3) ? 'medical' : 'religious',
          granted_date: addDays(student.birth, 5 * 365 + rng.int(0, 200)),
          expires_date: null,
          ...changed(),
        });
        continue;
      }
      const ages = v.code === skip ? v.ages.slice(0, -1) : v.ages;
      for (const months of ages) {
        const date = addDays(student.birth, Math.round(months * 30.44) + rng.int(0, 40));
        if (date > asOf) continue;
        sink.add('immunization_doses', { id: nextId('immunization_doses'), student_id: student.id, vaccine_id: vaccineId, dose_date: date, ...changed() });
        this.counts.doses++;
      }
    }
  }
}
