/**
 * Tagged PDF (PDF/UA's logical structure) for the documents Homeroom writes with pdfkit: a screen reader
 * reads headings as headings and tables as tables, in reading order, and skips page furniture.
 */
import PDFDocument from 'pdfkit';
import type { Locale } from '../i18n/index.js';
import { localeTag } from '../i18n/format.js';

export type Doc = InstanceType<typeof PDFDocument>;
type StructureElement = ReturnType<Doc['struct']>;

/** A letter-size document marked as tagged, in the reader's language, with its title shown as the window title. */
export function taggedDocument(options: { title: string; author: string; locale: Locale; margin: number; bufferPages?: boolean }): { doc: Doc; root: StructureElement } {
  const doc = new PDFDocument({
    size: 'LETTER',
    margin: options.margin,
    bufferPages: options.bufferPages ?? false,
    pdfVersion: '1.7',
    tagged: true,
    lang: localeTag(options.locale),
    displayTitle: true,
    info: { Title: options.title, Author: options.author },
  });
  const root = doc.struct('Document');
  doc.addStructure(root);
  return { doc, root };
}

/**
 * Adds an element of this type under `parent`, drawn now by `draw`; returns it. A table's header cell
 * says whether it heads a column or a row (`scope`), as PDF/UA asks.
 */
export function tag(doc: Doc, parent: StructureElement, type: string, draw?: () => void, options: { scope?: 'Column' | 'Row' } = {}): StructureElement {
  // pdfkit writes `scope` as the cell's /Scope attribute; @types/pdfkit does not list it yet.
  const structOptions = options as Parameters<Doc['struct']>[1];
  const element = draw ? doc.struct(type, structOptions, draw) : doc.struct(type, structOptions);
  parent.add(element);
  return element;
}

/**
 * Draws page furniture (rules, boxes, running footers) outside the logical structure. Never inside a
 * `tag` closure: pdfkit closes the open structure content when an artifact starts.
 */
export function artifact(doc: Doc, draw: () => void, type: 'Pagination' | 'Layout' = 'Layout'): void {
  doc.markContent('Artifact', { type });
  draw();
  doc.endMarkedContent();
}

/** Collects the document's bytes. */
export function bytesOf(doc: Doc): Promise<Buffer> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}
