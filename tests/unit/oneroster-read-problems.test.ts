/**
 * The OneRoster reader on packages that cannot be read, or only in part: no manifest, an unknown version,
 * a file that is not a zip or a damaged one, a file that is not UTF-8, headers that do not fit; the
 * problems in both languages; and memory that stays bounded on a large file.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeProblem } from '../../src/domain/oneroster/read/describe.js';
import { translator } from '../../src/i18n/index.js';
import { all, brief, FIXTURES, opened, removeTemps, tempDir, zipOf } from './oneroster-read-support.js';

afterAll(removeTemps);

const USERS_HEADER =
  'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns';

function manifest(version: string, files: Record<string, string>): string {
  return ['propertyName,value', `oneroster.version,${version}`, ...Object.entries(files).map(([f, m]) => `file.${f},${m}`), ''].join('\n');
}

async function folderOf(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await tempDir();
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

describe('a package that cannot be opened', () => {
  it('reports a missing path, a file that is not a zip, and a zip without a manifest; the package is empty and nothing is thrown', async () => {
    const notZip = join(await tempDir(), 'roster.zip');
    await writeFile(notZip, 'sourcedId,name\n1,Not a zip\n');
    const noManifest = await zipOf(null, {}, { 'users.csv': `${USERS_HEADER}\n` });
    const cases: [string, string][] = [
      [join(await tempDir(), 'nothing-here.zip'), 'notFound'],
      [notZip, 'notZip'],
      [noManifest, 'noManifest'],
      [await tempDir(), 'noManifest'],
    ];
    for (const [path, code] of cases) {
      const { pkg, sink } = await opened(path);
      expect(sink.list().map((p) => [p.severity, p.code])).toEqual([['error', code]]);
      expect(Object.values(pkg.modes).every((m) => m === 'absent')).toBe(true);
      expect(await all(pkg, 'users')).toEqual([]);
      expect(pkg.totalBytes).toBe(0);
      await pkg.close();
    }
  });

  it('reports a version other than 1.1 and 1.2, a missing version, a manifest without its header, and a mode it does not know', async () => {
    const cases: [string, [string, string, number | null, string | null, string | null]][] = [
      [manifest('1.0', { users: 'bulk' }), ['error', 'badVersion', 2, 'oneroster.version', '1.0']],
      ['propertyName,value\nfile.users,bulk\n', ['error', 'noVersion', null, null, null]],
      ['name,setting\noneroster.version,1.2\n', ['error', 'badManifest', 1, null, 'name,setting']],
      ['', ['error', 'badManifest', 1, null, '']],
      [manifest('1.2', { users: 'full' }), ['error', 'badMode', 3, 'file.users', 'full']],
    ];
    for (const [text, expected] of cases) {
      const { pkg, sink } = await opened(await folderOf({ 'manifest.csv': text, 'users.csv': `${USERS_HEADER}\n` }));
      expect(sink.list().map((p) => [p.severity, p.code, p.line, p.column, p.value])).toEqual([expected]);
      expect(pkg.modes.users).toBe('absent');
      await pkg.close();
    }
  });

  it('warns when a 1.1 manifest names a file only 1.2 has, and does not read it', async () => {
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.1', { roles: 'bulk' }),
        'roles.csv': 'sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\n',
      }),
    );
    expect(sink.list().map(brief)).toEqual([['warning', 'notInVersion', 'manifest.csv', 3, null, 'roles.csv']]);
    expect(pkg.modes.roles).toBe('absent');
    await pkg.close();
  });

  it('reports a damaged zip entry when the file is read, without throwing', async () => {
    const users = `${USERS_HEADER}\n${Array.from({ length: 50 }, (_, i) => `u-${i},active,,true,,,Ann,Lee,,,,,,,,,,,,,,,`).join('\n')}\n`;
    const path = await zipOf(null, { store: true }, { 'manifest.csv': manifest('1.2', { users: 'bulk' }), 'users.csv': users });
    const bytes = await readFile(path);
    const at = bytes.indexOf('u-30,active');
    bytes[at + 7] = 'X'.charCodeAt(0); // "active" becomes "acXive" in the stored data; the CRC-32 no longer matches
    await writeFile(path, bytes);
    const { pkg, sink } = await opened(path);
    expect(sink.list()).toEqual([]);
    await all(pkg, 'users');
    expect(sink.list().map((p) => [p.severity, p.code, p.file])).toContainEqual(['error', 'damagedZip', 'users.csv']);
    await pkg.close();
  });

  it('reports a truncated zip as not readable', async () => {
    const path = await zipOf('v12-bulk');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const { sink } = await opened(path);
    expect(sink.list().map((p) => p.code)).toEqual(['notZip']);
  });
});

describe('files of a package', () => {
  it('names the line of the first bytes that are not UTF-8, far into a file', async () => {
    for (const eol of ['\n', '\r\n']) {
      const rows = Array.from({ length: 5000 }, (_, i) => Buffer.from(`u-${i},active,,true,,,Ann,Lee,,,,,,,,,,,,,,,${eol}`));
      rows[3999] = Buffer.concat([Buffer.from('u-3999,active,,true,,,Ren'), Buffer.from([0xe9]), Buffer.from(`,Lee,,,,,,,,,,,,,,,${eol}`)]); // Latin-1 é
      const { pkg, sink } = await opened(
        await folderOf({ 'manifest.csv': manifest('1.2', { users: 'bulk' }), 'users.csv': Buffer.concat([Buffer.from(`${USERS_HEADER}${eol}`), ...rows]) }),
      );
      await all(pkg, 'users');
      expect(sink.list().map(brief)).toEqual([['error', 'notUtf8', 'users.csv', 4001, null, null]]);
      await pkg.close();
    }
  });

  it('numbers each row by the line it starts on, with LF, CRLF or CR line ends, quoted line breaks and blank lines', async () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = [
        '',
        'sourcedId,status,name,type',
        'd-1,active,"North',
        'District",district',
        '',
        'd-2,active,"East, ""Upper""",district',
        '"d-3",active,"A',
        '',
        'B",school',
        'd-4,active,West,district',
      ].join(eol);
      const { pkg, sink } = await opened(await folderOf({ 'manifest.csv': manifest('1.2', { orgs: 'bulk' }), 'orgs.csv': text }));
      expect((await all(pkg, 'orgs')).map((o) => [o.sourcedId, o.at.line, o.name])).toEqual([
        ['d-1', 3, `North${eol}District`],
        ['d-2', 6, 'East, "Upper"'],
        ['d-3', 7, `A${eol}${eol}B`],
        ['d-4', 10, 'West'],
      ]);
      expect(sink.list()).toEqual([]);
      await pkg.close();
    }
  });

  it('reads a folder whose files sit in one top folder', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'export-2026-10-05'));
    for (const name of ['manifest.csv', 'users.csv', 'roles.csv', 'enrollments.csv', 'results.csv']) {
      await writeFile(join(dir, 'export-2026-10-05', name), await readFile(join(FIXTURES, 'v12-delta', name)));
    }
    const { pkg, sink } = await opened(dir);
    expect(pkg.modes.users).toBe('delta');
    expect((await all(pkg, 'users')).map((u) => u.sourcedId)).toEqual(['stu-004', 'stu-007']);
    expect(sink.list()).toEqual([]);
    await pkg.close();
  });

  it('checks userProfiles and scoreScales rows and gives their sourcedId, status and line', async () => {
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { userProfiles: 'bulk', scoreScales: 'bulk' }),
        'userProfiles.csv':
          'sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,credentialType,username,password\n' +
          'up-1,active,,u-1,lms,acme,,,password,ann,\nup-2,active,,u-2,lms,,,,password,bea,\n',
        'scoreScales.csv':
          'sourcedId,status,dateLastModified,title,type,courseSourcedId,classSourcedId,scoreScaleValue\n' +
          'ss-1,active,,Letter grades,letter,,,"{A:90},{B:80}"\n',
      }),
    );
    expect(await all(pkg, 'userProfiles')).toEqual([{ sourcedId: 'up-1', status: 'active', at: { file: 'userProfiles.csv', line: 2 } }]);
    expect(await all(pkg, 'scoreScales')).toEqual([{ sourcedId: 'ss-1', status: 'active', at: { file: 'scoreScales.csv', line: 2 } }]);
    expect(sink.list().map(brief)).toEqual([['error', 'required', 'userProfiles.csv', 3, 'vendorId', '']]);
    await pkg.close();
  });

  it('refuses a file missing a required column or repeating one; a misspelled required column is missing', async () => {
    const cases: [string, [string, string, string | null][]][] = [
      ['sourcedId,status,dateLastModified,enabledUser,givenName', [['error', 'missingColumn', 'familyName']]],
      ['sourcedId,status,enabledUser,givenName,familyName,GIVENNAME', [['error', 'duplicateColumn', 'GIVENNAME']]],
      ['sourcedId,status,enabledUser,givenName,famliyName', [['error', 'missingColumn', 'familyName'], ['warning', 'unknownColumn', 'famliyName']]],
    ];
    for (const [header, expected] of cases) {
      const { pkg, sink } = await opened(
        await folderOf({ 'manifest.csv': manifest('1.2', { users: 'bulk' }), 'users.csv': `${header}\nu-1,active,true,Ann,Lee,Ann\n` }),
      );
      expect(await all(pkg, 'users')).toEqual([]);
      expect(sink.list().map((p) => [p.severity, p.code, p.column])).toEqual(expected);
      await pkg.close();
    }
  });

  it('needs a status column and a status in a delta; an empty status in a bulk file is active', async () => {
    const rows = 'sourcedId,status,name,type\ndist-1,,North District,district\n';
    const bulk = await opened(await folderOf({ 'manifest.csv': manifest('1.2', { orgs: 'bulk' }), 'orgs.csv': rows }));
    expect((await all(bulk.pkg, 'orgs')).map((o) => o.status)).toEqual(['active']);
    expect(bulk.sink.list()).toEqual([]);

    const delta = await opened(await folderOf({ 'manifest.csv': manifest('1.2', { orgs: 'delta' }), 'orgs.csv': rows }));
    expect(await all(delta.pkg, 'orgs')).toEqual([]);
    expect(delta.sink.list().map(brief)).toEqual([['error', 'required', 'orgs.csv', 2, 'status', '']]);

    const noColumn = await opened(await folderOf({ 'manifest.csv': manifest('1.2', { orgs: 'delta' }), 'orgs.csv': 'sourcedId,name,type\ndist-1,North,district\n' }));
    expect(await all(noColumn.pkg, 'orgs')).toEqual([]);
    expect(noColumn.sink.list().map(brief)).toEqual([['error', 'missingColumn', 'orgs.csv', 1, 'status', null]]);
  });

  it('reads a deletion in a delta that gives only its sourcedId; a value it does give is still checked', async () => {
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { enrollments: 'delta' }),
        'enrollments.csv':
          'sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n' +
          'enr-7,tobedeleted,,,,,,,,\nenr-8,tobedeleted,,,,,,,2026-02-30,\nenr-9,active,,,,,,,,\n',
      }),
    );
    expect(await all(pkg, 'enrollments')).toEqual([
      {
        sourcedId: 'enr-7', status: 'tobedeleted', at: { file: 'enrollments.csv', line: 2 }, classSourcedId: '', schoolSourcedId: '',
        userSourcedId: '', role: null, primary: false, beginDate: null, endDate: null,
      },
    ]);
    expect(sink.list().map((p) => [p.code, p.line, p.column])).toEqual([
      ['impossibleDate', 3, 'beginDate'],
      ['required', 4, 'classSourcedId'],
      ['required', 4, 'schoolSourcedId'],
      ['required', 4, 'userSourcedId'],
      ['required', 4, 'role'],
    ]);
    await pkg.close();
  });

  it('reports a file’s problems once however often it is read, even when a first reading stopped early', async () => {
    const rows = 'sourcedId,status,name,type\nd-1,active,North,district\nd-2,active,,district\nd-3,active,South,county\n';
    const { pkg, sink } = await opened(await folderOf({ 'manifest.csv': manifest('1.2', { orgs: 'bulk' }), 'orgs.csv': rows }));
    for await (const org of pkg.rows('orgs')) {
      expect(org.sourcedId).toBe('d-1');
      break;
    }
    expect(sink.list()).toEqual([]);
    await all(pkg, 'orgs');
    await all(pkg, 'orgs');
    expect(sink.list().map((p) => [p.code, p.line])).toEqual([['required', 3], ['badEnum', 4]]);
    await pkg.close();
  });

  it('reports a file the manifest gives as bulk that is not there, an empty file, and a quote never closed', async () => {
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { orgs: 'bulk', users: 'bulk', courses: 'bulk' }),
        'Orgs.csv': '',
        'users.csv': `${USERS_HEADER}\nu-1,active,,true,,,"Ann,Lee,,,,,,,,,,,,,,,\n`,
      }),
    );
    expect(pkg.modes.courses).toBe('absent');
    await all(pkg, 'orgs');
    await all(pkg, 'users');
    expect(sink.list().map((p) => [p.code, p.file, p.line])).toEqual([
      ['missingFile', 'courses.csv', null],
      ['emptyFile', 'Orgs.csv', null],
      ['csvSyntax', 'users.csv', 2],
    ]);
    await pkg.close();
  });

  it('stops at a quote never closed before it gathers the rest of a large file', async () => {
    const rest = Array.from({ length: 40_000 }, (_, i) => `u-${i},active,,true,,,Ann,Lee,,,,,,,,,,,,,,,`).join('\n');
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { users: 'bulk' }),
        'users.csv': `${USERS_HEADER}\nu-0,active,,true,,,"Ann,Lee,,,,,,,,,,,,,,,\n${rest}\n`,
      }),
    );
    expect(await all(pkg, 'users')).toEqual([]);
    expect(sink.list().map((p) => [p.code, p.file])).toEqual([['csvSyntax', 'users.csv']]);
    expect(sink.list()[0]!.detail).toMatch(/max_record_size|Max Record Size/i);
    await pkg.close();
  });

  it('checks numbers, booleans, enums, weights and ranges with what was expected', async () => {
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { categories: 'bulk', lineItems: 'bulk', results: 'bulk', academicSessions: 'bulk' }),
        'categories.csv': 'sourcedId,status,dateLastModified,title,weight\nc-1,,,Homework,120\nc-2,,,Tests,-1\nc-3,,,Quizzes,\nc-4,,,Labs,12.5\n',
        'lineItems.csv':
          'sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,gradingPeriodSourcedId,resultValueMin,resultValueMax\n' +
          'l-1,,,A,,2026-09-01,2026-09-02,k,c-1,g,10,5\nl-2,,,B,,2026-09-01,2026-09-02T25:00:00Z,k,c-1,g,,1e3\n',
        'results.csv':
          'sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,textScore,scoreDate,comment,inProgress,incomplete,late,missing\n' +
          'r-1,,,l-1,s-1,graded,,,,,,,,\nr-2,,,l-1,s-1,EXEMPT,,,,,,,no,\nr-3,,,l-1,s-1,submitted,,,,,,,sometimes,\n',
        'academicSessions.csv': 'sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\ny-1,,,Year,schoolYear,2027-06-04,2026-08-17,,2027\n',
      }),
    );
    expect((await all(pkg, 'categories')).map((c) => [c.sourcedId, c.weight])).toEqual([['c-3', null], ['c-4', 12.5]]);
    expect(await all(pkg, 'lineItems')).toEqual([]);
    expect((await all(pkg, 'results')).map((r) => [r.sourcedId, r.scoreStatus, r.late])).toEqual([['r-2', 'exempt', false]]);
    expect(await all(pkg, 'academicSessions')).toEqual([]);
    expect(sink.list().map((p) => [p.severity, p.code, p.file, p.line, p.column, p.value, p.expected])).toEqual([
      ['error', 'outOfRange', 'categories.csv', 2, 'weight', '120', '0–100'],
      ['error', 'outOfRange', 'categories.csv', 3, 'weight', '-1', '0–100'],
      ['error', 'outOfRange', 'lineItems.csv', 2, 'resultValueMax', '5', '≥ 10'],
      ['error', 'badDate', 'lineItems.csv', 3, 'dueDate', '2026-09-02T25:00:00Z', 'YYYY-MM-DD, YYYY-MM-DDThh:mm:ssZ'],
      ['error', 'badNumber', 'lineItems.csv', 3, 'resultValueMax', '1e3', null],
      ['error', 'badEnum', 'results.csv', 2, 'scoreStatus', 'graded', 'exempt, fully graded, not submitted, partially graded, submitted'],
      ['error', 'badBoolean', 'results.csv', 4, 'late', 'sometimes', 'true, false'],
      ['error', 'endBeforeStart', 'academicSessions.csv', 2, 'endDate', '2026-08-17', '≥ 2027-06-04'],
      ['warning', 'looseBoolean', 'results.csv', 3, 'late', 'no', 'true, false'],
    ]);
    await pkg.close();
  });

  it('ignores metadata.* extension columns without a warning', async () => {
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { orgs: 'bulk' }),
        'orgs.csv': 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,metadata.jp.kana\nd-1,active,,North,District,,,ノース\n',
      }),
    );
    expect(await all(pkg, 'orgs')).toEqual([
      { sourcedId: 'd-1', status: 'active', at: { file: 'orgs.csv', line: 2 }, name: 'North', type: 'district', identifier: null, parentSourcedId: null },
    ]);
    expect(sink.list()).toEqual([]);
    await pkg.close();
  });
  it('reads Homeroom’s metadata.homeroom.dropped column of results.csv, in any case; empty or absent is null; a bad value is an error', async () => {
    const header = 'sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,textScore,scoreDate,comment,inProgress,incomplete,late,missing';
    const { pkg, sink } = await opened(
      await folderOf({
        'manifest.csv': manifest('1.2', { results: 'bulk' }),
        'results.csv': [
          `${header},Metadata.Homeroom.Dropped`,
          'r-1,active,,li-1,s-1,fully graded,4,,,,false,false,false,false,true',
          'r-2,active,,li-1,s-2,fully graded,9,,,,false,false,false,false,false',
          'r-3,active,,li-1,s-3,fully graded,7,,,,false,false,false,false,',
          'r-4,active,,li-1,s-4,fully graded,7,,,,false,false,false,false,perhaps',
          'r-5,active,,li-1,s-5,fully graded,2,,,,false,false,false,false,1',
          '',
        ].join('\n'),
      }),
    );
    expect((await all(pkg, 'results')).map((r) => [r.sourcedId, r.dropped])).toEqual([['r-1', true], ['r-2', false], ['r-3', null], ['r-5', true]]);
    expect(sink.list().map(brief)).toEqual([
      ['error', 'badBoolean', 'results.csv', 5, 'metadata.homeroom.dropped', 'perhaps'],
      ['warning', 'looseBoolean', 'results.csv', 6, 'metadata.homeroom.dropped', '1'],
    ]);
    await pkg.close();

    // Another SIS's results.csv, without the column: every score's flag is left as it is (null).
    const other = await opened(
      await folderOf({ 'manifest.csv': manifest('1.2', { results: 'bulk' }), 'results.csv': `${header},metadata.sis.dropped\nr-1,active,,li-1,s-1,fully graded,4,,,,false,false,false,false,true\n` }),
    );
    expect((await all(other.pkg, 'results')).map((r) => r.dropped)).toEqual([null]);
    expect(other.sink.list()).toEqual([]);
    await other.pkg.close();

    // Given twice, the file is not read.
    const twice = await opened(
      await folderOf({ 'manifest.csv': manifest('1.2', { results: 'bulk' }), 'results.csv': `${header},metadata.homeroom.dropped,METADATA.HOMEROOM.DROPPED\nr-1,active,,li-1,s-1,fully graded,4,,,,false,false,false,false,true,true\n` }),
    );
    expect(await all(twice.pkg, 'results')).toEqual([]);
    expect(twice.sink.list().map(brief)).toEqual([['error', 'duplicateColumn', 'results.csv', 1, 'METADATA.HOMEROOM.DROPPED', null]]);
    await twice.pkg.close();
  });
});

describe('describeProblem', () => {
  it('says where and what in the administrator’s language', async () => {
    const problem = {
      severity: 'error' as const, code: 'impossibleDate', file: 'demographics.csv', line: 3, column: 'birthDate', value: '2012-02-30', expected: 'YYYY-MM-DD',
    };
    expect(describeProblem(problem, translator('en'))).toBe(
      'demographics.csv, line 3, column birthDate: “2012-02-30” is not a real date (no such day in the calendar); expected YYYY-MM-DD.',
    );
    expect(describeProblem(problem, translator('es'))).toBe(
      'demographics.csv, línea 3, columna birthDate: «2012-02-30» no es una fecha real (ese día no existe en el calendario); se esperaba YYYY-MM-DD.',
    );
    expect(describeProblem({ severity: 'error', code: 'noManifest', file: null, line: null, column: null, value: null, expected: null }, translator('en'))).toBe(
      'The package has no manifest.csv, so it is not a OneRoster CSV package.',
    );
    expect(describeProblem({ severity: 'warning', code: 'somethingNew', file: 'users.csv', line: null, column: null, value: 'x', expected: null }, translator('en'))).toBe(
      'users.csv: Problem “somethingNew” with the value “x”. ',
    );
  });
});

describe('a large file', () => {
  it('streams 200,000 users rows without holding them: the heap grows by far less than the file', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.csv'), manifest('1.2', { users: 'bulk' }));
    const out = createWriteStream(join(dir, 'users.csv'));
    out.write(`${USERS_HEADER}\n`);
    for (let i = 0; i < 200_000; i++) {
      const line = `stu-${i},active,2026-08-01T12:00:00.000Z,true,${String(i).padStart(7, '0')},,Given${i},"Family, ${i}",,${String(i).padStart(7, '0')},s${i}@example.org,,,gdn-${i},09,,,,,,,sch-1,\n`;
      if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));

    const { pkg, sink } = await opened(dir);
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let lastLine = 0;
    for await (const user of pkg.rows('users')) {
      count += 1;
      lastLine = user.at.line;
      if (count % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(200_000);
    expect(lastLine).toBe(200_001);
    expect(sink.list()).toEqual([]);
    expect(pkg.bytesRead()).toBe(pkg.totalBytes);
    expect(pkg.totalBytes).toBeGreaterThan(25_000_000);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    await pkg.close();
  });
});
