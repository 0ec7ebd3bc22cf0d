/**
 * The pieces the office's item pages share (the school calendar's events, the announcements): a school
 * to pick, a text or date input, and the table of items with a change link and one action per row.
 */
import type { ComponentChildren } from 'preact';
import { Csrf, describedBy, TableScroll, type FieldMessage } from './forms.js';

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
