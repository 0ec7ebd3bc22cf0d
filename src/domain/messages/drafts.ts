/**
 * Files attached while a message is being written (issue 21, ADR 0042 addendum). The composer's first
 * step takes files; they pass every check of attachments.ts first (3 files, 5 MB, type by content),
 * then wait in `message_draft_files` under a random draft key and the sender's account while the sender
 * previews, goes back to change the words, or adds files on the preview. Sending moves them into the
 * message (`takeDraftFiles`, in the send's transaction). A draft not sent is gone after DRAFT_HOURS:
 * every write of a draft sweeps the expired ones, so no job is needed and no file outlives a day.
 * Only the account that attached a file can reach it (the key alone names nothing); no page serves
 * a draft file's bytes.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { MAX_ATTACHMENTS, type AttachmentCheck, type AttachmentLine, type CheckedFile } from './attachments.js';

/** How long files attached to a draft are kept when the message is not sent. */
export const DRAFT_HOURS = 24;

/** A draft key as the form carries it, or null when it cannot be one. */
export function draftKey(value: unknown): string | null {
  return typeof value === 'string' && /^[0-9a-f]{32}$/.test(value) ? value : null;
}

/** A file of a draft as a page lists it (never its bytes); `messageId` is 0: it belongs to no message yet. */
export type DraftFile = AttachmentLine;

/** The instant before which a draft's files are expired. */
function expiry(now: Date): string {
  return new Date(now.getTime() - DRAFT_HOURS * 3_600_000).toISOString();
}

/** A draft's unexpired files of this account, in their order. */
function filesOf(db: Kysely<DB>, accountId: number, key: string, now: Date) {
  return db.selectFrom('message_draft_files').where('account_id', '=', accountId).where('draft_key', '=', key).where('created_at', '>=', expiry(now)).orderBy('position');
}

/** The files of a draft, in their order (none when the key is not the account's or they expired). */
export async function draftFiles(db: Kysely<DB>, accountId: number, key: string | null, now: Date): Promise<DraftFile[]> {
  if (key === null) return [];
  const rows = await filesOf(db, accountId, key, now).select(['position', 'file_name', 'media_type', 'byte_size']).execute();
  return rows.map((r) => ({ messageId: 0, position: r.position, fileName: r.file_name, mediaType: r.media_type, size: r.byte_size }));
}

export type KeepResult = { ok: true; key: string | null; files: DraftFile[] } | Extract<AttachmentCheck, { ok: false }>;

/**
 * Keeps a draft's files: those of `keep` (positions the form still lists) stay, the others are dropped,
 * the new checked files are added after them. More than MAX_ATTACHMENTS in all is refused and nothing
 * changes. With no file at all the draft has no key. Expired drafts of everyone are swept here.
 */
export async function keepDraftFiles(db: Kysely<DB>, accountId: number, key: string | null, keep: readonly number[], added: readonly CheckedFile[], now: Date): Promise<KeepResult> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('message_draft_files').where('created_at', '<', expiry(now)).execute();
    const had = await draftFiles(trx, accountId, key, now);
    const kept = had.filter((f) => keep.includes(f.position));
    if (kept.length + added.length > MAX_ATTACHMENTS) return { ok: false, error: 'messages.attach.tooMany', params: { max: MAX_ATTACHMENTS } };
    if (key !== null && kept.length < had.length) {
      await trx
        .deleteFrom('message_draft_files')
        .where('account_id', '=', accountId)
        .where('draft_key', '=', key)
        .where('position', 'not in', kept.length > 0 ? kept.map((f) => f.position) : [0])
        .execute();
    }
    if (kept.length + added.length === 0) return { ok: true, key: null, files: [] };
    const draft = key ?? randomBytes(16).toString('hex');
    let next = Math.max(0, ...kept.map((f) => f.position));
    if (added.length > 0) {
      await trx
        .insertInto('message_draft_files')
        .values(added.map((f) => ({ account_id: accountId, draft_key: draft, position: ++next, file_name: f.fileName, media_type: f.mediaType, byte_size: f.data.length, content: f.data, created_at: now.toISOString() })))
        .execute();
    }
    return { ok: true, key: draft, files: await draftFiles(trx, accountId, draft, now) };
  });
}

/**
 * The files of a draft with their bytes, removed from the draft: the caller sends them in the same
 * transaction, so a failed send keeps them and a sent message leaves nothing behind.
 */
export async function takeDraftFiles(trx: Transaction<DB>, accountId: number, key: string | null, now: Date): Promise<(CheckedFile & { position: number })[]> {
  if (key === null) return [];
  const rows = await filesOf(trx, accountId, key, now).select(['position', 'file_name', 'media_type', 'content']).execute();
  await trx.deleteFrom('message_draft_files').where('account_id', '=', accountId).where('draft_key', '=', key).execute();
  return rows.map((r) => ({ position: r.position, fileName: r.file_name, mediaType: r.media_type, data: Buffer.from(r.content) }));
}
