/** Small pages: errors, "coming soon" and the Parent / Student Resources help pages. */
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Layout } from './layout.js';
import { paragraphs, resourcePage, resourceTexts, type ResourceAudience } from '../../domain/district/resources.js';

/**
 * A page that tells one thing (an error, a record not found, a step done) and one way on from it: the
 * page the reader came from when the caller names it (`back`: a list whose row is gone), else their Home
 * when signed in, else the sign-in page.
 */
export function MessagePage({
  ctx,
  title,
  body,
  extra,
  back,
}: {
  ctx: PageContext;
  title: string;
  body: string;
  extra?: string;
  back?: { href: string; label: string };
}) {
  const way = back ?? (ctx.account ? { href: '/home', label: ctx.t('error.homeSignedIn') } : { href: '/sign-in', label: ctx.t('error.home') });
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>{body}</p>
      {extra ? <p>{extra}</p> : null}
      <p>
        <a href={way.href}>{way.label}</a>
      </p>
    </Layout>
  );
}

/** A statement page: a title, an introduction, sections of plain text, and how to reach the district. */
interface Statement {
  title: MessageKey;
  intro: MessageKey;
  sections: [MessageKey, MessageKey[]][];
  contact: MessageKey;
}

const STATEMENTS: Record<'accessibility' | 'privacy', Statement> = {
  accessibility: {
    title: 'accessibility.title',
    intro: 'accessibility.intro',
    sections: [
      ['accessibility.goal', ['accessibility.goalBody']],
      ['accessibility.checked', ['accessibility.checkedBody']],
      ['accessibility.works', ['accessibility.worksKeyboard', 'accessibility.worksZoom', 'accessibility.worksLanguage', 'accessibility.worksText', 'accessibility.worksPdf']],
      ['accessibility.limits', ['accessibility.limitsCalendar']],
    ],
    contact: 'accessibility.contact',
  },
  privacy: {
    title: 'privacy.title',
    intro: 'privacy.intro',
    sections: [
      ['privacy.records', ['privacy.recordsBody']],
      ['privacy.who', ['privacy.whoBody']],
      ['privacy.account', ['privacy.accountBody']],
      ['privacy.cookies', ['privacy.cookiesBody', 'privacy.cookiesNone']],
      ['privacy.email', ['privacy.emailBody']],
      ['privacy.feed', ['privacy.feedBody']],
      ['privacy.rights', ['privacy.rightsBody']],
    ],
    contact: 'privacy.contact',
  },
};

/** The accessibility statement and the privacy notice, linked from every page's footer. */
export function StatementPage({ ctx, page }: { ctx: PageContext; page: keyof typeof STATEMENTS }) {
  const { t, district } = ctx;
  const statement = STATEMENTS[page];
  const values = { portal: district.portalName, district: district.name, minutes: district.settings.sessionIdleMinutes };
  return (
    <Layout ctx={ctx} title={t(statement.title)}>
      <div class="usa-prose">
        <h1>{t(statement.title)}</h1>
        <p class="usa-intro">{t(statement.intro, values)}</p>
        {statement.sections.map(([heading, paragraphs]) => (
          <section key={heading}>
            <h2>{t(heading)}</h2>
            {paragraphs.length > 1 && page === 'accessibility' ? (
              <ul>
                {paragraphs.map((key) => (
                  <li key={key}>{t(key, values)}</li>
                ))}
              </ul>
            ) : (
              paragraphs.map((key) => <p key={key}>{t(key, values)}</p>)
            )}
          </section>
        ))}
        <section>
          <h2>{t('statement.contactHeading')}</h2>
          <p>
            {t(statement.contact, values)}{' '}
            {district.helpEmail ? <a href={`mailto:${district.helpEmail}`}>{district.helpEmail}</a> : t('statement.contactOffice')}
          </p>
        </section>
        <p>
          <a href={ctx.account ? '/home' : '/sign-in'}>{ctx.account ? t('statement.backHome') : t('soon.back')}</a>
        </p>
      </div>
    </Layout>
  );
}

const TITLE: Record<ResourceAudience, { title: MessageKey; intro: MessageKey }> = {
  parents: { title: 'help.parents.title', intro: 'help.parents.intro' },
  students: { title: 'help.students.title', intro: 'help.students.intro' },
};

/** Plain text as paragraphs (split by blank lines). */
export function HelpText({ text }: { text: string }) {
  return (
    <>
      {paragraphs(text).map((p, i) => (
        <p key={i}>{p}</p>
      ))}
    </>
  );
}

export type ResourceTexts = { gettingStarted: string; faq: string };

/** A Resources page's two sections: Getting started, and the questions with their answers. */
export function ResourceSections({ texts, headings, headingLevel = 2 }: { texts: ResourceTexts; headings: { gettingStarted: string; faq: string }; headingLevel?: 2 | 5 }) {
  const page = resourcePage(texts);
  const H = headingLevel === 2 ? 'h2' : 'h5';
  const Q = headingLevel === 2 ? 'h3' : 'h6';
  return (
    <>
      <section aria-labelledby={headingLevel === 2 ? 'getting-started' : undefined}>
        <H id={headingLevel === 2 ? 'getting-started' : undefined}>{headings.gettingStarted}</H>
        {page.gettingStarted.map((p, i) => (
          <p key={i}>{p}</p>
        ))}
      </section>
      <section aria-labelledby={headingLevel === 2 ? 'faq' : undefined}>
        <H id={headingLevel === 2 ? 'faq' : undefined}>{headings.faq}</H>
        {page.faq.map((item, i) => (
          <div key={i}>
            <Q>{item.question}</Q>
            {item.answer.map((a, j) => (
              <p key={j}>{a}</p>
            ))}
          </div>
        ))}
      </section>
    </>
  );
}

/** The Parent or Student Resources page (seed 000): the district's texts, or Homeroom's where it wrote none. */
export function ResourcesPage({ ctx, audience }: { ctx: PageContext; audience: ResourceAudience }) {
  const { t, district } = ctx;
  const page = TITLE[audience];
  const texts = resourceTexts(district.settings, audience, ctx.locale, { portal: district.portalName });
  return (
    <Layout ctx={ctx} title={t(page.title)}>
      <div class="usa-prose">
        <h1>{t(page.title)}</h1>
        <p class="usa-intro">{t(page.intro, { portal: district.portalName })}</p>
        <ResourceSections texts={texts} headings={{ gettingStarted: t('resources.gettingStarted'), faq: t('resources.faq') }} />
        <p>
          <a href="/sign-in">{t('soon.back')}</a>
        </p>
      </div>
    </Layout>
  );
}
