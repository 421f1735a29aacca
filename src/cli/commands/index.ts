import type { CliCommand } from '../command.js';
import { policyCommand } from './policy.js';
import { postgresCommand } from './postgres.js';

/** Every `kanmon` sub-command, in the order `kanmon --help` lists them. */
export const commands: readonly CliCommand[] = [policyCommand, postgresCommand];
