/**
 * SEC-13 (privileged accounts: MFA), SEC-16 (use not through the internal
 * network: MFA or device authentication), EXT-4 (MFA recommended), SEC-27
 * (out-of-hours use may require MFA): `mfaRequirement`, table-driven per
 * preset and per reason.
 */
import { describe, expect, it } from 'vitest';
import { definePolicy, mfaRequirement } from '../../src/index.js';
import type { MfaContext, MfaReason, PresetId } from '../../src/index.js';

const internal = ['10.0.0.0/8', '2001:db8:10::/48'];
const withNetworks = (preset: PresetId) => definePolicy(preset, { mfa: { internalNetworks: internal } });

type Row = [label: string, context: MfaContext, reasons: MfaReason[], waived?: MfaReason[]];

// The presets as shipped (plus the deployer's internal networks):
// funabashi: privileged + outside (client cert satisfies outside); the others: privileged only;
// no preset requires MFA for all; no preset's out-of-hours is require_mfa.
const table: Record<PresetId, Row[]> = {
  funabashi: [
    ['clerk on the internal network', { roles: ['clerk'], clientIp: '10.1.2.3' }, []],
    ['clerk via IPv4-mapped internal address', { roles: ['clerk'], clientIp: '::ffff:10.1.2.3' }, []],
    ['clerk on internal IPv6', { roles: ['clerk'], clientIp: '2001:db8:10::5' }, []],
    ['admin on the internal network (SEC-13)', { roles: ['clerk', 'admin'], clientIp: '10.1.2.3' }, ['privileged_role']],
    ['clerk from outside (SEC-16)', { roles: ['clerk'], clientIp: '203.0.113.9' }, ['outside_internal_network']],
    ['admin from outside', { roles: ['admin'], clientIp: '203.0.113.9' }, ['privileged_role', 'outside_internal_network']],
    ['clerk from outside with a verified client certificate', { roles: ['clerk'], clientIp: '203.0.113.9', deviceVerified: true }, [], ['outside_internal_network']],
    ['admin from outside with a certificate: SEC-13 still applies', { roles: ['admin'], clientIp: '203.0.113.9', deviceVerified: true }, ['privileged_role'], ['outside_internal_network']],
    ['no client address known: outside', { roles: ['clerk'] }, ['outside_internal_network']],
    ['unparsable address: outside', { roles: ['clerk'], clientIp: 'not-an-ip' }, ['outside_internal_network']],
    ['caller says internal (dedicated LGWAN listener)', { roles: ['clerk'], clientIp: '203.0.113.9', viaInternalNetwork: true }, []],
    ['caller says not internal, whatever the address', { roles: ['clerk'], clientIp: '10.1.2.3', viaInternalNetwork: false }, ['outside_internal_network']],
    ['out of hours with outOfHours "flag": no MFA reason', { roles: ['clerk'], clientIp: '10.1.2.3', businessHours: false }, []],
  ],
  'remote-maintenance': [
    ['maintainer', { roles: ['maintainer'], clientIp: '203.0.113.9' }, []],
    ['admin (RM-19)', { roles: ['admin'], clientIp: '10.1.2.3' }, ['privileged_role']],
  ],
  'external-service-common': [
    ['user from anywhere', { roles: ['user'], clientIp: '198.51.100.1' }, []],
    ['admin (EXT-4)', { roles: ['admin'] }, ['privileged_role']],
  ],
  'nist-800-63b': [
    ['user', { roles: ['user'], clientIp: '198.51.100.1' }, []],
    ['admin', { roles: ['admin'] }, ['privileged_role']],
    ['no roles at all', {}, []],
  ],
};

describe('mfaRequirement per preset', () => {
  for (const [preset, rows] of Object.entries(table) as [PresetId, Row[]][]) {
    describe(preset, () => {
      it.each(rows)('%s', (_label, context, reasons, waived = []) => {
        expect(mfaRequirement(withNetworks(preset), context)).toEqual({ required: reasons.length > 0, reasons, waived });
      });
    });
  }
});

describe('mfaRequirement per reason', () => {
  it('all_accounts: requireForAll (EXT-4 recommends MFA outright)', () => {
    const policy = definePolicy('external-service-common', { mfa: { requireForAll: true } });
    expect(mfaRequirement(policy, { roles: ['user'] })).toEqual({ required: true, reasons: ['all_accounts'], waived: [] });
  });

  it('privileged_role: the policy’s role names, exactly; off when requireForPrivileged is false', () => {
    const policy = definePolicy('funabashi', { mfa: { privilegedRoles: ['システム管理者', 'security-officer'], internalNetworks: internal } });
    expect(mfaRequirement(policy, { roles: ['システム管理者'], clientIp: '10.0.0.1' }).reasons).toEqual(['privileged_role']);
    expect(mfaRequirement(policy, { roles: ['admin'], clientIp: '10.0.0.1' }).reasons).toEqual([]);
    expect(mfaRequirement(policy, { roles: ['Security-Officer'], clientIp: '10.0.0.1' }).reasons).toEqual([]);
    const off = definePolicy('nist-800-63b', { mfa: { requireForPrivileged: false } });
    expect(mfaRequirement(off, { roles: ['admin'] }).required).toBe(false);
  });

  it('outside_internal_network: without internal networks configured, everyone is outside under funabashi', () => {
    expect(mfaRequirement(definePolicy('funabashi'), { roles: [], clientIp: '10.0.0.1' }).reasons).toEqual(['outside_internal_network']);
  });

  it('outside_internal_network: a client certificate counts only where clientCertSatisfiesOutside', () => {
    const strict = definePolicy('funabashi', { mfa: { internalNetworks: internal, clientCertSatisfiesOutside: false } });
    expect(mfaRequirement(strict, { clientIp: '203.0.113.9', deviceVerified: true })).toEqual({ required: true, reasons: ['outside_internal_network'], waived: [] });
  });

  it('outside_business_hours: only when the policy says require_mfa; unknown hours count as outside', () => {
    const policy = definePolicy('funabashi', {
      mfa: { internalNetworks: internal },
      access: { businessHours: { outOfHours: 'require_mfa' } },
    });
    expect(mfaRequirement(policy, { clientIp: '10.0.0.1', businessHours: true }).reasons).toEqual([]);
    expect(mfaRequirement(policy, { clientIp: '10.0.0.1', businessHours: false }).reasons).toEqual(['outside_business_hours']);
    expect(mfaRequirement(policy, { clientIp: '10.0.0.1' }).reasons).toEqual(['outside_business_hours']);
    expect(mfaRequirement(policy, { roles: ['admin'], clientIp: '203.0.113.1', businessHours: false }).reasons).toEqual([
      'privileged_role',
      'outside_internal_network',
      'outside_business_hours',
    ]);
  });

  it('a bad internal-network entry is a coded configuration error', () => {
    const policy = definePolicy('funabashi', { mfa: { internalNetworks: ['010.0.0.0/8'] } });
    expect(() => mfaRequirement(policy, { clientIp: '10.0.0.1' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CIDR' }));
  });
});
