/**
 * Text a person wrote (a discussion post, a topic's prompt), shown as it was typed and never as HTML:
 * paragraphs and line breaks kept, and an http(s) address made a link that opens without handing over
 * the page (rel="nofollow noopener noreferrer ugc"). Preact escapes every text node, so markup typed
 * into a post shows as text.
 */
const ADDRESS = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]}'»”]/g;

function withLinks(line: string) {
  const parts: (string | { href: string })[] = [];
  let last = 0;
  for (const match of line.matchAll(ADDRESS)) {
    const at = match.index ?? 0;
    if (at > last) parts.push(line.slice(last, at));
    parts.push({ href: match[0] });
    last = at + match[0].length;
  }
  if (last < line.length) parts.push(line.slice(last));
  return parts.map((p, i) =>
    typeof p === 'string' ? (
      p
    ) : (
      <a key={i} href={p.href} rel="nofollow noopener noreferrer ugc">
        {p.href}
      </a>
    ),
  );
}

export function PlainText({ text }: { text: string }) {
  return (
    <>
      {text.split(/\n{2,}/).map((paragraph, i) => (
        <p key={i} class="hr-plain-text">
          {paragraph.split('\n').map((line, j) => (
            <>
              {j > 0 ? <br /> : null}
              {withLinks(line)}
            </>
          ))}
        </p>
      ))}
    </>
  );
}
