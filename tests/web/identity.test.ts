/**
 * The identity rule end to end (issue 17, part 2): guardians whose email on record has capitals,
 * full-width letters or a letter from another script, through the nightly run, the welcome link,
 * sign-in and forgot-username. Every expected key below is written out by hand.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { generateParentAccounts, guardiansNeedingKeys, type GenerationSummary } from '../../src/domain/accounts/parent-generation.js';
import { operatorScope } from '../../src/domain/access/staff.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { makeApp } from '../support/app.js';
import { describeEachEngine } from '../support/db.js';
import { runJobs } from '../support/jobs.js';
import { Client, clock } from '../support/http.js';
import { linkIn, startSmtp, type TestSmtp } from '../support/smtp.js';

const PASSWORD = 'copper kettle meadow';

/** The fixture's guardians: each with the email on record as typed by the school. */
const GUARDIANS = {
  ana: { id: 900001, email: 'Ana.Ruiz@Example.com' },
  // Full-width letters (as an East Asian keyboard types them) and plain capitals: one address.
  benWide: { id: 900002, email: 'ｂｅｎ.ｏｋａｆｏｒ@example.com' },
  benCaps: { id: 900003, email: 'BEN.OKAFOR@example.com' },
  // A Cyrillic "а" (U+0430) only looks like a Latin "a": two addresses.
  carlaCyrillic: { id: 900004, email: 'c\u0430rla.diaz@example.com' },
  carlaLatin: { id: 900005, email: 'Carla.Diaz@example.com' },
  // Spaces around the address on record.
  dana: { id: 900006, email: '  Dana.Lee@EXAMPLE.org ' },
} as const;

describeEachEngine('one identity rule: usernames and emails', (get) => {
  let app: FastifyInstance;
  let smtp: TestSmtp;
  const time = clock('2026-11-26T08:00:00Z');
  let summary: GenerationSummary;
  let staffEmail: string;

  beforeAll(async () => {
    await loadDemo(get(), { students: 20, seed: 41, startYear: 2026 });
    smtp = await startSmtp();
    app = await makeApp(get(), { now: time.now, smtpUrl: smtp.url, demoMode: false });
    const { db } = get();
    const student = await db.selectFrom('students').select('id').where('enrollment_status', '=', 'active').orderBy('id').executeTakeFirstOrThrow();
    const staff = await db.selectFrom('staff').select('email').where('email', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
    staffEmail = staff.email!;
    const t = time.now().toISOString();
    const changed = { created_at: t, updated_at: t, updated_by: null };
    // A guardian whose address is a staff member's, in capitals: shared, whatever the case.
    const all = { ...GUARDIANS, eve: { id: 900007, email: staffEmail.toUpperCase() } };
    for (const [name, g] of Object.entries(all)) {
      await db.insertInto('guardians').values({ id: g.id, first_name: name, last_name: 'Fixture', email: g.email, ...changed }).execute();
      await db
        .insertInto('student_guardians')
        .values({ student_id: student.id, guardian_id: g.id, relationship: 'guardian', portal_access: 1, rights_revoked: 0, ...changed })
        .execute();
    }
    summary = await generateParentAccounts(db, { now: time.now });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });
  beforeEach(async () => {
    await app.services.mailer.flush();
    smtp.messages.length = 0;
    await get().db.deleteFrom('throttle').execute();
  });

  const accountOf = (guardianId: number) =>
    get().db.selectFrom('user_accounts').select(['username', 'username_key', 'security_email', 'status']).where('guardian_id', '=', guardianId).executeTakeFirst();
  const delivered = async (count: number) => {
    await runJobs(get(), time.now);
    await app.services.mailer.flush();
    return smtp.waitFor(count);
  };
  const signIn = (username: string) => new Client(app).submit('/sign-in', { username, password: PASSWORD });

  it('makes nightly accounts under the address’s key, and counts an address shared whatever its case or width', async () => {
    expect(await accountOf(GUARDIANS.ana.id)).toEqual({ username: 'ana.ruiz@example.com', username_key: 'ana.ruiz@example.com', security_email: 'ana.ruiz@example.com', status: 'pending' });
    expect(await accountOf(GUARDIANS.dana.id)).toMatchObject({ username_key: 'dana.lee@example.org', security_email: 'dana.lee@example.org' });
    // Two ways of typing one address: neither guardian gets an account, from either side.
    expect(await accountOf(GUARDIANS.benWide.id)).toBeUndefined();
    expect(await accountOf(GUARDIANS.benCaps.id)).toBeUndefined();
    // A staff member's address in capitals is still the staff member's.
    expect(await accountOf(900007)).toBeUndefined();
    // Look-alike letters from another script are another address: two accounts, two keys.
    expect(await accountOf(GUARDIANS.carlaLatin.id)).toMatchObject({ username_key: 'carla.diaz@example.com' });
    expect(await accountOf(GUARDIANS.carlaCyrillic.id)).toMatchObject({ username_key: 'c\u0430rla.diaz@example.com' });
    expect(summary.skippedSharedEmail).toBeGreaterThanOrEqual(3);
    // Office staff see the three as needing Activation Keys.
    const viewer = { scope: operatorScope(), actorAccountId: null, ip: null };
    const needing = (await guardiansNeedingKeys(get().db, { viewer, adultBornOnOrBefore: null }, time.now())).map((g) => g.id);
    for (const id of [GUARDIANS.benWide.id, GUARDIANS.benCaps.id, 900007]) expect(needing).toContain(id);
    for (const id of [GUARDIANS.ana.id, GUARDIANS.carlaLatin.id]) expect(needing).not.toContain(id);
  });

  it('welcomes the guardian at the address’s key, and signs in with any spelling of it', async () => {
    const mails = await delivered(1);
    const mail = mails.find((m) => m.to[0] === 'ana.ruiz@example.com');
    expect(mail?.text).toContain('Your username is ana.ruiz@example.com');
    const link = linkIn(mail!, 'http://portal.test/welcome?token=');
    const token = link.split('token=')[1]!;
    const c = new Client(app);
    expect((await c.get(link.replace('http://portal.test', ''))).statusCode).toBe(200);
    const done = await c.post('/welcome', { token, password: PASSWORD, confirm: PASSWORD });
    expect(done.statusCode).toBe(200);
    for (const typed of ['Ana.Ruiz@Example.com', 'ana.ruiz@example.com', ' ANA.RUIZ@EXAMPLE.COM ', 'Ａｎａ.Ｒｕｉｚ@Ｅｘａｍｐｌｅ.ｃｏｍ']) {
      const res = await signIn(typed);
      expect(res.statusCode, typed).toBe(303);
      expect(res.headers.location, typed).toBe('/home');
    }
    // A Cyrillic "А" is not a Latin "A": no account of that name.
    expect((await signIn('\u0410na.Ruiz@Example.com')).statusCode).toBe(401);
  });

  it('sends forgotten usernames for the address on record, typed in any case or width', async () => {
    for (const typed of ['ANA.RUIZ@example.com', 'ａｎａ.ｒｕｉｚ@example.com']) {
      smtp.messages.length = 0;
      await get().db.deleteFrom('throttle').execute();
      const res = await new Client(app).submit('/forgot-username', { email: typed });
      expect(res.statusCode).toBe(200);
      const [mail] = await delivered(1);
      expect(mail?.to, typed).toEqual(['ana.ruiz@example.com']);
      expect(mail?.text).toContain('ana.ruiz@example.com');
    }
  });
});
