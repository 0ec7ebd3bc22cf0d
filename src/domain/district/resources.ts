/**
 * The Parent and Student Resources pages (seed 000, "Portal Resources"): a "Getting started" section
 * and a FAQ, written by the district in English and Spanish, each falling back to the text shipped
 * with Homeroom where the district left it empty. Plain text: paragraphs split by blank lines; in the
 * FAQ, each block's first line is the question and the lines after it the answer.
 */
import { translate, type Locale, type MessageKey } from '../../i18n/index.js';
import type { PortalSettings } from './settings.js';

export type ResourceAudience = 'parents' | 'students';

export interface ResourcePage {
  gettingStarted: string[];
  faq: { question: string; answer: string[] }[];
}

const DEFAULTS: Record<ResourceAudience, { gettingStarted: MessageKey; faq: MessageKey }> = {
  parents: { gettingStarted: 'resources.parents.gettingStarted.default', faq: 'resources.parents.faq.default' },
  students: { gettingStarted: 'resources.students.gettingStarted.default', faq: 'resources.students.faq.default' },
};

/** The text of each section in one language: the district's own, else Homeroom's. */
export function resourceTexts(settings: Pick<PortalSettings, 'resourcePages'>, audience: ResourceAudience, locale: Locale, params: { portal: string }): { gettingStarted: string; faq: string } {
  const own = settings.resourcePages[audience];
  const pick = (section: 'gettingStarted' | 'faq') => own?.[section]?.[locale]?.trim() || translate(locale, DEFAULTS[audience][section], params);
  return { gettingStarted: pick('gettingStarted'), faq: pick('faq') };
}

/** Paragraphs of plain text: split by blank lines, each trimmed, empty ones left out. */
export function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

/** A page's sections as they are shown. */
export function resourcePage(texts: { gettingStarted: string; faq: string }): ResourcePage {
  return {
    gettingStarted: paragraphs(texts.gettingStarted),
    faq: paragraphs(texts.faq).map((block) => {
      const [question = '', ...answer] = block.split('\n').map((l) => l.trim());
      return { question, answer: answer.filter(Boolean) };
    }),
  };
}
