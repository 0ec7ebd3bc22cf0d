/**
 * Threads that do nothing but argon2id: one per core, started at the first hash. Each thread runs
 * the library's synchronous hash one after another and keeps at most one more waiting in its own
 * message queue, so that when a hash ends the next one starts at once on that thread, without waiting
 * for the main thread, which may be busy with a page. Everything beyond that waits here.
 *
 * Why not the library's asynchronous calls (libuv's thread pool): the pool's four threads are shared
 * with file reads, and handing a finished hash's place to the next one took the main thread; with one
 * hash per core a core sat idle while the main thread was busy, and with one more than the cores, three
 * hashes shared two cores. Measured in `npm run bench -- login` (BENCHMARKS.md, ADR 0014).
 */
import os from 'node:os';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** No hashing thread could do the task (it stopped, or could not start): not an answer about a password. */
export class HashingUnavailableError extends Error {}

export type HashTask = { op: 'hash'; password: string; options: Record<string, unknown> } | { op: 'verify'; hash: string; password: string };

/** The thread's code: CommonJS, so that it runs the same under tsx, vitest and the built server. */
const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const argon2 = require(workerData.library);
parentPort.on('message', (task) => {
  try {
    const value = task.op === 'hash' ? argon2.hashSync(task.password, task.options) : argon2.verifySync(task.hash, task.password);
    parentPort.postMessage({ id: task.id, value });
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

/** At most this many tasks are handed to one thread at a time: the one it runs and the next. */
const PER_THREAD = 2;

interface Pending {
  id: number;
  task: HashTask;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  inFlight: Map<number, Pending>;
}

export class HashingThreads {
  private readonly threads: Thread[] = [];
  private readonly waiting: Pending[] = [];
  private nextId = 1;
  private readonly library = createRequire(import.meta.url).resolve('@node-rs/argon2');

  constructor(private readonly size = Math.max(1, os.availableParallelism())) {}

  run<T>(task: HashTask): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, task, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** How many threads are running (at most one per core). */
  get threadCount(): number {
    return this.threads.length;
  }

  /** Stops the threads (tests); tasks they had fail, the next task starts new ones. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private start(): Thread {
    const worker = new Worker(THREAD_CODE, { eval: true, workerData: { library: this.library } });
    const thread: Thread = { worker, inFlight: new Map() };
    worker.on('message', (message: { id: number; value?: unknown; error?: string }) => {
      const pending = thread.inFlight.get(message.id);
      if (!pending) return;
      thread.inFlight.delete(message.id);
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.value);
      this.dispatch();
    });
    // A thread that dies (out of memory, a crash in the library) fails its tasks; others take the rest.
    const lost = (cause: Error) => {
      const error = cause instanceof HashingUnavailableError ? cause : new HashingUnavailableError(`hashing thread failed: ${cause.message}`, { cause });
      const index = this.threads.indexOf(thread);
      if (index >= 0) this.threads.splice(index, 1);
      for (const pending of thread.inFlight.values()) pending.reject(error);
      thread.inFlight.clear();
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new HashingUnavailableError(`hashing thread stopped (${code})`)));
    this.threads.push(thread);
    return thread;
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      if (this.threads.length < this.size) this.start();
      // The thread with the least to do, if it has room.
      let best: Thread | undefined;
      for (const t of this.threads) if (!best || t.inFlight.size < best.inFlight.size) best = t;
      if (!best || best.inFlight.size >= PER_THREAD) break;
      const pending = this.waiting.shift() as Pending;
      best.inFlight.set(pending.id, pending);
      best.worker.postMessage({ id: pending.id, ...pending.task });
    }
    // Idle threads do not keep the process alive (a CLI command ends when its work does).
    for (const t of this.threads) {
      if (t.inFlight.size > 0) t.worker.ref();
      else t.worker.unref();
    }
  }
}
