/** To Do: what is left to do, for one student or, for a guardian, each child in turn. */
import type { TodoGroup, TodoItem } from '../../../domain/todo/registry.js';
import type { VisibleStudent } from '../../../domain/people/visibility.js';
import type { MessageKey } from '../../../i18n/index.js';
import type { PageContext } from '../context.js';
import { formatDay } from '../format.js';
import { Layout } from '../layout.js';
import { PortalLayout } from './layout.js';

/** The name of each kind of item; a kind a source adds without a name here reads as a plain "To do". */
const KINDS: Record<string, MessageKey> = {
  assignmentDue: 'todo.kind.assignmentDue',
  assignmentMissing: 'todo.kind.assignmentMissing',
  message: 'todo.kind.message',
  form: 'todo.kind.form',
  fee: 'todo.kind.fee',
};
function kindName(ctx: PageContext, kind: string): string {
  return ctx.t(Object.hasOwn(KINDS, kind) ? KINDS[kind]! : 'todo.kind.other');
}

function Items({ ctx, items, headingId }: { ctx: PageContext; items: TodoItem[]; headingId: string }) {
  const { t, locale } = ctx;
  if (items.length === 0) return <p>{t('todo.nothing')}</p>;
  return (
    <ul class="usa-list usa-list--unstyled" aria-labelledby={headingId}>
      {items.map((item, i) => (
        <li key={i} class="margin-bottom-2">
          <a href={item.url}>{item.title}</a>
          <p class="hr-post__meta">{[kindName(ctx, item.kind), item.due ? t('todo.due', { day: formatDay(item.due, locale, true) }) : null].filter(Boolean).join(' · ')}</p>
        </li>
      ))}
    </ul>
  );
}

/** One student's list, on the student's tool page. */
export function TodoPage({ ctx, student, items }: { ctx: PageContext; student: VisibleStudent; items: TodoItem[] }) {
  const { t } = ctx;
  return (
    <PortalLayout ctx={ctx} student={student} tool="todo" title={t('todo.title')}>
      <p id="todo-list">{t('todo.intro')}</p>
      <Items ctx={ctx} items={items} headingId="todo-list" />
    </PortalLayout>
  );
}

/** The reader's whole list: a guardian's children one after another, each under their name. */
export function TodoAllPage({ ctx, groups }: { ctx: PageContext; groups: TodoGroup[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('todo.title')} switcher={false}>
      <h1>{t('todo.title')}</h1>
      <p>{t('todo.intro')}</p>
      {groups.length === 0 ? <p>{t('todo.nothing')}</p> : null}
      {groups.map((g, i) => {
        const id = `todo-${g.student?.id ?? 'own'}`;
        return (
          <section key={i} aria-labelledby={id}>
            <h2 id={id}>{g.student ? `${g.student.firstName} ${g.student.lastName}` : t('todo.yours')}</h2>
            <Items ctx={ctx} items={g.items} headingId={id} />
          </section>
        );
      })}
    </Layout>
  );
}
