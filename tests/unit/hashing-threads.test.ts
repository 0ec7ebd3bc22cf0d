import { afterAll, describe, expect, it } from 'vitest';
import { ARGON2_OPTIONS } from '../../src/domain/accounts/passwords.js';
import { HashingThreads, HashingUnavailableError } from '../../src/domain/accounts/hashing-threads.js';

describe('hashing threads', () => {
  const threads = new HashingThreads(2);
  afterAll(() => threads.close());

  it('runs more hashes than threads, each answer to its own task, on no more threads than asked', async () => {
    const stored = await threads.run<string>({ op: 'hash', password: 'first password', options: { ...ARGON2_OPTIONS } });
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const guesses = ['first password', 'wrong', 'first password', 'First password', 'wrong again', 'first password', 'x', 'first password', ''];
    const answers = await Promise.all(guesses.map((password) => threads.run<boolean>({ op: 'verify', hash: stored, password })));
    expect(answers).toEqual(guesses.map((g) => g === 'first password'));
    expect(threads.threadCount).toBe(2);
  });

  it('hashes with a given salt reproducibly', async () => {
    const salt = new Uint8Array(16).fill(7);
    const a = await threads.run<string>({ op: 'hash', password: 'demo', options: { ...ARGON2_OPTIONS, salt } });
    const b = await threads.run<string>({ op: 'hash', password: 'demo', options: { ...ARGON2_OPTIONS, salt } });
    expect(a).toBe(b);
  });

  it("fails a task the library refuses, and goes on", async () => {
    const refused = threads.run({ op: 'verify', hash: 'not a hash', password: 'x' });
    await expect(refused).rejects.toThrow();
    await expect(refused).rejects.not.toBeInstanceOf(HashingUnavailableError);
    const stored = await threads.run<string>({ op: 'hash', password: 'after', options: { ...ARGON2_OPTIONS } });
    expect(await threads.run<boolean>({ op: 'verify', hash: stored, password: 'after' })).toBe(true);
  });

  it('fails the tasks of threads that stop, and starts new threads for the next', async () => {
    const stored = await threads.run<string>({ op: 'hash', password: 'again', options: { ...ARGON2_OPTIONS } });
    const inFlight = [1, 2, 3].map(() => threads.run<boolean>({ op: 'verify', hash: stored, password: 'again' }));
    const outcomes = Promise.allSettled(inFlight);
    await threads.close();
    const settled = await outcomes;
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    // Not an answer about the password: verifyPassword passes it on instead of saying "no match".
    for (const f of failed) expect(f.reason).toBeInstanceOf(HashingUnavailableError);
    expect(await threads.run<boolean>({ op: 'verify', hash: stored, password: 'again' })).toBe(true);
  });
});
