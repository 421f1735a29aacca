import type { CliCommand } from '../command.js';
import { accountsCommand } from './accounts.js';
import { auditCommand } from './audit.js';
import { breachedCommand } from './breached.js';
import { checkPasswordCommand } from './check-password.js';
import { complianceCommand } from './compliance.js';
import { hashCommand, verifyCommand } from './hash.js';
import { importCommand } from './import.js';
import { policyCommand } from './policy.js';
import { postgresCommand } from './postgres.js';
import { tenantCommand } from './tenant.js';
import { totpCommand } from './totp.js';

/** Every `kanmon` sub-command, in the order `kanmon --help` lists them. */
export const commands: readonly CliCommand[] = [
  policyCommand,
  checkPasswordCommand,
  hashCommand,
  verifyCommand,
  breachedCommand,
  totpCommand,
  complianceCommand,
  auditCommand,
  postgresCommand,
  importCommand,
  accountsCommand,
  tenantCommand,
];
