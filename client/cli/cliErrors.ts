/** An error the CLI prints as one line (`entra-sync: <message>`) before exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** host:port/database of a PostgreSQL URL, never its password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

type PgError = Error & { code?: string };

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** Turns a PostgreSQL connection or schema error into the one line an operator can act on. */
export function postgresError(err: unknown, url: string): CliError {
  const e = err as PgError;
  const where = describeDatabaseUrl(url);
  const database = where.slice(where.indexOf('/') + 1);
  const detail = firstLine(e?.message ?? String(err));
  if ((e?.code && NETWORK_CODES.has(e.code)) || /timeout|terminated unexpectedly/i.test(detail)) {
    return new CliError(`cannot reach PostgreSQL at ${where} (${detail}); start it, or point DATABASE_URL at a reachable server`);
  }
  switch (e?.code) {
    case '28P01':
    case '28000':
      return new CliError(`PostgreSQL at ${where} refused the login (${detail}); check the user and password in DATABASE_URL`);
    case '3D000':
      return new CliError(`database "${database}" does not exist on PostgreSQL at ${where}; create it, or fix the database name in DATABASE_URL`);
    case '42P01':
    case '42703':
      return new CliError(`the database at ${where} lacks the current entra-sync schema (${detail}); run "entra-sync migrate" with the same DATABASE_URL`);
  }
  return new CliError(`PostgreSQL at ${where} failed: ${detail}`);
}

export function isPostgresError(err: unknown): boolean {
  const code = (err as PgError)?.code;
  return typeof code === 'string' && (NETWORK_CODES.has(code) || /^[0-9A-Z]{5}$/.test(code));
}

export function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]?.trim() ?? '';
}
