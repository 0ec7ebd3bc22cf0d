/**
 * A message's files (issue 21, ADR 0042): up to 3, each a PDF or a picture (PNG, JPEG, GIF, WebP) of at
 * most 5 MB, its type read from its first bytes with `file-type` — never from its name or the type the
 * browser claimed. Kept in the database with the message (one copy per message, whatever the number of
 * recipients), written in the message's own transaction. Who may open one is decided in service.ts
 * (`openAttachment`): the message's sender and the people it was delivered to.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { Kysely, Transaction } from 'kysely';
import type { DB, MessageAttachmentTable } from '../../db/schema.js';
import type { MessageKey } from '../../i18n/index.js';

export const MAX_ATTACHMENTS = 3;
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;

type MediaType = MessageAttachmentTable['media_type'];
const EXTENSIONS: Record<MediaType, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** A file as it came from the form: its name as the sender's device gave it, its bytes, whether it was cut at the limit. */
export interface Upload {
  fileName: string;
  data: Buffer;
  truncated: boolean;
}

/** A file that passed every check, ready to be stored. */
export interface CheckedFile {
  fileName: string;
  mediaType: MediaType;
  data: Buffer;
}

export type AttachmentCheck = { ok: true; files: CheckedFile[] } | { ok: false; error: MessageKey; params: Record<string, string | number> };

/**
 * Checks the files of one message or reply. `more` says the form sent more files than it may (the
 * multipart reader stopped counting at the limit). A file input left empty (no name, no bytes) is no file.
 */
export async function checkAttachments(uploads: readonly Upload[], more = false): Promise<AttachmentCheck> {
  const given = uploads.filter((u) => u.fileName !== '' || u.data.length > 0);
  if (more || given.length > MAX_ATTACHMENTS) return { ok: false, error: 'messages.attach.tooMany', params: { max: MAX_ATTACHMENTS } };
  const files: CheckedFile[] = [];
  for (const u of given) {
    const name = displayName(u.fileName);
    if (u.truncated || u.data.length > MAX_ATTACHMENT_BYTES) return { ok: false, error: 'messages.attach.tooLarge', params: { name, max: 5 } };
    if (u.data.length === 0) return { ok: false, error: 'messages.attach.empty', params: { name } };
    const type = await fileTypeFromBuffer(u.data);
    const mediaType = type?.mime as MediaType | undefined;
    if (!mediaType || !(mediaType in EXTENSIONS)) return { ok: false, error: 'messages.attach.badType', params: { name } };
    files.push({ fileName: safeFileName(u.fileName, mediaType), mediaType, data: u.data });
  }
  return { ok: true, files };
}

/** A name to show in a message: the last part of a path, without control characters, bounded. */
function displayName(raw: string): string {
  return baseName(raw) || '—';
}

function baseName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  return base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, 100);
}

/**
 * The name a file is stored and served under: the sender's name without its path, control or quoting
 * characters, at most 100 characters, ending in the extension of the type its content has (a
 * "report.exe" that is a PDF is served as "report.exe.pdf", opened by a PDF reader).
 */
export function safeFileName(raw: string, mediaType: MediaType): string {
  const ext = EXTENSIONS[mediaType];
  let base = baseName(raw)
    .replace(/["'`<>:|?*;%]/g, '_')
    .replace(/^\.+/, '')
    .replace(/\s+/g, ' ');
  const dot = base.lastIndexOf('.');
  const current = dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
  const same = current === ext || (ext === 'jpg' && current === 'jpeg');
  if (!same) base = `${base || 'file'}.${ext}`;
  if (base.length > 100) base = `${base.slice(0, 95 - ext.length)}….${ext}`;
  return base === `.${ext}` || base === '' ? `file.${ext}` : base;
}

/** Stores the checked files of a message, in the caller's transaction. */
export async function storeAttachments(trx: Transaction<DB>, messageId: number, files: readonly CheckedFile[], now: Date): Promise<void> {
  if (files.length === 0) return;
  await trx
    .insertInto('message_attachments')
    .values(files.map((f, i) => ({ message_id: messageId, position: i + 1, file_name: f.fileName, media_type: f.mediaType, byte_size: f.data.length, content: f.data, created_at: now.toISOString() })))
    .execute();
}

/** What a page lists of a file: never its bytes. */
export interface AttachmentLine {
  messageId: number;
  position: number;
  fileName: string;
  mediaType: MediaType;
  size: number;
}

/** The files of these messages (already read by the caller's rules), by message, in their order. */
export async function attachmentsOf(db: Kysely<DB>, messageIds: readonly number[]): Promise<Map<number, AttachmentLine[]>> {
  const out = new Map<number, AttachmentLine[]>();
  if (messageIds.length === 0) return out;
  const rows = await db
    .selectFrom('message_attachments')
    .select(['message_id', 'position', 'file_name', 'media_type', 'byte_size'])
    .where('message_id', 'in', [...messageIds])
    .orderBy('message_id')
    .orderBy('position')
    .execute();
  for (const r of rows) {
    const list = out.get(r.message_id) ?? [];
    list.push({ messageId: r.message_id, position: r.position, fileName: r.file_name, mediaType: r.media_type, size: r.byte_size });
    out.set(r.message_id, list);
  }
  return out;
}

/** The headers a file is served with: a PDF downloads, a picture shows; the browser never guesses a type. */
export function attachmentHeaders(file: { fileName: string; mediaType: MediaType; size: number }): Record<string, string> {
  const ascii = file.fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const disposition = file.mediaType === 'application/pdf' ? 'attachment' : 'inline';
  return {
    'content-type': file.mediaType,
    'content-length': String(file.size),
    'content-disposition': `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'private, no-store',
    // A file is never a page: nothing in it runs, even opened on its own (a picture still shows: its
    // document loads it from this origin, which a sandbox would make opaque and the resource policy refuse).
    'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
  };
}
