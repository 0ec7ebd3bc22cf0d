/** Pieces several tools show: a grade, an assignment's flags and score, a table of assignments. */
import type { AssignmentView } from '../../../domain/gradebook/grades.js';
import type { Translate } from '../../../i18n/index.js';
import type { PageContext } from '../context.js';
import { formatDay, formatPercent, formatPoints } from '../format.js';

export function GradeValue({ ctx, percent, letter }: { ctx: PageContext; percent: number | null; letter: string | null }) {
  if (percent === null) return <span>{ctx.t('portal.noGradeYet')}</span>;
  return (
    <span>
      <strong class="hr-grade">{letter ?? ''}</strong> {formatPercent(percent, ctx.locale)}
    </span>
  );
}

/**
 * The language of words staff wrote (a teacher's comment): the district's, marked when it is not the
 * page's (WCAG 2.1, 3.1.2 Language of Parts), so a screen reader reads "Turned in late." in English on a
 * Spanish page, and a reader knows it is the teacher's own words, not the portal's.
 */
export function staffLang(ctx: PageContext): string | undefined {
  return ctx.district.locale !== ctx.locale ? ctx.district.locale : undefined;
}

/** "Teacher's comment: …" with the teacher's words in their own language. */
export function TeacherComment({ ctx, comment }: { ctx: PageContext; comment: string }) {
  const [before = '', after = ''] = ctx.t('portal.teacherComment', { comment: '\u0000' }).split('\u0000');
  return (
    <span class="hr-comment">
      {before}
      <span lang={staffLang(ctx)}>{comment}</span>
      {after}
    </span>
  );
}

function Flags({ t, a }: { t: Translate; a: AssignmentView }) {
  const flags = [
    a.missing ? 'missing' : null,
    a.late ? 'late' : null,
    a.exempt ? 'exempt' : null,
    a.incomplete ? 'incomplete' : null,
    // A missing zero the drop-lowest rule drops stays Missing only: the work is still owed (ADR 0025).
    a.dropped || (a.status === 'droppedByRule' && !a.missing) ? 'dropped' : null,
  ].filter((f): f is 'missing' | 'late' | 'exempt' | 'incomplete' | 'dropped' => f !== null);
  if (flags.length === 0) return null;
  return (
    <>
      {flags.map((f) => (
        <span key={f} class={`usa-tag hr-flag hr-flag--${f}`}>
          {t(`portal.flag.${f}`)}
        </span>
      ))}
    </>
  );
}

export function scoreText(ctx: PageContext, a: AssignmentView): string {
  const { t, locale } = ctx;
  if (a.points !== null) return `${formatPoints(a.points, locale)} / ${formatPoints(a.pointsPossible, locale)}`;
  if (a.missing) return `0 / ${formatPoints(a.pointsPossible, locale)}`;
  // dropped with nothing entered: there is nothing to score, not a score to come
  if (a.dropped) return '—';
  if (a.status === 'upcoming') return t('portal.notDue');
  return t('portal.notScored');
}

export function AssignmentTable({ ctx, assignments, caption, showClass, classTitle }: { ctx: PageContext; assignments: AssignmentView[]; caption: string; showClass: boolean; classTitle?: (sectionId: number) => string }) {
  const { t, locale } = ctx;
  return (
    <div class="hr-stacked">
      <table class="usa-table usa-table--borderless usa-table--stacked">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('portal.due')}</th>
            {showClass ? <th scope="col">{t('portal.course')}</th> : null}
            <th scope="col">{t('portal.assignment')}</th>
            <th scope="col">{t('portal.score')}</th>
            <th scope="col">{t('portal.percent')}</th>
            <th scope="col">{t('portal.flags')}</th>
          </tr>
        </thead>
        <tbody>
          {assignments.map((a) => (
            <tr key={a.id}>
              <td data-label={t('portal.due')}>{formatDay(a.due, locale)}</td>
              {showClass ? <td data-label={t('portal.course')}>{classTitle?.(a.sectionId) ?? ''}</td> : null}
              <th scope="row" data-label={t('portal.assignment')}>
                {a.title}
                <span class="hr-muted">{a.category}</span>
                {a.comment ? <TeacherComment ctx={ctx} comment={a.comment} /> : null}
              </th>
              <td data-label={t('portal.score')}>{scoreText(ctx, a)}</td>
              <td data-label={t('portal.percent')}>{a.missing && a.points === null ? formatPercent(0, locale) : formatPercent(a.percent, locale)}</td>
              <td data-label={t('portal.flags')}>
                <Flags t={t} a={a} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
