/**
 * The pieces the office's item pages share (the school calendar's events, the announcements): a school
 * to pick, a text or date input, the table of items with a change link and one action per row, and the
 * question asked before that action.
 */
import { Fragment, type ComponentChildren } from 'preact';
import type { PageContext } from './context.js';
import { Csrf, describedBy, TableScroll, type FieldMessage } from './forms.js';
import { Layout } from './layout.js';

export interface School {
  id: number;
  name: string;
  /** the grades the school teaches (the event form offers them) */
  gradeLow?: number;
  gradeHigh?: number;
}

/** A one-line input of an item's form (text, date or time), marked up for its label, hint and error. */
export function ItemInput({ id, type = 'text', value, error, hint = false, required = false, max }: { id: string; type?: string; value: string | undefined; error: FieldMessage | undefined; hint?: boolean; required?: boolean; max: number }) {
  return (
    <input
      class={`usa-input${error ? ' usa-input--error' : ''}`}
      id={id}
      name={id}
      type={type}
      value={value ?? ''}
      required={required}
      maxLength={max}
      autocomplete="off"
      aria-describedby={describedBy(id, hint, Boolean(error))}
      aria-invalid={error ? 'true' : undefined}
    />
  );
}

export interface ItemRow {
  id: number;
  title: string;
  where: string;
  when: string;
}

/**
 * The items as a table: title (the row's header), where, when, and the actions — a link to change the
 * item and a form button for the one thing done to it at once (remove an event, end an announcement).
 * On a phone each row is a block, its actions side by side under it (styles: `.hr-items`), so no button
 * hides at the right of a scrolling table.
 */
export function ItemsTable({
  csrf,
  caption,
  headings,
  rows,
  base,
  editLabel,
  action,
}: {
  csrf: string;
  caption: string;
  /** the columns' headings: title, where, when, actions */
  headings: [string, string, string, string];
  rows: ItemRow[];
  /** the items' address: `${base}/${id}` changes one */
  base: string;
  editLabel: string;
  /**
   * the button's path after the item's address ('remove', 'end') and its label; with `confirm`, a link
   * to a page that asks first (GET of the same path), instead of a button that acts at once
   */
  action: { path: string; label: ComponentChildren; confirm?: boolean };
}) {
  return (
    <TableScroll label={caption}>
      <table class="usa-table usa-table--borderless hr-items">
        <caption class="usa-sr-only">{caption}</caption>
        <thead>
          <tr>
            {headings.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <th scope="row">{r.title}</th>
              <td>{r.where}</td>
              <td>{r.when}</td>
              <td class="hr-items__actions">
                <a class="usa-button usa-button--outline" href={`${base}/${r.id}`}>
                  {editLabel}
                  <span class="usa-sr-only">{`: ${r.title}`}</span>
                </a>
                {action.confirm ? (
                  <a class="usa-button usa-button--secondary" href={`${base}/${r.id}/${action.path}`}>
                    {action.label}
                    <span class="usa-sr-only">{`: ${r.title}`}</span>
                  </a>
                ) : (
                  <form method="post" action={`${base}/${r.id}/${action.path}`} class="hr-inline-form">
                    <Csrf token={csrf} />
                    <button class="usa-button usa-button--secondary" type="submit">
                      {action.label}
                      <span class="usa-sr-only">{`: ${r.title}`}</span>
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

export interface ConfirmProps {
  ctx: PageContext;
  /** the question, as the page's title and heading */
  title: string;
  /** the list the item is in: the link back above the heading, and where "keep it" goes */
  list: { href: string; label: string };
  /** what names the item, as label and value, in this order (a null value leaves its line out) */
  facts: [string, string | null][];
  /** what answering yes does */
  warning: string;
  /** where the confirmation is posted, and its button */
  action: string;
  confirm: string;
  /** the way out that changes nothing */
  cancel: string;
}

/**
 * An item's action asked once more (remove an event, end an announcement): the item named, what the
 * action does, a form whose button posts `confirm=yes`, and a link back that changes nothing, apart
 * from each other (on a phone, one above the other). Plain HTML: it works without JavaScript, and the
 * action is never a GET.
 */
export function ConfirmPage({ ctx, title, list, facts, warning, action, confirm, cancel }: ConfirmProps) {
  return (
    <Layout ctx={ctx} title={title}>
      <p>
        <a href={list.href}>{list.label}</a>
      </p>
      <h1>{title}</h1>
      <dl class="hr-settings">
        {facts.map(([label, value]) =>
          value === null ? null : (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </Fragment>
          ),
        )}
      </dl>
      <p>{warning}</p>
      <form method="post" action={action}>
        <Csrf token={ctx.csrf} />
        <input type="hidden" name="confirm" value="yes" />
        <div class="hr-actions">
          <button class="usa-button usa-button--secondary" type="submit">
            {confirm}
          </button>
          <a class="usa-button usa-button--outline" href={list.href}>
            {cancel}
          </a>
        </div>
      </form>
    </Layout>
  );
}
