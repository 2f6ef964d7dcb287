import type { Command } from 'commander';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { describeTemporalSecurity } from '../../shared/temporalSecurity';
import { TENANT_ID } from '../../workflows/searchAttributes';
import { CliError } from './cliErrors';
import type { Runner } from './connectorCommands';
import { TemporalConnectError, type CliContext } from './context';
import { note, out } from './output';

type Action = Parameters<Runner>[0];

// temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
const INDEXED_VALUE_TYPE_KEYWORD = 2;
const GRPC_ALREADY_EXISTS = 6;
const DEFAULT_RETENTION_DAYS = 30;

export function registerTemporalCommands(program: Command, run: Runner): void {
  const temporal = program.command('temporal').description('what entra-sync needs from a Temporal cluster');
  temporal
    .command('setup')
    .description(`check the connection (TEMPORAL_ADDRESS, TLS, API key), register the ${TENANT_ID.name} search attribute in TEMPORAL_NAMESPACE (and create the namespace with --create-namespace); safe to repeat`)
    .option('--create-namespace', 'create TEMPORAL_NAMESPACE when it does not exist')
    .option('--retention-days <days>', 'history retention of a namespace created here', String(DEFAULT_RETENTION_DAYS))
    .option('--wait <seconds>', 'keep trying to reach Temporal this long (a cluster still starting)', '0')
    .action(run(setupCommand as Action));
}

async function setupCommand(ctx: CliContext, o: { createNamespace?: boolean; retentionDays: string; wait: string }): Promise<void> {
  const retentionDays = Number(o.retentionDays);
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new CliError(`--retention-days "${o.retentionDays}" must be a whole number of at least 1`);
  const waitMs = Number(o.wait) * 1000;
  if (!Number.isFinite(waitMs) || waitMs < 0) throw new CliError(`--wait "${o.wait}" must be a number of seconds`);

  const client = await connectWithin(ctx, waitMs, Boolean(o.createNamespace));
  out(`connected to Temporal at ${ctx.temporalAddress} (${describeTemporalSecurity(ctx.config.temporal.security)})`);
  if (o.createNamespace) await ensureNamespace(client, ctx.namespace, retentionDays);
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: ctx.namespace });
  if (customAttributes && TENANT_ID.name in customAttributes) {
    out(`search attribute ${TENANT_ID.name} (Keyword) is registered in namespace ${ctx.namespace}`);
    return;
  }
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace: ctx.namespace,
      searchAttributes: { [TENANT_ID.name]: INDEXED_VALUE_TYPE_KEYWORD },
    });
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
  }
  out(`registered search attribute ${TENANT_ID.name} (Keyword) in namespace ${ctx.namespace}`);
}

async function connectWithin(ctx: CliContext, waitMs: number, namespaceMayBeMissing: boolean): Promise<Client> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.temporal({ requireNamespace: !namespaceMayBeMissing });
    } catch (err) {
      if (Date.now() >= deadline || !(err instanceof TemporalConnectError) || !err.transient) throw err;
      if (attempt === 1) note(`waiting for Temporal at ${ctx.temporalAddress} ...`);
      ctx.forgetTemporal();
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

async function ensureNamespace(client: Client, namespace: string, retentionDays: number): Promise<void> {
  try {
    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msNumberToTs(retentionDays * 86_400_000) });
    out(`created namespace ${namespace} (retention ${retentionDays} days)`);
    // A new namespace takes a moment to reach every frontend.
    await new Promise((r) => setTimeout(r, 2_000));
  } catch (err) {
    if (!(isGrpcServiceError(err) && err.code === GRPC_ALREADY_EXISTS)) throw err;
  }
}
