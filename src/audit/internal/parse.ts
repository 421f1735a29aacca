import { KanmonError } from '../../errors.js';
import { type AuditRecord, auditRecordSchema } from '../event.js';

/** Parse one record line (text or bytes) into an {@link AuditRecord}; `ERR_AUDIT_FORMAT` when it is not one. Does not check the MAC. */
export function parseAuditRecord(line: string | Uint8Array): AuditRecord {
  const text = typeof line === 'string' ? line : Buffer.from(line.buffer, line.byteOffset, line.length).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new KanmonError('ERR_AUDIT_FORMAT', 'audit record is not JSON', { cause });
  }
  const parsed = auditRecordSchema.safeParse(json);
  if (!parsed.success) {
    throw new KanmonError('ERR_AUDIT_FORMAT', 'audit record does not match the schema', {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  return parsed.data;
}
