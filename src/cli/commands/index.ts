import type { CliCommand } from '../command.js';
import { auditCommand } from './audit.js';
import { policyCommand } from './policy.js';

/** Every `kanmon` sub-command, in the order `kanmon --help` lists them. */
export const commands: readonly CliCommand[] = [policyCommand, auditCommand];
