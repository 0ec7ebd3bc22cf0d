/** The app's own route table, as "METHOD /path" lines (HEAD left out: it answers as GET), for the authorization matrices. */
import type { FastifyInstance } from 'fastify';

export function registeredRoutes(app: FastifyInstance, keep: (path: string) => boolean): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?\s*$/.exec(line);
    if (!m) continue;
    stack.length = m[1]!.length / 4;
    stack.push(m[2]!);
    const path = stack.join('');
    if (!m[3] || !keep(path)) continue;
    for (const method of m[3].split(',').map((s) => s.trim())) if (method !== 'HEAD') out.push(`${method} ${path}`);
  }
  return out.sort();
}

/** Whether a path is of the staff or administration area. */
export const isStaffPath = (path: string) => /^\/(staff|admin)(\/|$|\.)/.test(path);
