/** The names files are served under, and the checks by content (ADR 0042). */
import { describe, expect, it } from 'vitest';
import { checkAttachments, safeFileName } from '../../src/domain/messages/attachments.js';

const PDF = Buffer.from('%PDF-1.7\n%%EOF\n', 'latin1');
const GIF = Buffer.from('R0lGODlhAQABAAAAACw=', 'base64');

describe('message attachments', () => {
  it('names a file by its content, without its path or quoting characters', () => {
    expect(safeFileName('report.pdf', 'application/pdf')).toBe('report.pdf');
    expect(safeFileName('/tmp/../x/Report.PDF', 'application/pdf')).toBe('Report.PDF');
    expect(safeFileName('setup.exe', 'application/pdf')).toBe('setup.exe.pdf');
    expect(safeFileName('photo.jpeg', 'image/jpeg')).toBe('photo.jpeg');
    expect(safeFileName('"a";b.png', 'image/png')).toBe('_a__b.png');
    expect(safeFileName('..', 'image/gif')).toBe('file.gif');
    expect(safeFileName('', 'image/webp')).toBe('file.webp');
    expect(safeFileName('line\nbreak\u202e.pdf', 'application/pdf')).toBe('linebreak.pdf');
    const long = safeFileName(`${'a'.repeat(300)}.pdf`, 'application/pdf');
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long.endsWith('.pdf')).toBe(true);
  });

  it('takes what the content is, never the name', async () => {
    const ok = await checkAttachments([
      { fileName: 'minutes.txt', data: PDF, truncated: false },
      { fileName: 'dot', data: GIF, truncated: false },
      { fileName: '', data: Buffer.alloc(0), truncated: false },
    ]);
    expect(ok.ok && ok.files.map((f) => [f.fileName, f.mediaType])).toEqual([
      ['minutes.txt.pdf', 'application/pdf'],
      ['dot.gif', 'image/gif'],
    ]);
    expect(await checkAttachments([{ fileName: 'x.pdf', data: Buffer.from('<html><script>'), truncated: false }])).toEqual({ ok: false, error: 'messages.attach.badType', params: { name: 'x.pdf' } });
    expect(await checkAttachments([{ fileName: 'big.pdf', data: PDF, truncated: true }])).toEqual({ ok: false, error: 'messages.attach.tooLarge', params: { name: 'big.pdf', max: 5 } });
    expect(await checkAttachments([], true)).toEqual({ ok: false, error: 'messages.attach.tooMany', params: { max: 3 } });
    const four = Array.from({ length: 4 }, (_, i) => ({ fileName: `${i}.pdf`, data: PDF, truncated: false }));
    expect((await checkAttachments(four)).ok).toBe(false);
  });
});
