// INTERIM until issue 4 (store contract, storeKey) is merged.
export function mfaKey(tenant: string, ...parts: string[]): string {
  return `{${tenant}}:mfa:${parts.map((p) => encodeURIComponent(p)).join(':')}`;
}
