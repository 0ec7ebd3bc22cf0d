/** A real Homeroom server for a benchmark: `homeroom serve` in a child process, on a free port. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  base: string;
  /** what the server printed when it started (the demo sign-ins, in demo mode) */
  output: string;
  dataDir: string;
  /** the process started (tsx, which runs the server as its child: see cpu-split.ts processTree) */
  pid: number;
  /** ends the server and resolves once its process has exited */
  stop(): Promise<void>;
}

/**
 * Starts `homeroom serve` (or `entry`: a script and its first arguments, when a benchmark brings its
 * own server) with these arguments and environment, on a free port; resolves once it serves.
 */
export async function startServer(
  args: string[],
  env: Record<string, string>,
  ready: (output: string) => boolean,
  entry: string[] = ['src/cli/main.ts', 'serve'],
): Promise<BenchServer> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeroom-bench-server-'));
  // BENCH_CPU_PROF=DIR: every server process (web workers included) writes a V8 CPU profile there when it
  // stops. BENCH_PERF_MAP=1: the server writes /tmp/perf-PID.map, so that `perf record -g` names its
  // JavaScript functions (a V8 profile samples wall time; during a sign-in storm, perf's CPU samples
  // are the truer picture).
  const profile = process.env.BENCH_CPU_PROF;
  const [command, prefix] = profile
    ? [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profile)}`, '--import', 'tsx']]
    : process.env.BENCH_PERF_MAP
      ? [process.execPath, ['--perf-basic-prof', '--import', 'tsx']]
      : [path.join(root, 'node_modules/.bin/tsx'), []];
  const server: ChildProcess = spawn(command, [...prefix, ...entry, '--port', String(port), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      HOST: '127.0.0.1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        if (ready(output)) resolve();
      });
      server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    return { base: `http://127.0.0.1:${port}`, output, dataDir, pid: server.pid as number, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
