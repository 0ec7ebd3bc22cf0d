/**
 * A district-wide announcement told (issue 22): `npm run bench -- announce`, which runs
 * `tsx scripts/bench/announce.ts <database-url> [students]` per engine on a fresh database. Loads the
 * demo district when the database has none (N students, default 600), marks the demo's own announcements
 * told, gives every student and guardian an account (the demo makes a few), publishes one
 * announcement to every student and guardian starting today, and tells
 * it (`notifyAnnouncements`, as the notifications run does) while another connection saves one row every
 * 10 ms — a teacher's save from another process. On SQLite that connection is a thread of its own that
 * waits for the write lock in SQLite's busy handler, as a web process's write does; on PostgreSQL a
 * client of its own. Prints JSON: the run's wall time and CPU, the entries and deliveries written, and
 * the other connection's saves (how many, and how long each waited: p50, p99, max), and the same for
 * saves made every 10 ms by this process itself (a page's write in the web process the run shares on
 * SQLite: through the same connection).
 */
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { sql } from 'kysely';
import { accountsForEveryone } from './accounts.js';
import { connect } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { addDays, localDate } from '../../src/domain/calendar/dates.js';
import { loadDemo } from '../../src/domain/demo/load.js';
import { getDistrictProfile } from '../../src/domain/district/service.js';
import { notifyAnnouncements } from '../../src/domain/notifications/announcements.js';

const [url, studentsArg] = process.argv.slice(2);
if (!url) throw new Error('usage: announce.ts <database-url> [students]');
const database = await connect(url);
await migrateToLatest(database);
const db = database.db;
if (!(await db.selectFrom('district').select('id').executeTakeFirst())) {
  await loadDemo(database, { students: Number(studentsArg ?? 600), seed: 1, startYear: 2026 });
}
const now = new Date();
const stamp = now.toISOString();
// Every student and guardian signs in (the demo makes only a few accounts): one account each where none.
await accountsForEveryone(database, now);
const district = await getDistrictProfile(db);
const today = localDate(now, district.timeZone);
// The demo's own announcements are old news here: only the one below is told.
await db
  .insertInto('notification_announcements')
  .columns(['announcement_id', 'notified_at', 'recipients'])
  .expression(
    db
      .selectFrom('announcements as a')
      .leftJoin('notification_announcements as na', 'na.announcement_id', 'a.id')
      .where('na.announcement_id', 'is', null)
      .select(['a.id', (database.dialect === 'postgres' ? sql<string>`cast(${now.toISOString()} as timestamptz)` : sql<string>`cast(${now.toISOString()} as text)`).as('notified_at'), sql<number>`0`.as('recipients')]),
  )
  .execute();
const { id } = await db
  .insertInto('announcements')
  .values({ school_id: null, audience: 'all', start_date: today, end_date: addDays(today, 3), public: 0, condition: null, created_at: stamp, updated_at: stamp, updated_by: null })
  .returning('id')
  .executeTakeFirstOrThrow();
await db
  .insertInto('announcement_texts')
  .values([
    { announcement_id: id, locale: 'en', title: 'Snow day Thursday', body: 'No school on Thursday.' },
    { announcement_id: id, locale: 'es', title: 'Día de nieve el jueves', body: 'No hay clases el jueves.' },
  ])
  .execute();
const school = (await db.selectFrom('schools').select('id').orderBy('id').executeTakeFirstOrThrow()).id;

/** Another process's save, every 10 ms until stopped: how long each one took, in ms. */
function otherWriter(): { stop(): Promise<number[]> } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  if (database.dialect === 'sqlite') {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const SQLite = require('better-sqlite3');
       const db = new SQLite(workerData.file); db.pragma('busy_timeout = 60000');
       const save = db.prepare('update schools set phone = ? where id = ?');
       const flag = workerData.flag; const waits = [];
       while (Atomics.load(flag, 0) === 0) {
         const t = performance.now(); save.run(String(waits.length), workerData.school); waits.push(performance.now() - t);
         Atomics.wait(flag, 0, 0, 10);
       }
       db.close(); parentPort.postMessage(waits);`,
      { eval: true, workerData: { file: url!.slice('sqlite:'.length), flag, school } },
    );
    const done = new Promise<number[]>((resolve) => worker.once('message', resolve));
    return {
      async stop() {
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
        return done;
      },
    };
  }
  const client = new pg.Client({ connectionString: url });
  const waits: number[] = [];
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const t = performance.now();
      await client.query('update schools set phone = $1 where id = $2', [String(waits.length), school]);
      waits.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await client.end();
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return waits;
    },
  };
}

/** A page's save in this process, every 10 ms until stopped (on SQLite through this process's one connection): how late each ended, in ms. */
function ownWriter(): { stop(): Promise<number[]> } {
  const waits: number[] = [];
  let running = true;
  const loop = (async () => {
    // From when the save was due (10 ms after the last one ended): a turn of the event loop that the run
    // held up (a long synchronous statement) counts, as it does for a page waiting to be answered.
    let due = performance.now();
    while (running) {
      await db.updateTable('schools').set({ phone: String(waits.length) }).where('id', '=', school).execute();
      const end = performance.now();
      waits.push(end - due);
      due = end + 10;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return waits;
    },
  };
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const other = otherWriter();
const own = ownWriter();
await new Promise((resolve) => setTimeout(resolve, 200));
const cpu = process.cpuUsage();
const t0 = performance.now();
const told = await notifyAnnouncements(database, now);
const ms = performance.now() - t0;
const used = process.cpuUsage(cpu);
await new Promise((resolve) => setTimeout(resolve, 200));
const waits = (await other.stop()).sort((a, b) => a - b);
const ownWaits = (await own.stop()).sort((a, b) => a - b);
const summary = (w: number[]) => ({ count: w.length, p50: +quantile(w, 0.5).toFixed(2), p99: +quantile(w, 0.99).toFixed(2), max: +(w[w.length - 1] ?? 0).toFixed(2) });
const entries = Number((await db.selectFrom('notifications').select((eb) => eb.fn.countAll().as('n')).where('key', '=', `announcement:${id}`).executeTakeFirstOrThrow()).n);
const deliveries = Number(
  (await db.selectFrom('notification_deliveries as d').innerJoin('notifications as n', 'n.id', 'd.notification_id').select((eb) => eb.fn.countAll().as('n')).where('n.key', '=', `announcement:${id}`).executeTakeFirstOrThrow()).n,
);
await database.close();
console.log(
  JSON.stringify({
    engine: database.dialect,
    told,
    entries,
    deliveries,
    ms: Math.round(ms),
    cpuMs: Math.round((used.user + used.system) / 1000),
    otherSaves: summary(waits),
    ownSaves: summary(ownWaits),
  }),
);
