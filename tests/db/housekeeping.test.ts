import { expect, it } from 'vitest';
import { accountHousekeeping } from '../../src/domain/accounts/housekeeping.js';
import { describeEachEngine } from '../support/db.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const DAY = 86_400_000;

describeEachEngine('account housekeeping', (get) => {
  it('removes ended sessions, stale counters and old tokens, and keeps the rest', async () => {
    const { db } = get();
    const t = NOW.toISOString();
    await db.insertInto('guardians').values({ id: 1, first_name: 'Ana', last_name: 'Ruiz', created_at: t, updated_at: t, updated_by: null }).execute();
    await db
      .insertInto('user_accounts')
      .values({ id: 1, username: 'ana', username_key: 'ana', person_kind: 'guardian', guardian_id: 1, created_at: t, updated_at: t, updated_by: null })
      .execute();
    const session = (id: string, expires: string) => ({ id, account_id: 1, created_at: ago(DAY), last_seen_at: ago(DAY), expires_at: expires, ip: null, user_agent: null });
    await db.insertInto('sessions').values([session('ended', ago(1000)), session('live', new Date(NOW.getTime() + DAY).toISOString())]).execute();
    await db
      .insertInto('throttle')
      .values([
        { key: 'user:stale', failures: 3, window_start: ago(2 * DAY), blocked_until: null },
        { key: 'user:locked', failures: 100, window_start: ago(2 * DAY), blocked_until: null },
        { key: 'user:recent', failures: 3, window_start: ago(1000), blocked_until: null },
      ])
      .execute();
    const token = (hash: string, expires: string) => ({ account_id: 1, purpose: 'reset_password' as const, token_hash: hash, email: null, created_at: ago(40 * DAY), expires_at: expires, used_at: null });
    await db.insertInto('account_tokens').values([token('old', ago(31 * DAY)), token('young', ago(DAY))]).execute();

    const request = (key: string, status: 'open' | 'closed', closedAt: string | null) => ({
      received_at: ago(400 * DAY),
      student_first_name: 'Luis',
      student_last_name: 'Ruiz',
      student_number: null,
      student_email: null,
      parent_first_name: null,
      parent_last_name: null,
      parent_email: null,
      comments: null,
      locale: 'en',
      ip: null,
      student_id: null,
      school_id: null,
      status,
      outcome: null,
      closed_at: closedAt,
      closed_by: null,
      dedupe_key: key,
    });
    await db
      .insertInto('account_requests')
      .values([request('closed-long-ago', 'closed', ago(366 * DAY)), request('closed-lately', 'closed', ago(10 * DAY)), request('still-open', 'open', null)])
      .execute();

    await accountHousekeeping(db, NOW);

    expect((await db.selectFrom('sessions').select('id').execute()).map((r) => r.id)).toEqual(['live']);
    expect((await db.selectFrom('throttle').select('key').orderBy('key').execute()).map((r) => r.key)).toEqual(['user:locked', 'user:recent']);
    expect((await db.selectFrom('account_tokens').select('token_hash').execute()).map((r) => r.token_hash)).toEqual(['young']);
    expect((await db.selectFrom('account_requests').select('dedupe_key').orderBy('dedupe_key').execute()).map((r) => r.dedupe_key)).toEqual(['closed-lately', 'still-open']);
  });
});
