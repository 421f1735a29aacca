/**
 * ASVS 5.0 V6.4 (password reset), FNB-3.1.1: the reset token on every store (memory, real Redis, real
 * PostgreSQL): single use under concurrency, expiry decided on the caller's clock at its exact boundary,
 * a newer token or a login kills the older ones, bound to its tenant and account, and only its keyed hash is
 * ever written.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type KanmonStore, createKeyRing, definePolicy } from '../../src/index.js';
import { RESET_TOKEN_BITS, checkResetToken, issueResetToken, rehearseResetToken, revokeResetTokens, spendResetToken } from '../../src/recovery/reset-token.js';
import { type MakeStore, type StoreName, onEveryStore } from '../support/stores.js';

const T0 = 1_900_000_000_000;
const policy = definePolicy('external-service-common', { recovery: { tokenTtlMinutes: 30 } });
const TTL_MS = 30 * 60_000;

/** Every argument of every call kanmon makes on the store, as text: what "written to the store" can contain. */
function recording(store: KanmonStore): { store: KanmonStore; written: string[] } {
  const written: string[] = [];
  const methods = ['update', 'read', 'advanceIfGreater', 'consumeOnce', 'increment', 'readCounter', 'delete'] as const;
  const wrapped: Record<string, unknown> = { name: store.name, purgeTenant: store.purgeTenant.bind(store), close: store.close.bind(store) };
  for (const m of methods) {
    wrapped[m] = (...args: unknown[]) => {
      written.push(JSON.stringify(args, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'name' in v && 'apply' in v ? (v as { name: string }).name : v)));
      return (store[m] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
  }
  return { store: wrapped as unknown as KanmonStore, written };
}

function suite(name: StoreName, makeStore: MakeStore) {
  describe(`ASVS 5.0 V6.4: password-reset tokens on ${name}`, () => {
    const world = () => {
      let t = T0;
      const now = () => t;
      const raw = makeStore(now);
      const { store, written } = recording(raw);
      const keyRing = createKeyRing({ keys: [{ id: 'k1', secret: randomBytes(32) }], current: 'k1' });
      const o = { store, keyRing, policy, now };
      const tenant = `t-${randomBytes(4).toString('hex')}`;
      return { o, tenant, written, set: (ms: number) => void (t = ms) };
    };

    it(`a token carries ${RESET_TOKEN_BITS} random bits and names its account; it checks out once issued`, async () => {
      const { o, tenant } = world();
      const issued = await issueResetToken(o, tenant, 'u-1');
      expect(issued.expiresAt).toBe(T0 + TTL_MS);
      const secret = issued.token.split('.').at(-1) ?? '';
      expect(Buffer.from(secret, 'base64url')).toHaveLength(RESET_TOKEN_BITS / 8);
      await expect(checkResetToken(o, tenant, issued.token)).resolves.toMatchObject({ ok: true, accountId: 'u-1', expiresAt: T0 + TTL_MS });
    });

    it('race: 20 concurrent completions with one token → exactly one spends it; afterwards it is `used`', async () => {
      const { o, tenant } = world();
      const { token } = await issueResetToken(o, tenant, 'u-1');
      const spent = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const checked = await checkResetToken(o, tenant, token);
          return checked.ok ? spendResetToken(o, tenant, checked) : false;
        }),
      );
      expect(spent.filter(Boolean)).toHaveLength(1);
      await expect(checkResetToken(o, tenant, token)).resolves.toEqual({ ok: false, reason: 'used', accountId: 'u-1' });
    });

    it('expiry at its boundary on the injected clock: usable 1 ms before expiresAt, `expired` at it', async () => {
      const { o, tenant, set } = world();
      const { token, expiresAt } = await issueResetToken(o, tenant, 'u-1');
      set(expiresAt - 1);
      await expect(checkResetToken(o, tenant, token)).resolves.toMatchObject({ ok: true });
      set(expiresAt);
      await expect(checkResetToken(o, tenant, token)).resolves.toEqual({ ok: false, reason: 'expired', accountId: 'u-1' });
    });

    it('a newer token supersedes the older; a login or password change (revokeResetTokens) kills them all', async () => {
      const { o, tenant } = world();
      const first = await issueResetToken(o, tenant, 'u-1');
      const second = await issueResetToken(o, tenant, 'u-1');
      await expect(checkResetToken(o, tenant, first.token)).resolves.toEqual({ ok: false, reason: 'superseded', accountId: 'u-1' });
      await expect(checkResetToken(o, tenant, second.token)).resolves.toMatchObject({ ok: true });
      await revokeResetTokens(o.store, tenant, 'u-1');
      await expect(checkResetToken(o, tenant, second.token)).resolves.toEqual({ ok: false, reason: 'superseded', accountId: 'u-1' });
      // Another account's token is untouched.
      const other = await issueResetToken(o, tenant, 'u-2');
      await revokeResetTokens(o.store, tenant, 'u-1');
      await expect(checkResetToken(o, tenant, other.token)).resolves.toMatchObject({ ok: true, accountId: 'u-2' });
    });

    it('bound to tenant and account: tenant A’s token is unknown at tenant B; a token edited to name another account or generation is unknown', async () => {
      const { o, tenant } = world();
      const { token } = await issueResetToken(o, tenant, 'u-1');
      await issueResetToken(o, 'tenant-b', 'u-1'); // the same account id has a generation at B too
      await expect(checkResetToken(o, 'tenant-b', token)).resolves.toEqual({ ok: false, reason: 'unknown', accountId: 'u-1' });
      const parts = token.split('.');
      const otherAccount = [...parts.slice(0, 2), Buffer.from('u-2').toString('base64url'), ...parts.slice(3)].join('.');
      await expect(checkResetToken(o, tenant, otherAccount)).resolves.toMatchObject({ ok: false, reason: 'unknown' });
      const otherGeneration = [...parts.slice(0, 3), '2', parts[4]].join('.');
      await expect(checkResetToken(o, tenant, otherGeneration)).resolves.toMatchObject({ ok: false, reason: 'unknown' });
    });

    it('malformed input is a coded refusal, never a throw', async () => {
      const { o, tenant } = world();
      for (const bad of [undefined, null, 42, '', 'kr1', 'kr1.k1.dS0x.1.short', `kr1.k1.dS0x.0.${'A'.repeat(43)}`, 'x'.repeat(5000), { token: 'x' }]) {
        await expect(checkResetToken(o, tenant, bad)).resolves.toEqual({ ok: false, reason: 'malformed', accountId: null });
      }
      await expect(checkResetToken(o, tenant, `kr1.nokey.dS0x.1.${'A'.repeat(43)}`)).resolves.toEqual({ ok: false, reason: 'unknown', accountId: 'u-1' });
      // An account id longer than any audit record holds is no account id.
      const long = Buffer.from('u'.repeat(257)).toString('base64url');
      await expect(checkResetToken(o, tenant, `kr1.k1.${long}.1.${'A'.repeat(43)}`)).resolves.toEqual({ ok: false, reason: 'malformed', accountId: null });
    });

    it('a rehearsal (unknown account) writes nothing usable, and nothing under any account', async () => {
      const { o, tenant, written } = world();
      await rehearseResetToken(o, tenant);
      expect(written.join('\n')).not.toMatch(/pwreset:gen:/);
    });

    it('the token never reaches the store: no call carries it, its secret or any 16-character piece of the secret', async () => {
      const { o, tenant, written } = world();
      const tokens: string[] = [];
      for (let i = 0; i < 3; i++) tokens.push((await issueResetToken(o, tenant, 'u-1')).token);
      for (const token of tokens) {
        const checked = await checkResetToken(o, tenant, token);
        if (checked.ok) await spendResetToken(o, tenant, checked);
      }
      const all = written.join('\n');
      expect(written.length).toBeGreaterThan(10);
      for (const token of tokens) {
        const secret = token.split('.').at(-1) ?? '';
        expect(all).not.toContain(token);
        for (let i = 0; i + 16 <= secret.length; i += 8) expect(all).not.toContain(secret.slice(i, i + 16));
        expect(all).not.toContain(Buffer.from(secret, 'base64url').toString('hex').slice(0, 16));
      }
    });
  });
}

onEveryStore(suite);
