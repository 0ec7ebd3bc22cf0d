/**
 * Report cards: for each grading period and semester with posted grades, every class with its teacher,
 * the posted letter and percent, the teacher's comment codes (both languages: the page picks the reader's) and comment. Read from the same gradebook data as Grades.
 */
import type { CommentText, StudentGrades } from './grades.js';
import type { Term } from '../scheduling/schedule.js';

export interface ReportCardLine {
  course: string;
  period: string;
  teacher: string | null;
  letter: string | null;
  percent: number | null;
  comment: string | null;
  /** the teacher's report-card comment codes, in their order */
  codes: CommentText[];
}

export interface ReportCard {
  term: Term;
  postedAt: string | null;
  lines: ReportCardLine[];
}

/** A line's comment as a family reads it: each code's text in their language, then the teacher's words. */
export function commentTexts(line: Pick<ReportCardLine, 'codes' | 'comment'>, locale: 'en' | 'es'): string[] {
  return [...line.codes.map((c) => c.text[locale]), ...(line.comment ? [line.comment] : [])];
}

export function reportCardsOf(grades: StudentGrades): ReportCard[] {
  const cards = new Map<number, ReportCard>();
  for (const c of grades.classes) {
    for (const p of c.periods) {
      if (!p.posted) continue;
      const card = cards.get(p.period.id) ?? { term: p.period, postedAt: p.posted.postedAt, lines: [] };
      // The card is as of the last grade posted on it.
      if (card.postedAt === null || p.posted.postedAt > card.postedAt) card.postedAt = p.posted.postedAt;
      card.lines.push({ course: c.class.courseTitle, period: c.class.period, teacher: c.class.teacher, letter: p.posted.letter, percent: p.posted.percent, comment: p.posted.comment, codes: p.posted.codes });
      cards.set(p.period.id, card);
    }
    for (const s of c.semesters) {
      const card = cards.get(s.term.id) ?? { term: s.term, postedAt: null, lines: [] };
      card.lines.push({ course: c.class.courseTitle, period: c.class.period, teacher: c.class.teacher, letter: s.letter, percent: s.percent, comment: s.comment, codes: s.codes });
      cards.set(s.term.id, card);
    }
  }
  return [...cards.values()].sort((a, b) => a.term.start.localeCompare(b.term.start) || a.term.end.localeCompare(b.term.end));
}
