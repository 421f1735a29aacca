import { type KeyRing, keyRingForTenant } from '../../keys/key-ring.js';
import { type ChainKey, chainKeys, macKeys } from '../chain.js';

/** The MAC keys of an audit writer: which key id MACs a record of a tenant, and the chain key of an id. */
export interface RecordKeys {
  /**
   * The key id a record of `tenant` and `type` is MACed with: the tenant's own current key, or the shared one
   * (also once the tenant was shredded, and always for the operator's evidence of key operations and of the purge).
   */
  kidFor(tenant: string, type: string): string;
  chainKey(kid: string): ChainKey;
  /** Stop following the ring's operations. */
  detach(): void;
}

/** Records that prove what was done to a tenant's keys and data: they must outlive the tenant's keys. */
const operatorEvidence: ReadonlySet<string> = new Set(['admin.key.add', 'admin.key.rotate', 'admin.key.destroy', 'admin.tenant.purge']);

/**
 * Per-tenant audit MACs (issue 19, point 5): a record carrying a tenant that
 * holds keys in the ring is MACed with that tenant's current key, so destroying
 * the tenant's keys leaves its records unverifiable (`ERR_KEY_DESTROYED`,
 * reported by verification as shredded) while other tenants' still verify.
 * Records of a tenant whose keys are all destroyed (the `admin.tenant.purge`
 * record itself) are MACed with the shared key, and so are `admin.key.*` and
 * `admin.tenant.purge` records: the evidence of a destruction survives it. The derived keys are dropped
 * from this writer's caches when the ring destroys a key.
 */
export function createRecordKeys(keyRing: KeyRing): RecordKeys {
  const build = () => chainKeys(macKeys(keyRing));
  let chainKey = build();
  const kids = new Map<string, string>();
  const stop = keyRing.watch?.((event) => {
    kids.clear();
    if (event.op === 'destroy') chainKey = build();
  });
  const perTenant = typeof keyRing.forTenant === 'function';
  return {
    kidFor(tenant, type) {
      if (!perTenant || operatorEvidence.has(type)) return keyRing.currentId;
      let kid = stop ? kids.get(tenant) : undefined;
      if (kid === undefined) {
        const own = keyRingForTenant(keyRing, tenant).currentId;
        kid = keyRing.isDestroyed(own) ? keyRing.currentId : own;
        if (stop) kids.set(tenant, kid);
      }
      return kid;
    },
    chainKey: (kid) => chainKey(kid),
    detach: () => stop?.(),
  };
}
