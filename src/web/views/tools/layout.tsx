/** What every portal tool's page has: the tool navigation, the student in the heading, and the term links. */
import type { ComponentChildren } from 'preact';
import { TOOLS_IN_ORDER, toolUrl, type PortalTool } from '../../../domain/portal/tools.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { PageContext } from '../context.js';
import { Layout } from '../layout.js';
import { localName, type LocalName } from '../../../i18n/format.js';

/** The tools of one student the district shows, in the registry's order, with the one open now marked. */
export function ToolNav({ ctx, student, active, label }: { ctx: PageContext; student: VisibleStudent; active?: PortalTool; label?: string }) {
  const { t } = ctx;
  return (
    <nav class="hr-tools" aria-label={label ?? t('portal.tools')}>
      <ul>
        {TOOLS_IN_ORDER.filter(({ key }) => ctx.district.settings.tools[key]).map(({ key, label }) => (
          <li key={key}>
            <a href={toolUrl(student.id, key)} aria-current={key === active ? 'page' : undefined}>
              {t(label)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function PortalLayout({
  ctx,
  student,
  tool,
  title,
  children,
}: {
  ctx: PageContext;
  student: VisibleStudent;
  tool: PortalTool;
  title: string;
  children: ComponentChildren;
}) {
  const name = `${student.firstName} ${student.lastName}`;
  return (
    <Layout ctx={ctx} title={`${title}: ${name}`}>
      <ToolNav ctx={ctx} student={student} active={tool} />
      <h1>
        {title}
        <span class="hr-subtitle">{`${name} · ${student.school} · ${ctx.t('home.gradeN', { grade: student.grade })}`}</span>
      </h1>
      {children}
    </Layout>
  );
}

export function TermLinks({ ctx, base, terms, shownId }: { ctx: PageContext; base: string; terms: { id: number; title: LocalName }[]; shownId: number | undefined }) {
  if (terms.length < 2) return null;
  return (
    <nav aria-label={ctx.t('portal.terms')}>
      <ul class="hr-inline-list">
        {terms.map((term) => (
          <li key={term.id}>
            <a href={`${base}?term=${term.id}`} aria-current={term.id === shownId ? 'page' : undefined}>
              {localName(ctx.locale, term.title)}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
