import { accountsSchemaSql, stateSchemaSql } from '../../postgres/schema.js';
import { auditSchemaSql } from '../../postgres/audit-sink.js';
import { type CliCommand, EXIT_OK, EXIT_USAGE } from '../command.js';

/**
 * `kanmon postgres schema`: print the SQL `postgresStore().migrate()` applies,
 * for DBAs who review and apply schemas themselves.
 */
export const postgresCommand: CliCommand = {
  name: 'postgres',
  summary: {
    en: 'Print the PostgreSQL schema of the kanmon store (kanmon postgres schema)',
    ja: 'kanmon ストアの PostgreSQL スキーマを表示（kanmon postgres schema）',
  },
  usage: {
    en: 'kanmon postgres schema\n\nPrints the SQL that postgresStore().migrate(), postgresAuditSink().migrate() and postgresAccounts().migrate() apply (idempotent: CREATE … IF NOT EXISTS).',
    ja: 'kanmon postgres schema\n\npostgresStore().migrate()、postgresAuditSink().migrate()、postgresAccounts().migrate() が適用する SQL を表示します（冪等: CREATE … IF NOT EXISTS）。',
  },
  run(args, io) {
    if (args.length !== 1 || args[0] !== 'schema') {
      io.stderr.write(this.usage[io.lang] + '\n');
      return Promise.resolve(EXIT_USAGE);
    }
    io.stdout.write(stateSchemaSql);
    io.stdout.write('\n-- postgresAuditSink().migrate(): the append-only audit table (EXT-6: kept 365 days)\n');
    io.stdout.write(auditSchemaSql());
    io.stdout.write('\n-- postgresAccounts().migrate(): the account table (kanmon/postgres AccountRepository)\n');
    io.stdout.write(accountsSchemaSql());
    return Promise.resolve(EXIT_OK);
  },
};
