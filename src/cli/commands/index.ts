import type { CliCommand } from '../command.js';
import { breachedCommand } from './breached.js';
import { hashCommand, verifyCommand } from './hash.js';
import { policyCommand } from './policy.js';

/** Every `kanmon` sub-command, in the order `kanmon --help` lists them. */
export const commands: readonly CliCommand[] = [policyCommand, hashCommand, verifyCommand, breachedCommand];
