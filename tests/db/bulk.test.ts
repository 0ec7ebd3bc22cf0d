import { sql, type Kysely } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { BulkWriter, withIndexesDeferred } from '../../src/db/bulk.js';
import type { DB } from '../../src/db/schema.js';
import type { TableName } from '../../src/db/schema.js';
import { describeEachEngine } from '../support/db.js';

const T = '2026-11-25T15:20:00.000Z';
const changed = { created_at: T, updated_at: T, updated_by: null };
/** A school row (school number S<i>), with any fields changed. */
const schoolRow = (i: number, fields: { school_number?: string; name?: string; phone?: string } = {}) => ({
  id: i,
  school_number: `S${i}`,
  name: 'School',
  short_name: 'S',
  grade_low: 6,
  grade_high: 8,
  ...changed,
  ...fields,
});

/** Text that COPY's text format must escape, or that looks like its markers, or is just awkward. */
const AWKWARD: string[] = [
  '',
  ' ',
  'tab\there',
  '\t',
  'line\nbreak',
  '\n',
  'carriage\rreturn',
  'crlf\r\n',
  'back\\slash',
  '\\',
  'ends with a backslash\\',
  '\\N',
  'N',
  'NULL',
  'null',
  '\\.',
  'before\n\\.\nafter',
  '\\t is not a tab',
  '\\\\n',
  '\\x41\\101',
  'all of them: \\\t\n\r\\N',
  `quotes ' " and , ;`,
  'emoji 👩‍👩‍👧‍👦 🏫 ✏️',
  'ß ü é 漢字 العربية עברית',
  'line\u2028separator \u00a0nbsp \ufeffbom',
  'controls \u0001\u0007\u0008\u000b\u000c\u001b\u007f\u0085',
  // longer than one CopyData chunk, with escapes on both sides of the boundary
  `${'long text \\ with\ttabs\n'.repeat(20_000)}end`,
  'x'.repeat(300_000),
];

describeEachEngine('BulkWriter', (get, engine) => {
  const ALL: TableName[] = ['academic_sessions', 'calendar_days', 'courses', 'schools', 'district', 'attendance_codes'];
  afterEach(async () => {
    const { db } = get();
    for (const table of ALL) await db.deleteFrom(table).execute();
  });

  const count = async (table: TableName, db = get().db) =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

  /** After a failed write: none of its rows stayed, and the connection takes more work. */
  const expectNothingLeft = async (...tables: TableName[]) => {
    for (const table of tables) expect(await count(table)).toBe(0);
    await get().db.insertInto('schools').values(schoolRow(1, { name: 'After' })).execute();
    expect(await count('schools')).toBe(1);
  };

  it('writes awkward text, numbers, flags, dates and instants that read back identical', async () => {
    const { db } = get();
    const schools = AWKWARD.map((text, i) => ({
      id: i + 1,
      school_number: `S${i}`,
      name: text,
      short_name: `${i}:${text}`,
      grade_low: -1 - i,
      grade_high: 2_147_483_647 - i,
      address_line1: i % 2 ? text : null,
      city: i % 2 ? null : text,
      state: '',
      postal_code: null,
      phone: '\\N',
      ...changed,
    }));
    const credits = [0, 0.5, 1.25, 0.1 + 0.2, 1e-7, 123_456.789, -2.5, 1 / 3, 2 ** 40 + 0.5];
    const courses = credits.map((c, i) => ({
      id: i + 1,
      school_id: 1 + (i % 3),
      course_code: `C\t${i}`,
      title: AWKWARD[i % AWKWARD.length] as string,
      subject: 'math\n',
      grade_low: 6,
      grade_high: 12,
      credits: c,
      sourced_id: i === 0 ? '' : i % 2 ? null : `\\N${i}`,
      ...changed,
      created_at: ['1970-01-01T00:00:00.000Z', '2026-03-08T10:00:00.123Z', '2099-12-31T23:59:59.999Z'][i % 3] as string,
      updated_by: i % 2 ? i : null,
    }));
    const days = ['2026-02-28', '2028-02-29', '1999-12-31', '2026-11-25', '0001-01-01'].map((date, i) => ({
      id: i + 1,
      school_id: 1,
      date,
      instructional: (i % 2) as 0 | 1,
      reason: i === 0 ? '' : null,
      note: AWKWARD[i] as string,
      note_es: i === 1 ? 'Día bisiesto' : null,
    }));

    await db.transaction().execute(async (trx) => {
      const w = new BulkWriter(trx, engine, 10);
      for (const d of days) w.add('calendar_days', d); // added first: written after schools, in FK order
      for (const s of schools) w.add('schools', s);
      for (const c of courses) w.add('courses', c);
      await w.flush();
      expect(Object.fromEntries(w.written)).toEqual({ schools: schools.length, calendar_days: days.length, courses: courses.length });
    });

    const readSchools = await db
      .selectFrom('schools')
      .select(['id', 'school_number', 'name', 'short_name', 'grade_low', 'grade_high', 'address_line1', 'city', 'state', 'postal_code', 'phone', 'created_at', 'updated_at', 'updated_by'])
      .orderBy('id')
      .execute();
    expect(readSchools).toEqual(schools);
    const readCourses = await db
      .selectFrom('courses')
      .select(['id', 'school_id', 'course_code', 'title', 'subject', 'grade_low', 'grade_high', 'credits', 'sourced_id', 'created_at', 'updated_at', 'updated_by'])
      .orderBy('id')
      .execute();
    expect(readCourses).toEqual(courses);
    // exactly the same doubles, not just close ones
    expect(readCourses.map((c) => Object.is(c.credits, credits[c.id - 1]))).toEqual(credits.map(() => true));
    const readDays = await db.selectFrom('calendar_days').selectAll().orderBy('id').execute();
    expect(readDays).toEqual(days);
  });

  it('leaves nothing when the caller’s transaction rolls back', async () => {
    const { db } = get();
    const rollback = new Error('roll back');
    await expect(
      db.transaction().execute(async (trx) => {
        const writer = new BulkWriter(trx, engine, 1_000);
        for (let i = 1; i <= 5_000; i++) {
          writer.add('schools', { id: i, school_number: `S${i}`, name: `School\t${i}`, short_name: 'S', grade_low: 6, grade_high: 8, ...changed });
          await writer.checkpoint();
        }
        writer.add('calendar_days', { school_id: 1, date: '2026-09-01' });
        await writer.flush();
        // written inside the transaction: it sees them
        expect(await count('schools', trx)).toBe(5_000);
        expect(await count('calendar_days', trx)).toBe(1);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect(await count('schools')).toBe(0);
    expect(await count('calendar_days')).toBe(0);
  });

  it('surfaces a foreign-key violation as an error, and the rollback leaves nothing', async () => {
    const { db } = get();
    const attempt = db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine);
      for (let i = 1; i <= 3; i++) {
        writer.add('schools', schoolRow(i));
      }
      for (let i = 1; i <= 2_000; i++) {
        // one course in the middle belongs to a school that does not exist
        const school_id = i === 1_000 ? 99 : 1 + (i % 3);
        writer.add('courses', { id: i, school_id, course_code: `C${i}`, title: 'Course', subject: 'math', grade_low: 6, grade_high: 8, ...changed });
      }
      writer.add('calendar_days', { school_id: 1, date: '2026-09-01' });
      await writer.flush();
    });
    await expect(attempt).rejects.toThrow(/foreign key/i);
    await expectNothingLeft('schools', 'courses', 'calendar_days');
  });

  it('surfaces an error found early in a large write (a duplicate key), and the rollback leaves nothing', async () => {
    const { db } = get();
    const attempt = db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine);
      for (let i = 1; i <= 60_000; i++) {
        // the duplicate is found while most of the rows are still to be sent
        const school_number = i === 20 ? 'S10' : `S${i}`;
        writer.add('schools', { id: i, school_number, name: `School ${'n'.repeat(100)}`, short_name: 'S', grade_low: 6, grade_high: 8, ...changed });
      }
      await writer.flush();
    });
    await expect(attempt).rejects.toThrow(/unique|duplicate/i);
    await expectNothingLeft('schools');
  });

  it('rejects a value it cannot write, and the rollback leaves nothing', async () => {
    const { db } = get();
    const attempt = db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine);
      for (let i = 1; i <= 3_000; i++) {
        // a few CopyData chunks go out before the bad value
        const name = i === 2_999 ? ({ not: 'text' } as unknown as string) : `School ${'n'.repeat(200)}`;
        writer.add('schools', { id: i, school_number: `S${i}`, name, short_name: 'S', grade_low: 6, grade_high: 8, ...changed });
      }
      await writer.flush();
    });
    await expect(attempt).rejects.toThrow(TypeError);
    await expectNothingLeft('schools');
  });

  it('gives a column a row leaves out (or gives as undefined) its default, whatever the other rows give', async () => {
    const { db } = get();
    const district = { name: 'D', short_name: 'D', portal_name: 'P', time_zone: 'America/Chicago', color_primary: '#000', color_secondary: '#fff', ...changed };
    await db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine);
      writer.add('district', { id: 1, ...district, locale: 'fr', settings: '{"a":1}', help_email: 'help@example.org' });
      writer.add('district', { id: 2, ...district }); // locale and settings: NOT NULL with a default
      writer.add('district', { id: 3, ...district, locale: undefined, help_email: null });
      // the same columns as the first row, in another order
      writer.add('district', { help_email: 'h@example.org', settings: '{}', locale: 'es', ...district, id: 4 });
      writer.add('district', { id: 5, ...district, settings: '{"b":2}' });
      writer.add('schools', { id: 1, school_number: 'S1', name: 'School', short_name: 'S', grade_low: 6, grade_high: 8, ...changed });
      writer.add('calendar_days', { id: 1, school_id: 1, date: '2026-09-01' });
      writer.add('calendar_days', { id: 2, school_id: 1, date: '2026-09-02', instructional: 0 });
      writer.add('calendar_days', { id: 3, school_id: 1, date: '2026-09-03', reason: 'holiday' });
      await writer.flush();
    });
    const rows = await db.selectFrom('district').select(['id', 'locale', 'settings', 'help_email', 'name', 'time_zone']).orderBy('id').execute();
    const rest = { name: 'D', time_zone: 'America/Chicago' };
    expect(rows).toEqual([
      { id: 1, locale: 'fr', settings: '{"a":1}', help_email: 'help@example.org', ...rest },
      { id: 2, locale: 'en', settings: '{}', help_email: null, ...rest },
      { id: 3, locale: 'en', settings: '{}', help_email: null, ...rest },
      { id: 4, locale: 'es', settings: '{}', help_email: 'h@example.org', ...rest },
      { id: 5, locale: 'en', settings: '{"b":2}', help_email: null, ...rest },
    ]);
    const days = await db.selectFrom('calendar_days').select(['id', 'instructional', 'reason']).orderBy('id').execute();
    expect(days).toEqual([
      { id: 1, instructional: 1, reason: null },
      { id: 2, instructional: 0, reason: null },
      { id: 3, instructional: 1, reason: 'holiday' },
    ]);
  });

  it('keeps the order rows were added in when their columns differ (a row may refer to an earlier one of its table)', async () => {
    const { db } = get();
    const session = { type: 'schoolYear' as const, title: 'Y', school_year: 2027, start_date: '2026-08-17', end_date: '2027-05-28', ...changed };
    await db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine);
      writer.add('academic_sessions', { id: 1, ...session, parent_id: null });
      writer.add('academic_sessions', { id: 2, ...session }); // no parent_id: other columns
      writer.add('academic_sessions', { id: 3, ...session, type: 'semester', parent_id: 2 });
      writer.add('academic_sessions', { id: 4, ...session, type: 'gradingPeriod', parent_id: 3 });
      await writer.flush();
    });
    const rows = await db.selectFrom('academic_sessions').select(['id', 'parent_id', 'type']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 1, parent_id: null, type: 'schoolYear' },
      { id: 2, parent_id: null, type: 'schoolYear' },
      { id: 3, parent_id: 2, type: 'semester' },
      { id: 4, parent_id: 3, type: 'gradingPeriod' },
    ]);
  });

  // SQLite's inserts are batches of a fixed number of rows whose SQL text is made once per table and
  // columns: full batches, a shorter last one, the same text again in a later flush, other columns between.
  it('writes many rows across batches and flushes, each with its own values, in order', async () => {
    const { db } = get();
    const school = (i: number, withShort: boolean) => ({
      id: i,
      school_number: `S${i}`,
      name: `School ${i} '; drop table schools; --`,
      ...(withShort ? { short_name: `s${i}` } : { short_name: `x${i}`, phone: `555-${i}` }),
      grade_low: i % 13,
      grade_high: 12,
      ...changed,
    });
    await db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine);
      for (let i = 1; i <= 600; i++) writer.add('schools', school(i, true));
      for (let i = 601; i <= 900; i++) writer.add('schools', school(i, false));
      await writer.flush();
      for (let i = 901; i <= 1_500; i++) writer.add('schools', school(i, true));
      await writer.flush();
    });
    const rows = await db.selectFrom('schools').select(['id', 'school_number', 'name', 'short_name', 'phone', 'grade_low']).orderBy('id').execute();
    expect(rows).toHaveLength(1_500);
    rows.forEach((row, n) => {
      const i = n + 1;
      const other = i > 600 && i <= 900;
      expect(row).toEqual({ id: i, school_number: `S${i}`, name: `School ${i} '; drop table schools; --`, short_name: other ? `x${i}` : `s${i}`, phone: other ? `555-${i}` : null, grade_low: i % 13 });
    });
  });

  it('writes at checkpoints while the caller goes on (PostgreSQL: in the background), every row once, parents before children', async () => {
    const { db } = get();
    await db.transaction().execute(async (trx) => {
      // a checkpoint writes once 250 rows wait
      const writer = new BulkWriter(trx, engine, 250);
      for (let i = 1; i <= 2_000; i++) {
        writer.add('schools', schoolRow(i, { name: `School ${i}` }));
        // each course belongs to a school added a few checkpoints before: written out of order, it would break its foreign key
        writer.add('courses', { id: i, school_id: Math.max(1, i - 400), course_code: `C${i}`, title: `Course ${i}`, subject: 'math', grade_low: 6, grade_high: 8, ...changed });
        if (i % 7 === 0) await writer.checkpoint();
      }
      await writer.flush();
      // after flush every row is there, read on the same connection
      expect(await count('courses', trx)).toBe(2_000);
    });
    const courses = await db.selectFrom('courses').select(['id', 'school_id', 'title']).orderBy('id').execute();
    expect(courses).toEqual(Array.from({ length: 2_000 }, (_, n) => ({ id: n + 1, school_id: Math.max(1, n + 1 - 400), title: `Course ${n + 1}` })));
    expect(await count('schools')).toBe(2_000);
  });

  it('throws the error of a write begun at a checkpoint, and the rollback leaves nothing', async () => {
    const { db } = get();
    let added = 0;
    const attempt = db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine, 100);
      for (let i = 1; i <= 1_000; i++) {
        // a duplicate in the first checkpoint's rows
        writer.add('schools', schoolRow(i, i === 50 ? { school_number: 'S10' } : {}));
        added = i;
        await writer.checkpoint();
      }
      await writer.flush();
    });
    await expect(attempt).rejects.toThrow(/unique|duplicate/i);
    // it came out at a later checkpoint at the latest, not only at the end
    expect(added).toBeLessThan(1_000);
    await expectNothingLeft('schools');
  });

  it('writes nothing more once abandoned: a caller that fails while a checkpoint’s rows are being written leaves nothing', async () => {
    const { db } = get();
    const attempt = db.transaction().execute(async (trx) => {
      const writer = new BulkWriter(trx, engine, 1_000);
      try {
        // one batch of several writes: runs with different columns, and a table of its own
        for (let i = 1; i <= 3_000; i++) writer.add('schools', schoolRow(i, { name: `School ${'n'.repeat(200)}`, ...(i > 1_500 ? { phone: '555-0100' } : {}) }));
        for (let i = 1; i <= 50; i++) writer.add('attendance_codes', { id: i, code: `C${i}`, description: 'Code', kind: 'absent', excuse: 'unknown' });
        await writer.checkpoint();
        throw new Error('the generator failed');
      } catch (error) {
        await writer.abandon();
        throw error;
      }
    });
    await expect(attempt).rejects.toThrow('the generator failed');
    // nothing arrives later either, on another transaction's back
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await count('schools')).toBe(0);
    expect(await count('attendance_codes')).toBe(0);
  });

  it('writes outside a transaction too', async () => {
    const { db } = get();
    const writer = new BulkWriter(db, engine);
    for (let i = 1; i <= 100; i++) {
      writer.add('schools', schoolRow(i, { name: `School ${i}` }));
    }
    await writer.flush();
    expect(await count('schools')).toBe(100);
    expect(writer.written.get('schools')).toBe(100);
  });
});

/** The schema's indexes and foreign keys, as their definitions (what withIndexesDeferred takes off and puts back). */
async function schemaShape(db: Kysely<DB>, engine: string): Promise<{ indexes: string[]; foreignKeys: string[] }> {
  if (engine === 'postgres') {
    const indexes = (await sql<{ d: string }>`select indexdef as d from pg_indexes where schemaname = current_schema()`.execute(db)).rows.map((r) => r.d);
    const foreignKeys = (
      await sql<{ d: string }>`select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) as d from pg_constraint where contype = 'f' and connamespace = current_schema()::regnamespace`.execute(db)
    ).rows.map((r) => r.d);
    return { indexes: indexes.sort(), foreignKeys: foreignKeys.sort() };
  }
  const indexes = (await sql<{ d: string }>`select name || ' ' || coalesce(sql, '') as d from sqlite_master where type = 'index'`.execute(db)).rows.map((r) => r.d);
  return { indexes: indexes.sort(), foreignKeys: [] };
}

describeEachEngine('withIndexesDeferred', (get, engine) => {
  afterEach(async () => {
    const { db } = get();
    for (const table of ['courses', 'schools', 'district'] as const) await db.deleteFrom(table).execute();
  });

  const countOf = async (table: TableName) => Number((await get().db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const course = (i: number, school_id: number) => ({ id: i, school_id, course_code: `C${i}`, title: 'Course', subject: 'math', grade_low: 6, grade_high: 8, ...changed });

  /** A load of three schools and whatever `more` adds, with the indexes deferred, in a transaction of its own. */
  const load = (more: (writer: BulkWriter) => void, during?: (trx: Kysely<DB>) => Promise<void>) =>
    get()
      .db.transaction()
      .execute(async (trx) =>
        withIndexesDeferred(trx, engine, async () => {
          await during?.(trx);
          const writer = new BulkWriter(trx, engine);
          for (let i = 1; i <= 3; i++) writer.add('schools', schoolRow(i));
          more(writer);
          await writer.flush();
        }),
      );

  it('loads with the plain indexes (and PostgreSQL foreign keys) off, and puts every one back as it was', async () => {
    const before = await schemaShape(get().db, engine);
    // the schema has plain indexes to take off (courses' school_id among them)
    expect(before.indexes.some((d) => /courses/.test(d) && !/unique|primary|pkey|autoindex/i.test(d))).toBe(true);
    const kept = (shape: { indexes: string[] }) => shape.indexes.filter((d) => /unique|pkey|autoindex/i.test(d));
    await load(
      (writer) => {
        for (let i = 1; i <= 500; i++) writer.add('courses', course(i, 1 + (i % 3)));
      },
      async (trx) => {
        const during = await schemaShape(trx, engine);
        expect(during.indexes.length).toBeLessThan(before.indexes.length);
        // unique ones stay: they answer duplicates at once
        expect(kept(during)).toEqual(kept(before));
        if (engine === 'postgres') expect(during.foreignKeys).toEqual([]);
      },
    );
    expect(await schemaShape(get().db, engine)).toEqual(before);
    expect(await countOf('courses')).toBe(500);
  });

  it('fails a load that broke a foreign key, and the rollback leaves the rows and the schema as they were', async () => {
    const before = await schemaShape(get().db, engine);
    // one course of a school that does not exist
    const attempt = load((writer) => {
      for (let i = 1; i <= 500; i++) writer.add('courses', course(i, i === 250 ? 99 : 1));
    });
    await expect(attempt).rejects.toThrow(/foreign key/i);
    expect(await schemaShape(get().db, engine)).toEqual(before);
    expect(await countOf('schools')).toBe(0);
  });

  it('answers a duplicate at once, and a load that throws leaves the schema as it was', async () => {
    const before = await schemaShape(get().db, engine);
    const attempt = load((writer) => writer.add('schools', schoolRow(3, { school_number: 'again' })));
    await expect(attempt).rejects.toThrow(/unique|duplicate/i);
    expect(await schemaShape(get().db, engine)).toEqual(before);
    expect(await countOf('schools')).toBe(0);
  });
});
