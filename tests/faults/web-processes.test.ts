/**
 * Several web processes (`serve --processes 2`): one that cannot start (here killed by HOMEROOM_FAULT
 * just before it listens, each time, as a broken installation or configuration would stop it) stops
 * Homeroom with an error and exit code 1, instead of being started again and again for good.
 */
import net from 'node:net';
import { expect, it } from 'vitest';
import { describeFaults, homeroom } from './support.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });

describeFaults('web processes that cannot start', (get) => {
  it('stops with exit code 1 and says which process could not start, instead of starting it again in a loop', async () => {
    const port = await freePort();
    const result = await homeroom(get(), ['serve', '--processes', '2', '--no-worker', '--port', String(port), '--host', '127.0.0.1'], { fault: 'web.before-listen' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/web process [12] could not start \(null\); stopping Homeroom/);
    // Stopped at the first failure: no process was started again.
    expect(result.stderr).not.toContain('starting another');
    expect(result.stdout).not.toContain('Homeroom is running at');
  }, 60_000);
});
