/**
 * Documents: what a family can open as a PDF for one student — the unofficial transcript once it has a
 * year on it, then the report card of every grading period with posted grades, newest first — each only
 * while its own tool is turned on.
 */
import type { Kysely } from 'kysely';
import type { DateString, DB } from '../../db/schema.js';
import type { ReadableStudent } from '../access/portal.js';
import { gradesOf } from '../gradebook/grades.js';
import { reportCardsOf } from '../gradebook/report-cards.js';
import { transcriptOf } from '../gradebook/transcript.js';
import type { Term } from '../scheduling/schedule.js';
import type { PortalSettings } from '../district/settings.js';

export type FamilyDocument =
  /** made fresh at each opening, so as of today */
  | { kind: 'transcript'; asOf: DateString }
  /** as of the last grade posted on it */
  | { kind: 'reportCard'; term: Term; postedAt: string | null };

export async function documentsOf(
  db: Kysely<DB>,
  student: ReadableStudent,
  today: DateString,
  settings: Pick<PortalSettings, 'tools' | 'graduationCredits'>,
): Promise<FamilyDocument[]> {
  const documents: FamilyDocument[] = [];
  if (settings.tools.transcript) {
    const transcript = await transcriptOf(db, student, settings.graduationCredits);
    if (transcript.years.length > 0) documents.push({ kind: 'transcript', asOf: today });
  }
  if (settings.tools.reportCards) {
    const cards = reportCardsOf(await gradesOf(db, student, today));
    for (const card of [...cards].reverse()) documents.push({ kind: 'reportCard', term: card.term, postedAt: card.postedAt });
  }
  return documents;
}
