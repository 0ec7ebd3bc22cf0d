/**
 * A typical US school-year calendar for the demo district: a late-August start, the federal holidays
 * schools close for, Thanksgiving, winter and spring breaks, 174 instructional days, two semesters
 * split at winter break and four quarters of about equal length.
 */
import {
  addDays,
  eachDay,
  isWeekend,
  lastWeekday,
  nthWeekday,
  onOrAfter,
  ymd,
} from '../calendar/dates.js';
import type { DateString } from '../../db/schema.js';

export type NoSchoolReason = 'weekend' | 'holiday' | 'break' | 'teacher_workday';
/** Keys of the no-school notes; the English text is what is stored (district data, editable later). */
export interface SchoolDay {
  date: DateString;
  instructional: boolean;
  reason: NoSchoolReason | null;
  note: string | null;
  /** the note in Spanish (migration 0041) */
  noteEs: string | null;
}

export interface Period {
  title: string;
  titleEs: string;
  start: DateString;
  end: DateString;
}

export interface SchoolYearPlan {
  /** the calendar year the school year starts in (2026 for 2026–27) */
  startYear: number;
  title: string;
  first: DateString;
  last: DateString;
  days: SchoolDay[];
  semesters: [Period, Period];
  quarters: [Period, Period, Period, Period];
  winterBreak: { first: DateString; last: DateString; resume: DateString };
  springBreak: { first: DateString; last: DateString };
  instructionalDays: number;
}

const MON = 1;
const WED = 3;
const THU = 4;
export const INSTRUCTIONAL_DAYS = 174;

export function planSchoolYear(startYear: number): SchoolYearPlan {
  const y = startYear;
  const closed = new Map<DateString, { reason: NoSchoolReason; note: string; noteEs: string }>();
  const close = (d: DateString, reason: NoSchoolReason, note: string, noteEs: string) => {
    if (!isWeekend(d)) closed.set(d, { reason, note, noteEs });
  };
  const closeRange = (from: DateString, to: DateString, reason: NoSchoolReason, note: string, noteEs: string) => {
    for (const d of eachDay(from, to)) close(d, reason, note, noteEs);
  };

  const first = onOrAfter(ymd(y, 8, 17), WED);
  close(nthWeekday(y, 9, MON, 1), 'holiday', 'Labor Day', 'Día del Trabajo');
  close(nthWeekday(y, 10, MON, 2), 'teacher_workday', 'Professional development day', 'Día de formación profesional');
  const thanksgiving = nthWeekday(y, 11, THU, 4);
  closeRange(addDays(thanksgiving, -1), addDays(thanksgiving, 1), 'break', 'Thanksgiving break', 'Vacaciones de Acción de Gracias');
  const winterFirst = ymd(y, 12, 22);
  const winterLast = ymd(y + 1, 1, 2);
  closeRange(winterFirst, winterLast, 'break', 'Winter break', 'Vacaciones de invierno');
  close(nthWeekday(y + 1, 1, MON, 3), 'holiday', 'Martin Luther King Jr. Day', 'Día de Martin Luther King Jr.');
  close(nthWeekday(y + 1, 2, MON, 3), 'holiday', "Presidents' Day", 'Día de los Presidentes');
  const springFirst = onOrAfter(ymd(y + 1, 3, 15), MON);
  const springLast = addDays(springFirst, 4);
  closeRange(springFirst, springLast, 'break', 'Spring break', 'Vacaciones de primavera');
  close(lastWeekday(y + 1, 5, MON), 'holiday', 'Memorial Day', 'Día de los Caídos');

  const days: SchoolDay[] = [];
  let count = 0;
  let d = first;
  for (; count < INSTRUCTIONAL_DAYS; d = addDays(d, 1)) {
    const off = closed.get(d);
    if (isWeekend(d)) days.push({ date: d, instructional: false, reason: 'weekend', note: null, noteEs: null });
    else if (off) days.push({ date: d, instructional: false, reason: off.reason, note: off.note, noteEs: off.noteEs });
    else {
      days.push({ date: d, instructional: true, reason: null, note: null, noteEs: null });
      count++;
    }
  }
  const last = addDays(d, -1);

  const school = days.filter((x) => x.instructional).map((x) => x.date);
  const s1 = school.filter((x) => x < winterFirst);
  const s2 = school.filter((x) => x > winterLast);
  const half = (list: DateString[]) => Math.ceil(list.length / 2);
  const at = (list: DateString[], i: number) => list[i] as DateString;
  const q1End = at(s1, half(s1) - 1);
  const q3End = at(s2, half(s2) - 1);

  return {
    startYear: y,
    title: `${y}-${String((y + 1) % 100).padStart(2, '0')}`,
    first,
    last,
    days,
    semesters: [
      { title: 'Semester 1', titleEs: 'Semestre 1', start: at(s1, 0), end: at(s1, s1.length - 1) },
      { title: 'Semester 2', titleEs: 'Semestre 2', start: at(s2, 0), end: last },
    ],
    quarters: [
      { title: 'Quarter 1', titleEs: 'Trimestre 1', start: at(s1, 0), end: q1End },
      { title: 'Quarter 2', titleEs: 'Trimestre 2', start: at(s1, half(s1)), end: at(s1, s1.length - 1) },
      { title: 'Quarter 3', titleEs: 'Trimestre 3', start: at(s2, 0), end: q3End },
      { title: 'Quarter 4', titleEs: 'Trimestre 4', start: at(s2, half(s2)), end: last },
    ],
    winterBreak: { first: winterFirst, last: winterLast, resume: at(s2, 0) },
    springBreak: { first: springFirst, last: springLast },
    instructionalDays: count,
  };
}

/** The school year a date falls in: from July 1 on, the one starting that year. */
export function schoolYearStartFor(date: DateString): number {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return month >= 7 ? year : year - 1;
}
