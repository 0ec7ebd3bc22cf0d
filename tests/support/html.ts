/**
 * Reading server-rendered pages as a person reads them: the text of an element, the rows of a table
 * (found by its caption), without depending on markup details a test does not care about.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** Text of an HTML fragment: tags become spaces, entities are decoded, white space is collapsed. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name] ?? whole;
    })
    .replace(/\s+/g, ' ')
    // a tag that ended just before punctuation left a space there
    .replace(/ ([:;,.)])/g, '$1')
    .trim();
}

/** The text of each cell of each body row of the table whose caption is `caption` (its first match). */
export function tableRows(html: string, caption: string): string[][] {
  const tables = [...html.matchAll(/<table\b[^>]*>([\s\S]*?)<\/table>/g)].map((m) => m[1]!);
  const table = tables.find((t) => {
    const c = /<caption\b[^>]*>([\s\S]*?)<\/caption>/.exec(t);
    return c !== null && textOf(c[1]!) === caption;
  });
  if (table === undefined) throw new Error(`No table with the caption “${caption}”; captions: ${tables.map((t) => textOf(/<caption\b[^>]*>([\s\S]*?)<\/caption>/.exec(t)?.[1] ?? '')).join(' | ')}`);
  const body = /<tbody\b[^>]*>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd]\b[^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)));
}

/** The text of each element with this class (e.g. the cards of Grades), in page order. */
export function textsOfClass(html: string, tag: string, className: string): string[] {
  const re = new RegExp(`<${tag}\\b[^>]*class="[^"]*\\b${className}\\b[^"]*"[^>]*>([\\s\\S]*?)</${tag}>`, 'g');
  return [...html.matchAll(re)].map((m) => textOf(m[1]!));
}

/** The text of the definition list entry whose term is `term`. */
export function definition(html: string, term: string): string | undefined {
  for (const m of html.matchAll(/<dt\b[^>]*>([\s\S]*?)<\/dt>\s*<dd\b[^>]*>([\s\S]*?)<\/dd>/g)) {
    if (textOf(m[1]!) === term) return textOf(m[2]!);
  }
  return undefined;
}

/** The text of each item of the first list (ul or ol) with this class. */
export function listItems(html: string, className: string): string[] {
  const list = new RegExp(`<(ul|ol)\\b[^>]*class="[^"]*\\b${className}\\b[^"]*"[^>]*>([\\s\\S]*?)</\\1>`).exec(html);
  if (!list) throw new Error(`No list with the class ${className}`);
  return [...list[2]!.matchAll(/<li\b[^>]*>([\s\S]*?)<\/li>/g)].map((m) => textOf(m[1]!));
}

/** The html of the section labelled by the heading with this id. */
export function section(html: string, headingId: string): string {
  const m = new RegExp(`<section\\b[^>]*aria-labelledby="${headingId}"[^>]*>([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`No section labelled by #${headingId}`);
  return m[1]!;
}

/** The text of each item of every list in a fragment. */
export function items(html: string): string[] {
  return [...html.matchAll(/<li\b[^>]*>([\s\S]*?)<\/li>/g)].map((m) => textOf(m[1]!));
}
