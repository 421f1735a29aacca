import { describe, expect, it } from 'vitest';
import { checkPasswordHistory, createKeyRing, createPasswordHasher, definePolicy } from '../../src/index.js';
import { formatPbkdf2, derivePbkdf2 } from '../../src/password/hash/pbkdf2.js';

const policy = definePolicy('remote-maintenance', { hashing: { argon2: { memoryKiB: 1024, iterations: 1, parallelism: 1 } } }); // history: 5
const hasher = createPasswordHasher({ policy });

async function pbkdf2Hash(password: string): Promise<string> {
  // A PBKDF2 hash as an earlier cryptrec deployment wrote it (fewer iterations to keep the test quick).
  const salt = Buffer.alloc(16, 7);
  const key = await derivePbkdf2('sha256', Buffer.from(password.normalize('NFKC')), salt, 1000, 32);
  return formatPbkdf2({ digest: 'sha256', iterations: 1000, keyId: undefined, salt, key });
}

describe('RM-22, RM-36: password history refuses the last N across algorithms', () => {
  it('refuses each of the last 5, whatever algorithm stored it, and accepts the 6th-oldest and a new one', async () => {
    const history = [
      await hasher.hash('Newest-1!'), // argon2id
      await pbkdf2Hash('Second-2!'), // pbkdf2-sha256
      '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', // bcrypt of "U*U" (legacy import)
      await createPasswordHasher({ policy: definePolicy(policy, { hashing: { pepper: true } }), keyRing: createKeyRing({ keys: [{ id: 'p1', secret: Buffer.alloc(32, 9) }], current: 'p1' }) }).hash('Fourth-4!'),
      await hasher.hash('Fifth-5!'),
      await hasher.hash('Sixth-6!'), // beyond history: 5
    ];
    const ring = createKeyRing({ keys: [{ id: 'p1', secret: Buffer.alloc(32, 9) }], current: 'p1' });
    const withKeys = createPasswordHasher({ policy, keyRing: ring });
    for (const [index, password] of ['Newest-1!', 'Second-2!', 'U*U', 'Fourth-4!', 'Fifth-5!'].entries()) {
      await expect(checkPasswordHistory(password, history, policy, withKeys)).resolves.toEqual({ ok: false, reason: 'reused', index, history: 5 });
    }
    await expect(checkPasswordHistory('Sixth-6!', history, policy, withKeys)).resolves.toEqual({ ok: true, checked: 5 });
    await expect(checkPasswordHistory('Brand-New-7!', history, policy, withKeys)).resolves.toEqual({ ok: true, checked: 5 });
  });

  it('history 0 checks nothing; the caller’s array is not modified', async () => {
    const none = definePolicy(policy, { password: { history: 0 } });
    const list = Object.freeze([await hasher.hash('Same-1!')]);
    await expect(checkPasswordHistory('Same-1!', list, none, hasher)).resolves.toEqual({ ok: true, checked: 0 });
    await expect(checkPasswordHistory('Same-1!', list, policy, hasher)).resolves.toMatchObject({ ok: false, reason: 'reused' });
  });

  it('an over-long password is answered as such, not compared', async () => {
    const list = [await hasher.hash('Same-1!')];
    await expect(checkPasswordHistory('x'.repeat(10_000), list, policy, hasher)).resolves.toEqual({ ok: false, reason: 'too_long' });
  });
});
