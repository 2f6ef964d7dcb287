import { appendFileSync } from 'node:fs';
import type { Database } from '../activities/store/database';
import type { PostgresDiagnostics } from '../client/dev/embeddedPostgres';

/**
 * Server settings that let the bench see each statement's time: pg_stat_statements counts every
 * statement, auto_explain writes the plan (with actual rows and times) of each one slower than
 * `explainMs` into `logFile`, with the rest of the server's log.
 */
export function statementDiagnostics(explainMs: number, logFile: string): PostgresDiagnostics {
  return {
    settings: {
      shared_preload_libraries: 'pg_stat_statements,auto_explain',
      'pg_stat_statements.track': 'top',
      'auto_explain.log_min_duration': `${explainMs}ms`,
      'auto_explain.log_analyze': 'on',
      'auto_explain.log_buffers': 'on',
    },
    onLog: (message) => appendFileSync(logFile, message.endsWith('\n') ? message : `${message}\n`),
  };
}

export type StatementStat = { ms: number; calls: number; rows: number; query: string };

export async function resetStatementStats(db: Database): Promise<void> {
  await db.query('create extension if not exists pg_stat_statements');
  await db.query('select pg_stat_statements_reset()');
}

/** The statements that took the most time since the last reset, slowest first, excluding the bench's own. */
export async function topStatements(db: Database, limit = 25): Promise<StatementStat[]> {
  const { rows } = await db.query<StatementStat>(
    `select round(total_exec_time)::int as ms, calls::int, rows::int, regexp_replace(query, '\\s+', ' ', 'g') as query
       from pg_stat_statements
      where query not like '%pg_stat_statements%'
      order by total_exec_time desc limit $1`,
    [limit],
  );
  return rows;
}

export function formatStatements(phase: string, stats: StatementStat[]): string[] {
  return stats.map((s) => `${phase}: ${String(s.ms).padStart(7)} ms ${String(s.calls).padStart(5)} calls ${String(s.rows).padStart(8)} rows  ${s.query.slice(0, 220)}`);
}
