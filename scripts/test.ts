/**
 * `npm test`: type-check, look for unused code, build the stylesheet, then every Vitest suite — unit, database (SQLite, and
 * PostgreSQL when TEST_DATABASE_URL is set), web and browser (Chromium at /usr/bin/chromium or
 * CHROMIUM_PATH). It ends with one line, "N passed, N failed, N skipped", and says loudly what it
 * could not test. With CI=true a missing PostgreSQL or browser fails the run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(import.meta.dirname, '..');
const resultFile = path.join(root, 'test-results', 'vitest.json');
const strict = process.env.CI === 'true' || process.env.CI === '1';
const extraArgs = process.argv.slice(2);

function step(title: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  console.log(`\n▶ ${title}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  return result.status ?? 1;
}

async function postgresStatus(): Promise<string | null> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return 'TEST_DATABASE_URL is not set';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `cannot connect to TEST_DATABASE_URL (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function chromiumStatus(): string | null {
  const found = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p) => p && fs.existsSync(p),
  );
  return found ? null : 'no Chromium at /usr/bin/chromium (install Debian\'s chromium or set CHROMIUM_PATH)';
}

const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

if (step('Type-check (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', '.']) !== 0) {
  console.log('\nType errors: no tests were run.\n0 passed, 1 failed');
  process.exit(1);
}
// Unused files, exports and dependencies (knip; unused imports and locals are tsc's noUnusedLocals above).
if (step('Unused code (knip)', bin('knip'), ['--no-progress']) !== 0) {
  console.log('\nUnused code: remove it (or, when a test or a script needs it, say so in knip.json). No tests were run.\n0 passed, 1 failed');
  process.exit(1);
}
if (step('Build the stylesheet', bin('tsx'), ['scripts/build-css.ts']) !== 0) process.exit(1);

const noPostgres = await postgresStatus();
const noBrowser = chromiumStatus();
const noPdfText = fs.existsSync('/usr/bin/pdftotext') ? null : "no pdftotext (Debian's poppler-utils): the text of generated PDFs was not checked";
const env: NodeJS.ProcessEnv = { ...process.env };
// A TEST_DATABASE_URL that does not answer would fail every PostgreSQL test: leave them out, loudly.
if (noPostgres) delete env.TEST_DATABASE_URL;

fs.mkdirSync(path.dirname(resultFile), { recursive: true });
fs.rmSync(resultFile, { force: true });
const status = step(
  `Vitest: unit, database (SQLite${noPostgres ? '' : ' + PostgreSQL'}), web${noBrowser ? '' : ', browser'}`,
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultFile}`, ...extraArgs],
  env,
);

let passed = 0;
let failed = 0;
let skipped = 0;
if (fs.existsSync(resultFile)) {
  const report = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    numFailedTestSuites: number;
  };
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numFailedTests === 0 && status !== 0 ? Math.max(1, report.numFailedTestSuites) : 0);
  if (report.numFailedTests === 0 && status !== 0) {
    console.log(`\nVitest exited with status ${status} although no test failed: an error outside a test (see "Errors" above) counts as a failure.`);
  }
  skipped = report.numPendingTests + report.numTodoTests;
} else if (status !== 0) {
  failed = 1;
}

const missing = [
  noPostgres ? `PostgreSQL was NOT tested: ${noPostgres}.` : null,
  noBrowser ? `Browser tests were SKIPPED: ${noBrowser}.` : null,
  noPdfText ? `${noPdfText}.` : null,
].filter((m): m is string => m !== null);
if (missing.length > 0) {
  const bar = '!'.repeat(78);
  console.log(`\n${bar}`);
  for (const m of missing) console.log(`!! ${m}`);
  console.log(strict ? '!! CI=true: this run FAILS because of it.' : '!! These parts of Homeroom were not checked by this run.');
  console.log(bar);
}
console.log(`\nEngines: SQLite${noPostgres ? '' : ', PostgreSQL'} · Browser: ${noBrowser ? 'none' : 'Chromium'}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status !== 0 || failed > 0 || (strict && missing.length > 0) ? 1 : 0);
