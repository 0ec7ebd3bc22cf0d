import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/db/connect.js';
import { runCli } from '../support/cli.js';

const run = runCli;

describe('homeroom CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-cli-'));
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.DATABASE_URL = `sqlite:${path.join(dir, 'cli.sqlite')}`;
    process.env.LOG_LEVEL = 'silent';
    // Vitest sets BASE_URL='/' for Vite; Homeroom's BASE_URL is a full URL.
    delete process.env.BASE_URL;
  });
  afterAll(() => {
    process.env = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [[], /No command given/],
    [['frobnicate'], /Unknown command "frobnicate"/],
    [['demo', '--students', 'lots'], /--students must be a whole number \(got "lots"\)/],
    [['demo', '--students', '0'], /--students must be between 1 and 5000000/],
    [['demo', '--seed', '-3'], /seed/],
    [['demo', '--year', '1999'], /--year must be 2000 or later/],
    [['demo', '--color', 'red'], /Unknown option '--color'/],
    [['migrate', 'extra'], /Unexpected argument 'extra'/],
  ])('%j prints usage and exits 2', async (argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
    expect(result.err).toContain('Usage: homeroom <command>');
  });

  it('migrates, loads the demo district once, and refuses to load it over itself', async () => {
    const first = await run('migrate');
    expect(first.out + first.err).toMatch(/Applied 0001_foundation, 0002_accounts, 0003_jobs, 0004_parent_accounts/);
    expect((await run('migrate')).out).toMatch(/up to date/);
    const loaded = await run('demo', '--students', '25', '--seed', '4', '--year', '2026');
    expect(loaded.code).toBe(0);
    expect(loaded.out).toMatch(/25 students/);
    expect(loaded.out).toMatch(/student\s+\d{7}\s+aa010311\s+Allen Alda/);
    const again = await run('demo', '--students', '25');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds a district/);
    const reset = await run('demo', '--students', '30', '--reset');
    expect(reset.code).toBe(0);
    const database = await connect(process.env.DATABASE_URL ?? '');
    const students = await database.db.selectFrom('students').select('id').execute();
    await database.close();
    expect(students).toHaveLength(30);
  });

  it('issues activation keys to a file, and explains bad options', async () => {
    const database = await connect(process.env.DATABASE_URL ?? '');
    const student = await database.db
      .selectFrom('students as s')
      .leftJoin('user_accounts as a', 'a.student_id', 's.id')
      .select('s.student_number')
      .where('a.id', 'is', null)
      .executeTakeFirstOrThrow();
    await database.close();
    const out = path.join(dir, 'keys.csv');
    const result = await run('accounts', 'keys', '--students', `${student.student_number},9999999`, '--for', 'both', '--format', 'csv', '--out', out);
    expect(result.code).toBe(0);
    expect(result.err).toContain('skipped: no student has the number 9999999');
    expect(result.out).toMatch(/Issued \d+ activation key\(s\), valid 30 days/);
    const csv = fs.readFileSync(out, 'utf8');
    expect(csv.split('\n')[0]).toBe('recipient_type,first_name,last_name,language,students,activation_key,expires');
    expect(csv).toContain(student.student_number);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    expect((await run('accounts', 'keys', '--students', student.student_number, '--format', 'doc', '--out', out)).err).toMatch(/--format must be pdf or csv/);
    expect((await run('accounts', 'keys', '--students', student.student_number)).err).toMatch(/--out FILE is required/);
    expect((await run('accounts', 'frob')).code).toBe(2);
  });

  it('creates student accounts by the district rule, once, with a roster', async () => {
    const out = path.join(dir, 'roster.csv');
    const first = await run('accounts', 'students', '--grade', '9', '--out', out);
    expect(first.code, first.err).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('school,grade,student_number,first_name,last_name,username,first_password');
    expect(lines.length).toBeGreaterThan(1);
    const database = await connect(process.env.DATABASE_URL ?? '');
    try {
      const { signIn } = await import('../../src/domain/accounts/sign-in.js');
      const [, , number, , , username, password] = (lines[1] ?? '').split(',');
      const student = await database.db.selectFrom('students').selectAll().where('student_number', '=', number ?? '').executeTakeFirstOrThrow();
      const { initialsDobPassword } = await import('../../src/domain/accounts/passwords.js');
      expect(password).toBe(initialsDobPassword(student.legal_first_name, student.legal_last_name, student.birth_date));
      const session = { remember: false, userAgent: null, replaces: null, settings: { sessionIdleMinutes: 30, sessionAbsoluteHours: 12, rememberDeviceDays: 30 } };
      const { getDistrictProfile } = await import('../../src/domain/district/service.js');
      const { signInPolicyOf } = await import('../../src/domain/accounts/first-passwords.js');
      const policy = signInPolicyOf(await getDistrictProfile(database.db), new Date());
      const result = await signIn(database.db, { username: username ?? '', password: password ?? '', ip: null, session, policy }, new Date());
      expect(result).toMatchObject({ kind: 'ok', mustChangePassword: true });
      expect((await run('accounts', 'students', '--grade', '9', '--out', out)).out).toMatch(/Created 0 student account/);
      // The audit log names every account made, and the second run made none.
      const usernames = lines.slice(1).map((l) => l.split(',')[5] ?? '');
      const made = await database.db.selectFrom('user_accounts').select('id').where('username', 'in', usernames).orderBy('id').execute();
      expect(made).toHaveLength(usernames.length);
      const logged = await database.db.selectFrom('audit_log').select('details').where('action', '=', 'student_accounts.created').execute();
      const named = logged.flatMap((r) => (JSON.parse(String(r.details)) as { accounts: number[] }).accounts);
      expect(named.sort((a, b) => a - b)).toEqual(made.map((a) => a.id));

      // A district that prints random first passwords, and one that uses Activation Keys only.
      const district = await database.db.selectFrom('district').select(['id', 'settings']).executeTakeFirstOrThrow();
      const settings = JSON.parse(district.settings);
      await database.db.updateTable('district').set({ settings: JSON.stringify({ ...settings, initialStudentPassword: 'random' }) }).execute();
      await run('accounts', 'students', '--grade', '10', '--out', out);
      const random = fs.readFileSync(out, 'utf8').trim().split('\n')[1]?.split(',') ?? [];
      expect(random[6]).toMatch(/^[a-z]+-[a-z]+-[a-z]+-\d{2}$/);
      expect(await signIn(database.db, { username: random[5] ?? '', password: random[6] ?? '', ip: null, session, policy }, new Date())).toMatchObject({ kind: 'ok' });
      await database.db.updateTable('district').set({ settings: JSON.stringify({ ...settings, initialStudentPassword: 'none' }) }).execute();
      const none = await run('accounts', 'students', '--out', out);
      expect(none.code).toBe(1);
      expect(none.err).toMatch(/issue Activation Keys instead/);
      await database.db.updateTable('district').set({ settings: district.settings }).execute();
    } finally {
      await database.close();
    }
  });

  it('runs the parent-account generation now and reports what it skipped', async () => {
    const result = await run('accounts', 'generate');
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/Parent accounts: \d+ created in [\d.]+ s, welcome emails queued\. Skipped: \d+ already have an account, \d+ without email/);
    expect((await run('accounts', 'generate')).out).toMatch(/Parent accounts: 0 created/);
  });

  it('stops with a clear message for a wrong environment variable', async () => {
    process.env.PORT = 'eighty';
    try {
      const result = await run('migrate');
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/PORT must be a whole number \(got "eighty"\)/);
    } finally {
      delete process.env.PORT;
    }
  });
});
