import { connect } from '../../src/db/connect.js';
import { searchStudents } from '../../src/domain/staff/students.js';
import { staffReach } from '../../src/domain/access/staff.js';
const database = await connect(process.argv[2]!);
const db = database.db;
const admin = (await db.selectFrom('staff_roles').select('staff_id').where('role','=','district_admin').executeTakeFirstOrThrow()).staff_id;
const teacher = (await db.selectFrom('section_teachers').select('staff_id').executeTakeFirstOrThrow()).staff_id;
for (const [who, id] of [['admin', admin], ['teacher', teacher]] as const) {
  const reach = await staffReach(db, id, '2026-12-06');
  for (const q of ['gar', 'arc', 'maria lop', '0004002', '4002', '4002', 'gar']) {
    const t = performance.now();
    const r = await searchStudents(db, reach, { q, page: 1 }, '2026-12-06');
    console.log(who, q, (performance.now() - t).toFixed(1), 'ms', r.total);
  }
}
await database.close();
