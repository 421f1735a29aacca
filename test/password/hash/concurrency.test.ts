import { describe, expect, it } from 'vitest';
import { type Argon2Engine, KanmonError, argon2Engine, createPasswordHasher, definePolicy } from '../../../src/index.js';
import { loadNodeArgon2 } from '../../../src/password/hash/argon2id.js';

/** The real node-rs engine, instrumented: counts calls in flight. */
function instrumented() {
  const real = argon2Engine('node-rs');
  const stats = { inFlight: 0, maxInFlight: 0, calls: 0 };
  const engine: Argon2Engine = {
    name: 'instrumented',
    async hashRaw(...args) {
      stats.calls++;
      stats.inFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      try {
        return await real.hashRaw(...args);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { engine, stats };
}

const policy = (maxConcurrentHashes: number | null, maxQueuedHashes: number) =>
  definePolicy({ hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 }, maxConcurrentHashes, maxQueuedHashes } });

describe('bounded concurrency gate: a login flood cannot exhaust memory', () => {
  it('200 concurrent verifies with maxConcurrentHashes 2 never have more than 2 engine calls in flight', async () => {
    const { engine, stats } = instrumented();
    const hasher = createPasswordHasher({ policy: policy(2, 1000), engine });
    const stored = await hasher.hash('right');
    stats.maxInFlight = 0;
    stats.calls = 0;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => hasher.verify(stored, i % 2 === 0 ? 'right' : 'wrong')));
    expect(stats.calls).toBe(200);
    expect(stats.maxInFlight).toBe(2);
    expect(results.filter((r) => r.valid)).toHaveLength(100);
  });

  it('past the queue, ERR_BUSY; the admitted ones complete; the gate is free again afterwards', async () => {
    const { engine, stats } = instrumented();
    const hasher = createPasswordHasher({ policy: policy(2, 10), engine });
    const stored = await hasher.hash('right');
    const settled = await Promise.allSettled(Array.from({ length: 30 }, () => hasher.verify(stored, 'right')));
    const fulfilled = settled.filter((s) => s.status === 'fulfilled');
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(fulfilled).toHaveLength(12); // 2 in flight + 10 queued
    expect(rejected).toHaveLength(18);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(KanmonError);
      expect(r.reason).toMatchObject({ code: 'ERR_BUSY', details: { maxConcurrentHashes: 2, maxQueuedHashes: 10 } });
    }
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
    await expect(hasher.verify(stored, 'right')).resolves.toEqual({ valid: true, needsRehash: false });
  });

  it('hash, dummyVerify and legacy verifies go through the same gate', async () => {
    const { engine, stats } = instrumented();
    const hasher = createPasswordHasher({ policy: policy(1, 0), engine });
    const first = hasher.dummyVerify('x');
    await expect(hasher.hash('y')).rejects.toMatchObject({ code: 'ERR_BUSY' });
    await expect(hasher.verify('$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U')).rejects.toMatchObject({ code: 'ERR_BUSY' });
    await first;
    expect(stats.maxInFlight).toBe(1);
    await expect(hasher.verify('$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U')).resolves.toEqual({ valid: true, needsRehash: true });
  });

  it('a failing engine call releases its slot', async () => {
    let fail = true;
    const real = argon2Engine('node-rs');
    const engine: Argon2Engine = {
      name: 'flaky',
      hashRaw: (...args) => (fail ? Promise.reject(new Error('boom')) : real.hashRaw(...args)),
    };
    const hasher = createPasswordHasher({ policy: policy(1, 0), engine });
    await expect(hasher.hash('x')).rejects.toThrow('boom');
    fail = false;
    await expect(hasher.hash('x')).resolves.toMatch(/^\$argon2id\$/);
  });
});

describe('optional engine', () => {
  it('node-argon2 missing: ERR_ENGINE_UNAVAILABLE naming the package', async () => {
    const missing = Object.assign(new Error("Cannot find package 'argon2'"), { code: 'ERR_MODULE_NOT_FOUND' });
    await expect(loadNodeArgon2(() => Promise.reject(missing))).rejects.toMatchObject({
      code: 'ERR_ENGINE_UNAVAILABLE',
      message: expect.stringContaining('npm install argon2') as unknown,
      cause: missing,
    });
  });

  it('node-argon2 is installed here and loads on first use', async () => {
    const engine = await loadNodeArgon2();
    expect(engine.name).toBe('node-argon2');
  });
});
