import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/i18n/en.js';
import { es } from '../../src/i18n/es.js';
import { fromAcceptLanguage, placeholders, translate } from '../../src/i18n/index.js';

describe('message catalogs', () => {
  it('Spanish has exactly the English keys, none empty, with the same placeholders', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const translated = es[key as keyof typeof en];
      expect(translated.trim(), key).not.toBe('');
      expect(placeholders(translated), key).toEqual(placeholders(text));
    }
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'email.footerHelp', { email: 'help@example.org' })).toBe('Questions? Write to help@example.org.');
    expect(translate('es', 'error.tooMany.body', { seconds: 30 })).toBe('Espere 30 segundos e inténtelo de nuevo.');
    expect(translate('en', 'accessibility.goalBody')).toContain('{portal}');
  });

  it.each([
    ['es-MX,es;q=0.9,en;q=0.8', 'es'],
    ['en-US,en;q=0.9', 'en'],
    ['fr-FR,es;q=0.5', 'es'],
    ['fr-FR', undefined],
    ['es;q=0', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('Accept-Language %j → %s', (header, locale) => {
    expect(fromAcceptLanguage(header)).toBe(locale);
  });

  it('views hold no user-facing text outside the catalogs', () => {
    const dir = path.resolve('src/web');
    const files = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.tsx'))
      .map((f) => path.join(dir, f));
    expect(files.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    for (const file of files) {
      const source = fs.readFileSync(file, 'utf8');
      // JSX text: between a tag's end and the next tag or expression, with at least two letters.
      for (const match of source.matchAll(/(?:>|})\s*([^<>{}]*[A-Za-zÀ-ÿ]{2,}[^<>{}]*?)\s*(?:<|{)/g)) {
        const text = (match[1] ?? '').trim();
        // Skip TypeScript generics and arrow functions that the pattern can catch.
        if (/=>|&&|\|\||=|\b(string|number|boolean|Promise|Record|MessageKey|PageContext)\b|[;:(]/.test(text) || /^(else|catch|finally|try|do)$/.test(text) || /^(const|let|export|interface|type|import|return|if|for)\b/.test(text) || /[[\]]/.test(text)) continue;
        offenders.push(`${path.relative(dir, file)}: ${text}`);
      }
      for (const match of source.matchAll(/\b(?:aria-label|title|alt|placeholder)="([^"]*[A-Za-z][^"]*)"/g)) {
        offenders.push(`${path.relative(dir, file)}: attribute "${match[1]}"`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('has no message that nothing uses', () => {
    const dir = path.resolve('src');
    const source = fs
      .readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|tsx)$/.test(f) && !f.startsWith('i18n'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    // Keys built at run time: `role.${role}`, `password.${problem}`, `parentRuns.status.${status}`, `links.${problem}`, `links.rel.${r}`.
    const dynamic = [
      'request.for.',
      'requests.status.',
      'requests.outcome.',
      'requests.quality.',
      'requests.reason.',
      'requests.problem.',
      'requests.done.',
      'email.requestClosed.',
      'changes.field.',
      'portal.excuse.',
      'portal.filter.',
      'portal.flag.',
      'portal.kind.',
      'portal.attention.',
      'portal.termName.',
      'portal.vax.',
      'portal.exemption.',
      'calendar.reason.',
      'documents.kind.',
      'changes.status.',
      'changes.approve',
      'changes.reject',
      'role.', 'password.', 'parentRuns.status.', 'links.rel.', 'links.noAccount', 'links.noStudent', 'links.notYourSchool', 'links.revoked', 'links.alreadyLinked', 'links.notLinked'];
    const unused = Object.keys(en).filter(
      (key) => !source.includes(`'${key}'`) && !source.includes(`"${key}"`) && !dynamic.some((p) => key.startsWith(p)),
    );
    expect(unused).toEqual([]);
  });
});
