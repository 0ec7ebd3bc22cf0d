/**
 * The nightly pickup's folder: which dropped packages are complete, which a night reads and in what
 * order, and where each goes once read. Real files and real zips (yazl), times set by hand.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ZipFile } from 'yazl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completePackages, moveAside, packagesToRead, SETTLE_MS, type DroppedPackage } from '../../src/domain/oneroster/pickup.js';

const NOW = new Date('2026-12-07T08:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

async function zip(file: string, entries: Record<string, string>): Promise<void> {
  const z = new ZipFile();
  for (const [name, text] of Object.entries(entries)) z.addBuffer(Buffer.from(text), name);
  z.end();
  await new Promise<void>((resolve, reject) => z.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject));
}

const touch = (file: string, at: Date) => fs.utimesSync(file, at, at);

describe('the nightly pickup folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-pickup-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('picks complete zips and folders, oldest first, and leaves what is still being written', async () => {
    const manifest = { 'manifest.csv': 'propertyName,value\noneroster.version,1.2\n' };
    await zip(path.join(dir, 'monday.zip'), manifest);
    touch(path.join(dir, 'monday.zip'), ago(3 * 86_400_000));
    await zip(path.join(dir, 'tuesday.ZIP'), manifest);
    touch(path.join(dir, 'tuesday.ZIP'), ago(2 * 86_400_000));
    // Still arriving: changed 10 seconds ago.
    await zip(path.join(dir, 'fresh.zip'), manifest);
    touch(path.join(dir, 'fresh.zip'), ago(10_000));
    // Cut short: its end (the central directory) never came.
    const whole = fs.readFileSync(path.join(dir, 'monday.zip'));
    fs.writeFileSync(path.join(dir, 'cut.zip'), whole.subarray(0, whole.length - 30));
    touch(path.join(dir, 'cut.zip'), ago(86_400_000));
    // A temporary file of the copying program, and a file that is not a package.
    fs.copyFileSync(path.join(dir, 'monday.zip'), path.join(dir, '.wednesday.zip.part'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    // A folder package, its newest file a day old; a folder without a manifest; one with a new file.
    fs.mkdirSync(path.join(dir, 'wednesday', 'inner'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'wednesday', 'manifest.csv'), manifest['manifest.csv']);
    fs.writeFileSync(path.join(dir, 'wednesday', 'inner', 'users.csv'), 'sourcedId\n');
    touch(path.join(dir, 'wednesday', 'manifest.csv'), ago(86_400_000 + 5));
    touch(path.join(dir, 'wednesday', 'inner', 'users.csv'), ago(86_400_000));
    touch(path.join(dir, 'wednesday', 'inner'), ago(86_400_000));
    touch(path.join(dir, 'wednesday'), ago(86_400_000));
    fs.mkdirSync(path.join(dir, 'empty'));
    touch(path.join(dir, 'empty'), ago(86_400_000));
    fs.mkdirSync(path.join(dir, 'arriving'));
    fs.writeFileSync(path.join(dir, 'arriving', 'manifest.csv'), manifest['manifest.csv']);
    touch(path.join(dir, 'arriving', 'manifest.csv'), ago(86_400_000));
    fs.writeFileSync(path.join(dir, 'arriving', 'users.csv'), 'sourcedId\n');
    touch(path.join(dir, 'arriving', 'users.csv'), ago(SETTLE_MS - 1_000));
    touch(path.join(dir, 'arriving'), ago(86_400_000));
    // What earlier nights moved aside is never read again.
    fs.mkdirSync(path.join(dir, 'processed'));
    fs.copyFileSync(path.join(dir, 'monday.zip'), path.join(dir, 'processed', 'old.zip'));
    touch(path.join(dir, 'processed', 'old.zip'), ago(9 * 86_400_000));
    touch(path.join(dir, 'processed'), ago(9 * 86_400_000));

    const found = await completePackages(dir, NOW);
    expect(found.map((p) => [p.name, p.kind])).toEqual([
      ['monday.zip', 'zip'],
      ['tuesday.ZIP', 'zip'],
      ['wednesday', 'folder'],
    ]);
    expect(found[2]!.changedAt.toISOString()).toBe(ago(86_400_000).toISOString());
  });

  it('has nothing to read in a folder that does not exist', async () => {
    expect(await completePackages(path.join(dir, 'not-there'), NOW)).toEqual([]);
  });

  const dropped = (name: string, day: number): DroppedPackage => ({ name, path: `/x/${name}`, kind: 'zip', changedAt: new Date(Date.UTC(2026, 11, day)) });

  it('reads from the newest full package on, and every delta after it in order; older packages are superseded', async () => {
    const all = [dropped('full-1', 1), dropped('delta-2', 2), dropped('full-3', 3), dropped('delta-4', 4), dropped('delta-5', 5)];
    const full = async (p: DroppedPackage) => p.name.startsWith('full');
    const { read, superseded } = await packagesToRead(all, full);
    expect(read.map((p) => p.name)).toEqual(['full-3', 'delta-4', 'delta-5']);
    expect(superseded.map((p) => p.name)).toEqual(['full-1', 'delta-2']);
    // Deltas only (a night missed): each of them, oldest first.
    const deltas = await packagesToRead([dropped('delta-6', 6), dropped('delta-7', 7)], full);
    expect(deltas.read.map((p) => p.name)).toEqual(['delta-6', 'delta-7']);
    expect(deltas.superseded).toEqual([]);
    expect(await packagesToRead([], full)).toEqual({ read: [], superseded: [] });
  });

  it('moves a read package aside under a name with the time, never over another', async () => {
    for (const round of [1, 2]) {
      await zip(path.join(dir, 'nightly.zip'), { 'manifest.csv': `round ${round}` });
      const [p] = await completePackages(dir, new Date(Date.now() + SETTLE_MS + 1_000));
      const to = await moveAside(dir, p!, 'processed', NOW);
      expect(path.dirname(to)).toBe(path.join(dir, 'processed'));
      expect(fs.existsSync(path.join(dir, 'nightly.zip'))).toBe(false);
    }
    expect(fs.readdirSync(path.join(dir, 'processed')).sort()).toEqual(['2026-12-07T08-00-00-000Z-2-nightly.zip', '2026-12-07T08-00-00-000Z-nightly.zip']);
  });
});
