/** FNB-3.1.4 (alert on a compromised password), SEC-6 / SEC-7 (a weakening configuration change is raised). */
import { describe, expect, it } from 'vitest';
import type { AuditAlert } from '../../src/audit/alerts.js';
import { createAuditLog } from '../../src/audit/create-audit-log.js';
import { memoryAuditSink } from '../../src/audit/sinks/memory.js';
import { steppingClock, testKeyRing } from './support.js';

function logWithAlerts() {
  const alerts: AuditAlert[] = [];
  const log = createAuditLog({ sink: memoryAuditSink(), keyRing: testKeyRing(), stream: 'web-1', now: steppingClock(), onAlert: (a) => alerts.push(a) });
  return { log, alerts };
}

describe('FNB-3.1.4: compromised alert', () => {
  it('password.compromised raises one compromised alert carrying the record', async () => {
    const { log, alerts } = logWithAlerts();
    await log.append({ type: 'password.changed', actor: 'sato' });
    await log.append({ type: 'password.compromised', actor: 'sato', reason: 'breached' });
    expect(alerts.map((a) => a.kind)).toEqual(['compromised']);
    expect(alerts[0]!.record).toMatchObject({ type: 'password.compromised', actor: 'sato' });
  });
});

describe('SEC-6, SEC-7: config_weakened alert', () => {
  it('config.changed with reason weakened raises config_weakened; a change that weakens nothing raises none', async () => {
    const { log, alerts } = logWithAlerts();
    await log.append({ type: 'config.changed', actor: 'admin', reason: 'unchanged_compliance' });
    await log.append({ type: 'config.changed', actor: 'admin', reason: 'weakened', clauses: ['SEC-23'] });
    expect(alerts.map((a) => a.kind)).toEqual(['config_weakened']);
    expect(alerts[0]!.record?.clauses).toContain('SEC-23');
  });
});
