/**
 * Issue 18: the compliance report reads the passkey settings in force. EXT-4 recommends biometric and multi-factor
 * authentication (生体認証及び多要素認証【推奨】): shown met with passkeys on. SEC-6.3 (a device stage) and RM-21
 * (restricted terminals) are supported by an attested AAGUID allow-list (the authenticator models the city issued);
 * an emptied list, or one the authenticator only claims ('none' attestation), is never met.
 */
import { issued } from '../webauthn/support/attestation-fixtures.js';
import { describe, expect, it } from 'vitest';
import { type ComplianceRow, type PolicyOverrides, complianceReport, definePolicy } from '../../src/index.js';

const on = { enabled: true, rpId: 'auth.city.example', origins: ['https://auth.city.example'] };
const KEY = '2fc0579f-8113-47ea-b116-bb5a8db9202a';

function row(preset: 'funabashi' | 'external-service-common' | 'remote-maintenance', id: string, overrides: PolicyOverrides = {}): ComplianceRow {
  const found = complianceReport(definePolicy(preset, overrides), { lang: 'en', documents: ['EXT', 'SEC', 'RM'] }).rows.find((r) => r.clause === id);
  if (!found) throw new Error(`no row ${id}`);
  return found;
}
const ev = (r: ComplianceRow, path: string) => r.evidence.find((e) => e.path === path);

describe('EXT-4 (生体認証及び多要素認証【推奨】): passkeys in the report', () => {
  it('on (with the place restricted): EXT-4 met, with webauthn.enabled true (and the passwordless and user-verification settings) as its evidence', () => {
    // EXT-4 asks for the place as well (IP restriction or a client certificate): the city's terminals listed
    const r = row('external-service-common', 'EXT-4', { webauthn: on, access: { ipAllowList: ['192.0.2.0/24'] } });
    expect(r.verdict).toBe('met');
    expect(r.controls).toContain('passkeys');
    expect(ev(r, 'webauthn.enabled')).toMatchObject({ value: true });
    expect(ev(r, 'webauthn.enabled')?.finding).toBeUndefined();
    expect(ev(r, 'webauthn.passwordless')).toMatchObject({ value: true });
    expect(ev(r, 'webauthn.userVerification')).toMatchObject({ value: 'preferred' });
  });
  it('off: shown as the recommendation not taken (false), nothing else claimed', () => {
    const r = row('external-service-common', 'EXT-4');
    expect(ev(r, 'webauthn.enabled')).toMatchObject({ value: false, required: expect.stringContaining('recommended') as string });
    expect(ev(r, 'webauthn.passwordless')).toBeUndefined();
  });
});

describe('SEC-6.3, RM-21: device binding by an attested AAGUID allow-list', () => {
  it('an attested allow-list supports SEC-6.3: met with the makers’ roots (attestationRoots), weakened without them (the chain leads nowhere)', () => {
    const off = row('funabashi', 'SEC-6.3');
    expect(off.verdict).toBe('not_configured');
    const bound = row('funabashi', 'SEC-6.3', { webauthn: { ...on, allowedAaguids: [KEY], attestation: 'direct' } });
    expect(bound.verdict).toBe('weakened');
    expect(bound.controls).toContain('passkeys');
    expect(ev(bound, 'webauthn.allowedAaguids')).toMatchObject({ value: [KEY] });
    expect(ev(bound, 'webauthn.attestation')).toMatchObject({ value: 'direct', finding: { verdict: 'weakened', code: 'aaguid_unanchored' } });
    expect(ev(bound, 'access.requireRegisteredDevice')?.finding).toBeUndefined();
    // With the makers' roots the model is proven: SEC-6.3 met by the passkeys alone, the roots shown by their subjects.
    const anchored = row('funabashi', 'SEC-6.3', { webauthn: { ...on, allowedAaguids: [KEY], attestation: 'direct', attestationRoots: [issued.root] } });
    expect(anchored.verdict).toBe('met');
    expect(ev(anchored, 'webauthn.attestation')?.finding).toBeUndefined();
    expect(ev(anchored, 'webauthn.attestationRoots')).toMatchObject({ value: ['C=JP, O=Kanmon Test Maker, CN=Kanmon Test Maker Attestation Root'] });
    // With registered terminals as the device stage, the models are an extra: met, no finding on them.
    const both = row('funabashi', 'SEC-6.3', { access: { defaultRule: { allow: 'allow_listed_terminals' }, requireRegisteredDevice: true }, webauthn: { ...on, allowedAaguids: [KEY], attestation: 'direct' } });
    expect(both.verdict).toBe('met');
    expect(ev(both, 'webauthn.attestation')?.finding).toBeUndefined();
  });
  it("never met when a setting empties it: an empty list, passkeys off, or 'none' attestation (the AAGUID only claimed)", () => {
    expect(row('funabashi', 'SEC-6.3', { webauthn: { ...on, allowedAaguids: [], attestation: 'direct' } }).verdict).toBe('not_configured');
    expect(row('funabashi', 'SEC-6.3', { webauthn: { ...on, enabled: false, rpId: null, origins: [], allowedAaguids: [KEY], attestation: 'direct' } }).verdict).toBe('not_configured');
    const claimed = row('funabashi', 'SEC-6.3', { webauthn: { ...on, allowedAaguids: [KEY], attestation: 'none' } });
    expect(claimed.verdict).toBe('not_configured');
    expect(ev(claimed, 'access.requireRegisteredDevice')?.finding).toMatchObject({ code: 'aaguid_unattested' });
  });
  it('RM-21 shows the allow-list, the attestation and the backup rule of the remote-maintenance preset', () => {
    const r = row('remote-maintenance', 'RM-21', { webauthn: { ...on, allowedAaguids: [KEY] } });
    expect(r.controls).toContain('passkeys');
    expect(ev(r, 'webauthn.allowedAaguids')).toMatchObject({ value: [KEY] });
    expect(ev(r, 'webauthn.attestation')).toMatchObject({ value: 'direct' });
    expect(ev(r, 'webauthn.allowBackedUp')).toMatchObject({ value: false });
  });
});
