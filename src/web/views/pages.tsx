/** Small pages: errors, "coming soon" and the Parent / Student Resources help pages. */
import type { MessageKey } from '../../i18n/index.js';
import type { PageContext } from './context.js';
import { Layout } from './layout.js';

export function MessagePage({
  ctx,
  title,
  body,
  extra,
}: {
  ctx: PageContext;
  title: string;
  body: string;
  extra?: string;
}) {
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>{body}</p>
      {extra ? <p>{extra}</p> : null}
      <p>
        <a href="/sign-in">{ctx.t('error.home')}</a>
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

const HELP: Record<'parents' | 'students', { title: MessageKey; intro: MessageKey; sections: [MessageKey, MessageKey][] }> = {
  parents: {
    title: 'help.parents.title',
    intro: 'help.parents.intro',
    sections: [
      ['help.parents.account', 'help.parents.accountBody'],
      ['help.parents.children', 'help.parents.childrenBody'],
      ['help.parents.recovery', 'help.parents.recoveryBody'],
      ['help.parents.phone', 'help.parents.phoneBody'],
    ],
  },
  students: {
    title: 'help.students.title',
    intro: 'help.students.intro',
    sections: [
      ['help.students.signIn', 'help.students.signInBody'],
      ['help.students.see', 'help.students.seeBody'],
      ['help.students.recovery', 'help.students.recoveryBody'],
    ],
  },
};

export function ResourcesPage({ ctx, audience }: { ctx: PageContext; audience: 'parents' | 'students' }) {
  const { t, district } = ctx;
  const page = HELP[audience];
  return (
    <Layout ctx={ctx} title={t(page.title)}>
      <div class="usa-prose">
        <h1>{t(page.title)}</h1>
        <p class="usa-intro">{t(page.intro, { portal: district.portalName })}</p>
        {page.sections.map(([heading, body]) => (
          <section key={heading}>
            <h2>{t(heading)}</h2>
            <p>{t(body)}</p>
          </section>
        ))}
        <p>
          <a href="/sign-in">{t('soon.back')}</a>
        </p>
      </div>
    </Layout>
  );
}
