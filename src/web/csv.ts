/** CSV downloads that staff open in a spreadsheet. */
import { stringify } from 'csv-stringify/sync';

/**
 * A cell a spreadsheet will not run: text starting with =, +, -, @ (or a tab or carriage return, which
 * some spreadsheets skip before reading a formula) gets a leading apostrophe (OWASP, CSV injection).
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Rows to CSV text with a header line, every cell made spreadsheet-safe. */
export function csvOf<K extends string>(columns: readonly K[], rows: readonly Record<K, string | number>[]): string {
  return stringify(
    rows.map((r) => Object.fromEntries(columns.map((c) => [c, spreadsheetSafe(String(r[c]))]))),
    { header: true, columns: [...columns] },
  );
}
