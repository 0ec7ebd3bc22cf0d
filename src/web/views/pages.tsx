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

export function ComingSoonPage({ ctx, feature }: { ctx: PageContext; feature: MessageKey }) {
  const { t, district } = ctx;
  return (
    <Layout ctx={ctx} title={t('soon.title')}>
      <h1>{t('soon.title')}</h1>
      <p>{t('soon.body', { feature: t(feature), portal: district.portalName })}</p>
      {district.helpEmail ? <p>{t('soon.help', { email: district.helpEmail })}</p> : null}
      <p>
        <a href="/sign-in">{t('soon.back')}</a>
      </p>
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
