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

  it('Spanish addresses every reader as usted, never with tú', () => {
    // "tu"/"tus" (your) and "tú" (you) belong to the familiar register; the catalogs speak to families,
    // students and staff alike in the formal one ("su", "usted").
    const familiar = Object.entries(es).filter(([, text]) => /(^|[^\p{L}])(tu|tus|tú)(?![\p{L}])/iu.test(text));
    expect(familiar.map(([key]) => key)).toEqual([]);
  });
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'email.footerHelp', { email: 'help@example.org' })).toBe('Questions? Write to help@example.org.');
    expect(translate('es', 'error.tooMany.body', { seconds: 30 })).toBe('Espere 30 segundos e inténtelo de nuevo.');
    expect(translate('en', 'accessibility.goalBody')).toContain('{portal}');
  });

  it('chooses the plural form by each language\'s rules, and writes the number in its style', () => {
    // Written out by hand for this test, not derived from the catalogs.
    expect(translate('en', 'signIn.wait', { minutes: 1 })).toBe('Too many unsuccessful attempts. Try again in 1 minute.');
    expect(translate('en', 'signIn.wait', { minutes: 15 })).toBe('Too many unsuccessful attempts. Try again in 15 minutes.');
    expect(translate('es', 'signIn.wait', { minutes: 1 })).toBe('Demasiados intentos sin éxito. Inténtelo de nuevo en 1 minuto.');
    expect(translate('es', 'signIn.wait', { minutes: 2 })).toBe('Demasiados intentos sin éxito. Inténtelo de nuevo en 2 minutos.');
    expect(translate('en', 'portal.assignmentCount', { count: 0 })).toBe('0 assignments');
    expect(translate('en', 'portal.assignmentCount', { count: 1 })).toBe('1 assignment');
    expect(translate('en', 'portal.assignmentCount', { count: 1200 })).toBe('1,200 assignments');
    expect(translate('es', 'portal.assignmentCount', { count: 1 })).toBe('1 tarea');
    expect(translate('es', 'portal.dosesMissing', { count: 1 })).toBe('Falta 1');
    expect(translate('es', 'portal.dosesMissing', { count: 3 })).toBe('Faltan 3');
    expect(translate('en', 'signIn.locked', { hours: 1 })).toContain('it is locked for about an hour.');
    expect(translate('es', 'error.tooMany.body', { seconds: 1 })).toBe('Espere 1 segundo e inténtelo de nuevo.');
    // A value left out stays visible rather than breaking the page.
    expect(translate('en', 'requests.count')).toContain('{count, plural');
  });

  it('finds the placeholders of simple and plural messages alike', () => {
    expect(placeholders('{a} and {n, plural, one {# b} other {# bs}} of {c}')).toEqual(['a', 'c', 'n']);
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
      'staffTools.group.',
      'attendanceOffice.problem.',
      'attendanceOffice.recorded',
      'attendanceOffice.excused',
      'attendanceOffice.removed',
      'documents.kind.',
      'changes.status.',
      'changes.approve',
      'changes.reject',
      // notifications: `notifications.${part}.${kind}`, `notifications.kind.${k}`, the digest's modes and weekdays
      'notifications.title.',
      'notifications.body.',
      'notifications.kind.',
      'notifications.settings.digest.',
      'notifications.weekday.',
      'role.', 'password.', 'parentRuns.status.', 'links.rel.', 'contacts.rel.', 'contacts.about.', 'links.noAccount', 'links.noStudent', 'links.revoked', 'links.alreadyLinked', 'links.notLinked'];
    const unused = Object.keys(en).filter(
      (key) => !source.includes(`'${key}'`) && !source.includes(`"${key}"`) && !dynamic.some((p) => key.startsWith(p)),
    );
    expect(unused).toEqual([]);
  });
});
