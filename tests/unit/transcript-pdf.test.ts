import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { transcriptPdf } from '../../src/documents/transcript.js';
import type { TranscriptCourse, TranscriptView } from '../../src/domain/gradebook/transcript.js';
import type { Locale } from '../../src/i18n/index.js';
import { pdfStructure } from '../support/pdf.js';

const PDFTOTEXT = '/usr/bin/pdftotext';
const PAGE_WIDTH = 612; // LETTER, in points
const LONG_TITLE = 'Interdisciplinary Seminar in Environmental Science, Public Policy and Community Data Analysis with Field Practicum Lab 2';

const district = { name: 'Cedar Valley Public Schools', portalName: 'Homeroom' };
const student = { name: 'Ana María Pérez', number: '1002003', school: 'Cedar Valley High School', grade: 11, birthDate: '2008-03-05' };

function course(schoolYear: number, gradeLevel: number, i: number, over: Partial<TranscriptCourse> = {}): TranscriptCourse {
  return {
    schoolYear,
    school: 'Cedar Valley High School',
    gradeLevel,
    code: `G${gradeLevel}-${String(i).padStart(3, '0')}`,
    title: `Course ${gradeLevel}.${i}`,
    term: (['S1', 'S2', 'Year'] as const)[i % 3]!,
    letter: (['A', 'B+', 'C-', 'F', 'A-'] as const)[i % 5]!,
    gpaPoints: 3,
    gpaBonus: i % 4 === 0 ? 0.5 : 0,
    attempted: 0.5,
    earned: i % 5 === 3 ? 0 : 0.5,
    ...over,
  };
}

function year(schoolYear: number, gradeLevel: number, courses: TranscriptCourse[], school = 'Cedar Valley High School') {
  const sum = (key: 'attempted' | 'earned') => Math.round(courses.reduce((s, c) => s + c[key], 0) * 100) / 100;
  return { schoolYear, gradeLevel, school, courses, attempted: sum('attempted'), earned: sum('earned') };
}

const years = [
  year(2023, 9, [course(2023, 9, 0), course(2023, 9, 1, { attempted: 1, earned: 1 }), course(2023, 9, 2), course(2023, 9, 3)], 'Ridge Middle-High School'),
  year(2024, 10, Array.from({ length: 60 }, (_, i) => course(2024, 10, i, i === 7 ? { title: LONG_TITLE, letter: 'B-' } : {}))),
  year(2025, 11, [course(2025, 11, 0, { attempted: 0.25, earned: 0.25 }), course(2025, 11, 1), course(2025, 11, 2)]),
];
const longView: TranscriptView = {
  years,
  attempted: years.reduce((s, y) => s + y.attempted, 0),
  earned: years.reduce((s, y) => s + y.earned, 0),
  gpa: 3.1234,
  weightedGpa: 3.5,
  requiredCredits: 44,
};

const render = (view: TranscriptView, locale: Locale) => transcriptPdf(view, { locale, district, student, printedOn: '2025-05-14' });
const text = (pdf: Buffer) => execFileSync(PDFTOTEXT, ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
const pagesOf = (s: string) => s.split('\f').filter((p) => p.trim() !== '');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every word with its box, per page (pdftotext -bbox). */
interface Word {
  page: number;
  xMin: number;
  xMax: number;
  yMin: number;
  text: string;
}
function words(pdf: Buffer): Word[] {
  const html = execFileSync(PDFTOTEXT, ['-bbox', '-', '-'], { input: pdf, encoding: 'utf8' });
  const out: Word[] = [];
  html.split('<page ').slice(1).forEach((page, index) => {
    for (const m of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)) {
      out.push({ page: index + 1, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), text: m[4]! });
    }
  });
  return out;
}

describe('unofficial transcript PDF', () => {
  it('has the fixture it claims to have', () => {
    expect(LONG_TITLE).toHaveLength(120);
    expect(longView.attempted).toBe(33.75);
    expect(longView.earned).toBe(27.25);
  });

  it('lists every course and the totals, in English, over several pages with the mark on each', async () => {
    const pdf = await render(longView, 'en');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const out = text(pdf);
    const pages = pagesOf(out);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      expect(page, `page ${i + 1}`).toContain('UNOFFICIAL TRANSCRIPT');
      expect(page, `page ${i + 1}`).toContain(`Page ${i + 1} of ${pages.length}`);
    });
    // The first page: the district, the mark, the catalog sentence, the student.
    const first = pages[0]!;
    expect(first).toContain('Cedar Valley Public Schools');
    expect(first.indexOf('UNOFFICIAL TRANSCRIPT')).toBeLessThan(first.indexOf('Ana María Pérez'));
    expect(first).toContain('not valid for admission or transfer');
    expect(first).toContain('Ana María Pérez');
    expect(first).toContain('Student number 1002003');
    expect(first).toContain('Grade 11');
    expect(first).toContain('Date of birth: March 5, 2008');
    expect(first).toContain('2022–23 · Grade 9 · Ridge Middle-High School');
    expect(out).toContain('2023–24 · Grade 10 · Cedar Valley High School');
    expect(out).toContain('2023–24 · Grade 10 · Cedar Valley High School (continued)');
    expect(out).toContain('2024–25 · Grade 11 · Cedar Valley High School');
    // Each course on its own row: term, code, title, letter, credits attempted and earned.
    const lines = out.split('\n');
    for (const y of longView.years) {
      for (const c of y.courses) {
        const row = lines.filter((l) => new RegExp(`\\s${escape(c.code)}\\s`).test(l));
        expect(row, c.code).toHaveLength(1);
        const term = { S1: 'Semester 1', S2: 'Semester 2', Year: 'Full year' }[c.term];
        expect(row[0], c.code).toMatch(new RegExp(`^${term}\\s+${escape(c.code)}\\s+.*\\s${escape(c.letter)}\\s+${escape(String(c.attempted))}\\s+${escape(String(c.earned))}\\s*$`));
      }
      const total = `Total for ${y.schoolYear - 1}–${String(y.schoolYear).slice(2)}`;
      expect(out).toMatch(new RegExp(`${total}\\s+${escape(String(y.attempted))}\\s+${escape(String(y.earned))}\\s*$`, 'm'));
    }
    expect(out).toMatch(/Total for 2023–24\s+30\s+24\s*$/m);
    expect(out).toMatch(/Total for 2024–25\s+1\.25\s+1\.25\s*$/m);
    // The long title wraps inside its column: its row has the start of it, the next lines the rest.
    const titleRow = lines.findIndex((l) => l.includes('G10-007'));
    expect(lines[titleRow]).toContain('Interdisciplinary Seminar');
    expect(lines[titleRow]).not.toContain('Practicum');
    expect(lines.slice(titleRow + 1, titleRow + 4).join(' ')).toContain('Practicum Lab 2');
    expect(out).not.toContain(LONG_TITLE);
    // The summary.
    expect(out).toMatch(/Credits earned toward graduation\s+27\.25 of 44/);
    expect(out).toMatch(/Credits attempted, all years\s+33\.75/);
    expect(out).toMatch(/Cumulative GPA \(unweighted\)\s+3\.123\b/);
    expect(out).toMatch(/Cumulative GPA \(weighted\)\s+3\.500\b/);
    expect(out).toContain('Printed on May 14, 2025');
    expect(pages.at(-1)).toContain('Printed on May 14, 2025');
  });

  it('keeps every word inside the page and the columns aligned across pages', async () => {
    const pdf = await render(longView, 'en');
    const all = words(pdf);
    expect(new Set(all.map((w) => w.page)).size).toBeGreaterThan(1);
    for (const w of all) {
      expect(w.xMin, w.text).toBeGreaterThanOrEqual(54 - 0.5);
      expect(w.xMax, w.text).toBeLessThanOrEqual(PAGE_WIDTH - 54 + 0.5);
    }
    // Course codes start at the same x on every page, and so do the titles.
    const codes = all.filter((w) => /^G\d+-\d{3}$/.test(w.text));
    expect(codes).toHaveLength(67);
    expect(new Set(codes.map((w) => w.page)).size).toBeGreaterThan(1);
    expect(new Set(codes.map((w) => w.xMin.toFixed(1))).size).toBe(1);
    const titles = all.filter((w) => w.text === 'Course');
    expect(new Set(titles.map((w) => w.page)).size).toBeGreaterThan(1);
    expect(new Set(titles.map((w) => w.xMin.toFixed(1))).size).toBe(1);
    // The long title, read back from its column, is whole and stays left of the grade column.
    const code = all.find((w) => w.text === 'G10-007')!;
    const next = all.find((w) => w.text === 'G10-008')!;
    expect(next.page).toBe(code.page);
    const titleX = titles[0]!.xMin;
    const letter = all.find((w) => w.page === code.page && w.text === 'B-' && Math.abs(w.yMin - code.yMin) < 1)!;
    expect(letter).toBeDefined();
    const inTitle = all.filter((w) => w.page === code.page && w.yMin > code.yMin - 1 && w.yMin < next.yMin - 1 && w.xMin > titleX - 1 && w.xMin < letter.xMin);
    expect(inTitle.map((w) => w.text).join(' ')).toBe(LONG_TITLE);
    expect(new Set(inTitle.map((w) => w.yMin.toFixed(0))).size).toBeGreaterThan(1);
    for (const w of inTitle) expect(w.xMax, w.text).toBeLessThan(letter.xMin - 4);
  });

  it('speaks Spanish in the Spanish document', async () => {
    const pdf = await render(longView, 'es');
    const out = text(pdf);
    const pages = pagesOf(out);
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, i) => {
      expect(page, `página ${i + 1}`).toContain('EXPEDIENTE NO OFICIAL');
      expect(page, `página ${i + 1}`).toContain(`Página ${i + 1} de ${pages.length}`);
    });
    expect(out).toContain('Cedar Valley Public Schools');
    expect(out).toContain('no es válido para admisiones ni traslados. Pida a Cedar Valley Public Schools un expediente');
    expect(out).toContain('Número de estudiante 1002003');
    expect(out).toContain('Fecha de nacimiento: 5 de marzo de 2008');
    expect(out).toContain('2022–23 · Grado 9 · Ridge Middle-High School');
    expect(out).toContain('(continuación)');
    expect(out).toMatch(/^Semestre 1\s+G10-000\s/m);
    expect(out).toMatch(/^Año completo\s+G10-002\s/m);
    expect(out).toMatch(/Total de 2023–24\s+30\s+24\s*$/m);
    expect(out).toMatch(/Créditos obtenidos para graduarse\s+27\.25 de 44/);
    expect(out).toMatch(/Promedio acumulado \(sin ponderar\)\s+3\.123\b/);
    expect(out).toMatch(/Promedio acumulado \(ponderado\)\s+3\.500\b/);
    expect(out).toContain('Impreso el 14 de mayo de 2025');
    for (const english of ['UNOFFICIAL', 'Printed on', 'Semester', 'Total for', 'Cumulative GPA', 'Date of birth']) expect(out).not.toContain(english);
  });

  it('says there is no GPA yet when the transcript has none, on a single page', async () => {
    const passFail = year(2025, 9, [course(2025, 9, 0, { letter: 'P', gpaPoints: null, gpaBonus: 0 }), course(2025, 9, 1, { letter: 'P', gpaPoints: null, gpaBonus: 0, attempted: 1, earned: 1 })]);
    const view: TranscriptView = { years: [passFail], attempted: 1.5, earned: 1.5, gpa: null, weightedGpa: null, requiredCredits: 24 };
    const en = text(await render(view, 'en'));
    expect(pagesOf(en)).toHaveLength(1);
    expect(en).toContain('UNOFFICIAL TRANSCRIPT');
    expect(en).toContain('Page 1 of 1');
    expect(en).toMatch(/Cumulative GPA \(unweighted\)\s+No GPA yet/);
    expect(en).toMatch(/Cumulative GPA \(weighted\)\s+No GPA yet/);
    expect(en).toMatch(/Credits earned toward graduation\s+1\.5 of 24/);
    expect(en).toMatch(/^Semester 1\s+G9-000\s+Course 9\.0\s+P\s+0\.5\s+0\.5\s*$/m);
    expect(en).not.toContain('†'); // no honors course, no note
    const es = text(await render(view, 'es'));
    expect(es).toMatch(/Promedio acumulado \(sin ponderar\)\s+Todavía no hay promedio/);
    expect(es).toMatch(/Promedio acumulado \(ponderado\)\s+Todavía no hay promedio/);
  });

  it('says so when there are no courses yet', async () => {
    const out = text(await render({ years: [], attempted: 0, earned: 0, gpa: null, weightedGpa: null, requiredCredits: 24 }, 'en'));
    expect(out).toContain('UNOFFICIAL TRANSCRIPT');
    expect(out).toContain('No completed high-school courses yet.');
    expect(out).toMatch(/Credits earned toward graduation\s+0 of 24/);
  });

  it('is a tagged PDF: headings, each year as a table with header cells, page furniture left out', async () => {
    const { tagged, tree } = pdfStructure(await render(longView, 'en'));
    expect(tagged).toBe(true);
    const lines = tree.split('\n');
    const after = (element: string, text: string) => lines.some((l, i) => l.trim() === element && lines[i + 1]?.includes(`"${text}`));
    expect(after('H1 (block)', 'Cedar Valley Public Schools')).toBe(true);
    expect(after('H2 (block)', 'Ana María Pérez')).toBe(true);
    expect(after('H2 (block)', '2023–24')).toBe(true);
    // Three years and the summary: four tables, the year tables with one header row each.
    expect(lines.filter((l) => l.trim().startsWith('Table'))).toHaveLength(4);
    // "Course" is a header cell once per year, never repeated from a continuation page.
    expect(tree.match(/TH:\n\s+\/Scope \/Column\n\s+"Course"\n/g)).toHaveLength(3);
    expect(tree.match(/"Course"/g)).toHaveLength(3);
    expect(after('TD', 'Course 10.59')).toBe(true);
    expect(tree).toContain(`"${LONG_TITLE}"`);
    // Continuation headings and footers are drawn but not read twice.
    expect(text(await render(longView, 'en'))).toMatch(/continued/);
    expect(tree).not.toMatch(/continued/);
    expect(tree).not.toMatch(/Page \d+ of \d+/);
    // Header cells say what they head: the years' columns, the summary's rows.
    const raw = (await render(longView, 'en')).toString('latin1');
    expect(raw.match(/\/Scope \/Column/g)).toHaveLength(3 * 6);
    expect(raw.match(/\/Scope \/Row/g)).toHaveLength(4);
  });
});
