import type { Command } from 'commander';
import { ScheduleNotFoundError } from '@temporalio/client';
import { saveConnectorSecret, resealConnectorSecrets } from '../../activities/secrets/connectorSecrets';
import { resealSubscriptionClientStates } from '../../activities/store/notificationSubscriptions';
import { inTransaction } from '../../activities/store/database';
import { hasSyncedData, resetConnectorData, runInFlight } from '../../activities/store/connectorReset';
import { endStaleRuns } from './staleRuns';
import { endSubscriptionsBeforeRemoval, ensureTail, wakeTail } from '../tails';
import { SecretCipherError, SECRET_KEY_VARIABLES } from '../../activities/secrets/secretCipher';
import { formatDuration } from '../../shared/duration';
import { syncScheduleId } from '../../workflows/ids';
import { ENV_CONNECTOR_ID } from '../../shared/envConnector';
import { CliError } from './cliErrors';
import { notFound, requireRecord } from './connectorLookup';
import { testConnector } from './connectorTest';
import {
  deleteConnector,
  findConnectorRecord,
  insertConnector,
  listConnectorRecords,
  updateConnector,
  type ConnectorChanges,
  type ConnectorRecord,
} from './connectorRecords';
import type { CliContext } from './context';
import { formatTime, note, out, printJson, table } from './output';
import { cloudEndpoints, credentialChoice, type CredentialOptions } from './credentialOptions';
import { CREDENTIAL_LABELS, hasSealedMaterial } from '../../activities/graph/credentials/credentialKinds';
import type { Queryable } from '../../activities/store/database';
import * as valid from './validation';

type Action = (ctx: CliContext, ...args: never[]) => Promise<number | void>;
export type Runner = (action: Action) => (...args: unknown[]) => Promise<void>;

export function registerConnectorCommands(program: Command, run: Runner): void {
  const connector = program.command('connector').description('the Entra tenants (app registrations) to sync');

  connector
    .command('add')
    .description('add a connector; the client secret is read from a hidden prompt or standard input and stored encrypted')
    .argument('<id>', 'connector id: lowercase letters, digits and dashes (part of workflow and schedule ids)')
    .requiredOption('--tenant-id <id>', 'Directory (tenant) ID, or a verified domain')
    .requiredOption('--client-id <id>', 'Application (client) ID of the app registration')
    .option('--interval <duration>', 'sync interval of this connector (15m, 1h30m, 1d); default: SYNC_ENTRA_INTERVAL')
    .option('--discovery', 'also gather SaaS-discovery evidence (OAuth grants, sign-ins)', false)
    .option('--disabled', 'add it disabled: its runs fail until it is enabled', false)
    .option('--tail', 'turn its tail on: changes land within seconds between full runs (docs/run-lifecycle.md); starts once it has a schedule (schedule apply)', false)
    .option('--tail-interval <duration>', "the tail's backstop interval (30s, 1m); default: ENTRA_TAIL_INTERVAL")
    .option('--graph-base-url <url>', 'Microsoft Graph endpoint (national clouds, proxies); default: ENTRA_GRAPH_BASE_URL')
    .option('--authority-host <url>', 'identity platform endpoint; default: ENTRA_AUTHORITY_HOST')
    .option('--credential <kind>', 'clientSecret (default), certificate, workloadIdentity, managedIdentity or systemAssignedIdentity')
    .option('--certificate <file>', 'authenticate with a certificate: PEM with its private key, or PFX (its password is read from the prompt or standard input); stored encrypted')
    .option('--federated-token-file <path>', 'workload identity federation: the federated token file on the workers (AZURE_FEDERATED_TOKEN_FILE), re-read at every token request')
    .option('--managed-identity', 'authenticate as the user-assigned managed identity whose client id is --client-id (workers running in Azure)')
    .option('--system-assigned-identity', "authenticate as the system-assigned managed identity of the workers' Azure host (--client-id: that identity's client id)")
    .option('--cloud <name>', 'AzurePublicCloud, AzureUSGovernment, AzureUSGovernmentDoD or AzureChinaCloud: picks the authority host and Graph endpoint (explicit --graph-base-url / --authority-host win)')
    .action(run(addConnector as Action));

  connector
    .command('update')
    .description('change a connector; --secret reads a new client secret (rotation) from a hidden prompt or standard input')
    .argument('<id>', 'connector id')
    .option('--tenant-id <id>', 'Directory (tenant) ID, or a verified domain')
    .option('--client-id <id>', 'Application (client) ID')
    .option('--secret', 'authenticate with a new client secret (read from the prompt or standard input, never from the command line)')
    .option('--interval <duration>', 'sync interval (15m, 1h30m, 1d), or "default" for SYNC_ENTRA_INTERVAL')
    .option('--discovery', 'gather SaaS-discovery evidence')
    .option('--no-discovery', 'stop gathering SaaS-discovery evidence')
    .option('--enable', 'enable the connector')
    .option('--disable', 'disable the connector: its runs fail with ConnectorDisabled until enabled (its tail stops)')
    .option('--tail <on|off>', 'start (on) or stop (off) the tail: passes that land changes within seconds between full runs')
    .option('--tail-interval <duration>', 'backstop interval of the tail (30s, 1m), or "default" for ENTRA_TAIL_INTERVAL')
    .option('--graph-base-url <url>', 'Microsoft Graph endpoint')
    .option('--authority-host <url>', 'identity platform endpoint')
    .option('--credential <kind>', 'clientSecret (default), certificate, workloadIdentity, managedIdentity or systemAssignedIdentity')
    .option('--certificate <file>', 'authenticate with a certificate: PEM with its private key, or PFX (its password is read from the prompt or standard input); stored encrypted')
    .option('--federated-token-file <path>', 'workload identity federation: the federated token file on the workers (AZURE_FEDERATED_TOKEN_FILE), re-read at every token request')
    .option('--managed-identity', 'authenticate as the user-assigned managed identity whose client id is --client-id (workers running in Azure)')
    .option('--system-assigned-identity', "authenticate as the system-assigned managed identity of the workers' Azure host (--client-id: that identity's client id)")
    .option('--cloud <name>', 'AzurePublicCloud, AzureUSGovernment, AzureUSGovernmentDoD or AzureChinaCloud: picks the authority host and Graph endpoint (explicit --graph-base-url / --authority-host win)')
    .option('--reset-data', 'delete the connector\'s cursors and synced data in the same transaction (required to change the tenant of a connector that has synced)')
    .action(run(updateConnectorCommand as Action));

  connector
    .command('list')
    .description('list connectors, their interval, secret state and last run')
    .option('--json', 'print JSON')
    .action(run(listConnectors as Action));

  connector
    .command('show')
    .description('show one connector (never its secret)')
    .argument('<id>', 'connector id')
    .option('--json', 'print JSON')
    .action(run(showConnector as Action));

  connector
    .command('remove')
    .description('delete a connector, its schedule, its stored secret and all its synced data')
    .argument('<id>', 'connector id')
    .option('--yes', 'do not ask for confirmation')
    .action(run(removeConnector as Action));

  connector
    .command('test')
    .description('get a token and make one cheap Graph call per required permission, printing each as granted or missing')
    .argument('<id>', 'connector id')
    .option('--json', 'print JSON')
    .action(run(testConnector as Action));

  connector
    .command('rotate-key')
    .description(`re-encrypt every stored client secret and notification clientState with ${SECRET_KEY_VARIABLES.current} (old key in ${SECRET_KEY_VARIABLES.previous})`)
    .option('--json', 'print JSON')
    .action(run(rotateKey as Action));
}

type AddOptions = CredentialOptions & {
  tenantId: string;
  clientId: string;
  interval?: string;
  discovery: boolean;
  disabled: boolean;
  tail: boolean;
  tailInterval?: string;
  graphBaseUrl?: string;
  authorityHost?: string;
  cloud?: string;
};

async function addConnector(ctx: CliContext, rawId: string, o: AddOptions): Promise<void> {
  const id = valid.connectorId(rawId);
  const choice = credentialChoice(o, 'clientSecret')!;
  const { cloud, endpoints } = cloudEndpoints(o);
  const record = {
    id,
    tenantId: valid.tenantId(o.tenantId),
    clientId: valid.clientId(o.clientId),
    graphBaseUrl: endpoints.graphBaseUrl ?? ctx.config.graphBaseUrl,
    authorityHost: endpoints.authorityHost ?? ctx.config.authorityHost,
    discoveryEnabled: o.discovery,
    enabled: !o.disabled,
    syncIntervalSeconds: o.interval ? valid.intervalSeconds(o.interval) : null,
    tailEnabled: o.tail,
    tailIntervalSeconds: o.tailInterval ? valid.intervalSeconds(o.tailInterval, '--tail-interval', 'ENTRA_TAIL_INTERVAL') : null,
    credentialKind: choice.kind,
    federatedTokenFile: choice.federatedTokenFile,
    cloud: cloud ?? null,
  };
  const keys = hasSealedMaterial(choice.kind) ? ctx.keys() : undefined;
  const db = await ctx.db();
  if (await findConnectorRecord(db, id)) throw new CliError(`connector ${id} exists already; change it with "entra-sync connector update ${id}"`);
  const sealed = await choice.readSealed();
  const stored = await inTransaction(db, async (tx) => {
    if (!(await insertConnector(tx, record))) throw new CliError(`connector ${id} exists already; change it with "entra-sync connector update ${id}"`);
    return sealed && keys ? saveConnectorSecret(tx, keys, id, sealed) : undefined;
  });
  const how = stored ? `; ${CREDENTIAL_LABELS[choice.kind]} stored encrypted with key ${stored.keyId}` : `; credential: ${CREDENTIAL_LABELS[choice.kind]}`;
  out(`added connector ${id} (tenant ${record.tenantId}, app ${record.clientId})${how}`);
  note(`next: entra-sync connector test ${id}, then entra-sync schedule apply ${id}${o.tail ? ' (it starts the tail too)' : ''}`);
}

type UpdateOptions = CredentialOptions & {
  tenantId?: string;
  clientId?: string;
  cloud?: string;
  interval?: string;
  discovery?: boolean;
  enable?: boolean;
  disable?: boolean;
  tail?: string;
  tailInterval?: string;
  graphBaseUrl?: string;
  authorityHost?: string;
  resetData?: boolean;
};

async function updateConnectorCommand(ctx: CliContext, rawId: string, o: UpdateOptions): Promise<void> {
  const id = valid.connectorId(rawId);
  if (o.enable && o.disable) throw new CliError('--enable and --disable contradict each other; give one');
  const choice = credentialChoice(o, undefined);
  const { cloud, endpoints } = cloudEndpoints(o);
  const changes: ConnectorChanges = {
    ...(o.tenantId !== undefined ? { tenantId: valid.tenantId(o.tenantId) } : {}),
    ...(o.clientId !== undefined ? { clientId: valid.clientId(o.clientId) } : {}),
    ...endpoints,
    ...(o.cloud !== undefined ? { cloud: cloud ?? null } : o.graphBaseUrl || o.authorityHost ? { cloud: null } : {}),
    ...(choice ? { credentialKind: choice.kind, federatedTokenFile: choice.federatedTokenFile } : {}),
    ...(o.interval !== undefined ? { syncIntervalSeconds: valid.intervalSeconds(o.interval) } : {}),
    ...(o.discovery !== undefined ? { discoveryEnabled: o.discovery } : {}),
    ...(o.enable ? { enabled: true } : o.disable ? { enabled: false } : {}),
    ...(o.tail !== undefined ? { tailEnabled: valid.onOff('--tail', o.tail) } : {}),
    ...(o.tailInterval !== undefined ? { tailIntervalSeconds: valid.intervalSeconds(o.tailInterval, '--tail-interval', 'ENTRA_TAIL_INTERVAL') } : {}),
  };
  if (Object.keys(changes).length === 0 && !o.resetData) throw new CliError('nothing to change; see entra-sync connector update --help');
  const keys = choice && hasSealedMaterial(choice.kind) ? ctx.keys() : undefined;
  const db = await ctx.db();
  const current = await findConnectorRecord(db, id);
  if (!current) throw notFound(id);
  const tenantChanges = changes.tenantId !== undefined && changes.tenantId.toLowerCase() !== current.tenantId.toLowerCase();
  // Another tenant's cursors and rows under this connector would mix two directories: refuse, or reset in the same step.
  if (tenantChanges && !o.resetData && (await hasSyncedData(db, id))) throw tenantChangeRefused(id, current.tenantId, changes.tenantId!);
  const sealed = choice ? await choice.readSealed() : undefined;
  // A row left `running` by a terminated execution must not block the reset: end it first.
  const swept = o.resetData ? await endStaleRuns(ctx, id) : undefined;
  const { stored, reset } = await inTransaction(db, async (tx) => {
    await tx.query('select 1 from connectors where id = $1 for update', [id]);
    if (o.resetData) {
      const running = await runInFlight(tx, id);
      if (running) throw runInFlightRefused(id, running, swept?.temporalAsked ?? false);
    }
    if (Object.keys(changes).length) await updateConnector(tx, id, changes);
    return {
      reset: o.resetData ? await resetConnectorData(tx, id) : undefined,
      stored: sealed && keys ? await saveConnectorSecret(tx, keys, id, sealed) : choice ? await dropSealed(tx, id) : undefined,
    };
  });
  const how = stored ? `; new ${CREDENTIAL_LABELS[choice!.kind]} stored encrypted with key ${stored.keyId}` : choice ? `; credential: ${CREDENTIAL_LABELS[choice.kind]}` : '';
  out(`updated connector ${id}${how}${choice || changes.tenantId || changes.clientId || changes.authorityHost ? ' (workers use it from their next activity)' : ''}`);
  if (reset) {
    const rows = Object.values(reset).reduce((a, b) => a + b, 0);
    out(`reset connector ${id}: deleted ${rows} synced row(s), cursors and watermarks included; its next run bootstraps every stream`);
  }
  if (changes.syncIntervalSeconds !== undefined) note(`the schedule keeps its old interval until: entra-sync schedule apply ${id}`);
  if (changes.enabled === false) note(`scheduled runs of ${id} now fail with ConnectorDisabled; stop them with: entra-sync schedule pause ${id}`);
  await applyTail(ctx, id, changes);
}

/** Starts, wakes or stops the tail after an update that concerns it: the tail reads the row before every pass. */
async function applyTail(ctx: CliContext, id: string, changes: ConnectorChanges): Promise<void> {
  if (changes.tailEnabled === undefined && changes.tailIntervalSeconds === undefined && changes.enabled === undefined) return;
  const now = await findConnectorRecord(await ctx.db(), id);
  if (!now) return;
  const client = await ctx.temporal();
  if (now.tailEnabled && now.enabled) {
    const { workflowId } = await ensureTail(client, id, ctx.taskQueue, 'connector update');
    const every = formatDuration((now.tailIntervalSeconds ?? ctx.config.tailIntervalMs / 1000) * 1000);
    out(`tail of ${id} running (${workflowId}, a pass at least every ${every}); see: entra-sync tail status ${id}`);
  } else if (await wakeTail(client, id, 'connector update')) {
    out(`tail of ${id} stopping (${now.enabled ? 'tail off' : 'connector disabled'}); a pass in flight finishes first`);
  }
}

/** Names why the run counts as in flight: Temporal says its execution is open, or could not be asked. */
function runInFlightRefused(id: string, run: { id: number; workflowId: string }, temporalAsked: boolean): CliError {
  const why = temporalAsked ? 'Temporal reports its execution open' : 'Temporal could not be asked whether its execution is still open';
  return new CliError(
    `run ${run.id} of connector ${id} is in flight (${run.workflowId}; ${why}); nothing was changed: wait for it to end or cancel it ` +
      `(pause the schedule first: entra-sync schedule pause ${id}), then run this command again`,
  );
}

/** A kind without sealed material leaves nothing of the previous secret or key at rest. */
async function dropSealed(tx: Queryable, id: string): Promise<undefined> {
  await tx.query('delete from connector_secrets where connector_id = $1', [id]);
  return undefined;
}

/** The refusal names the exact command that changes the tenant and resets in one transaction. */
export function tenantChangeRefused(id: string, from: string, to: string): CliError {
  return new CliError(
    `connector ${id} holds data synced from tenant ${from}; changing its tenant would mix two directories, so nothing was changed. ` +
      `Change the tenant and delete its cursors and synced data in one transaction with: entra-sync connector update ${id} --tenant-id ${to} --reset-data`,
  );
}

async function listConnectors(ctx: CliContext, o: { json?: boolean }): Promise<void> {
  const connectors = await listConnectorRecords(await ctx.db());
  if (o.json) return printJson(connectors.map((c) => present(ctx, c)));
  if (connectors.length === 0) return out('no connectors; add one with: entra-sync connector add <id> --tenant-id ... --client-id ...');
  out(
    table([
      ['ID', 'TENANT', 'CLIENT', 'ENABLED', 'INTERVAL', 'CREDENTIAL', 'SECRET', 'LAST RUN'],
      ...connectors.map((c) => {
        const p = present(ctx, c);
        return [c.id, c.tenantId, c.clientId, c.enabled ? 'yes' : 'no', p.interval, c.credentialKind, p.secret.source, lastRun(c)];
      }),
    ]),
  );
}

async function showConnector(ctx: CliContext, rawId: string, o: { json?: boolean }): Promise<void> {
  const c = await requireRecord(ctx, rawId);
  const p = present(ctx, c);
  if (o.json) return printJson(p);
  out(
    table([
      ['id', c.id],
      ['tenant', c.tenantId],
      ['client (app) id', c.clientId],
      ['enabled', c.enabled ? 'yes' : 'no'],
      ['discovery', c.discoveryEnabled ? 'yes' : 'no'],
      ['interval', `${p.interval}${c.syncIntervalSeconds === null ? ' (SYNC_ENTRA_INTERVAL)' : ''}`],
      ['credential', `${CREDENTIAL_LABELS[c.credentialKind]}${c.federatedTokenFile ? ` (${c.federatedTokenFile})` : ''}`],
      ...(hasSealedMaterial(c.credentialKind)
        ? [[CREDENTIAL_LABELS[c.credentialKind], p.secret.source === 'stored' ? `stored, encrypted with key ${c.secret!.keyId}, set ${formatTime(c.secret!.updatedAt)}` : p.secret.source]]
        : []),
      ['cloud', c.cloud ?? '(endpoints given explicitly, or the defaults)'],
      ['graph', c.graphBaseUrl],
      ['authority', c.authorityHost],
      ['schedule', syncScheduleId(c.id)],
      ['tail', c.tailEnabled ? `on, every ${p.tailInterval}` : 'off'],
      ['last run', lastRun(c)],
    ]),
  );
}

async function removeConnector(ctx: CliContext, rawId: string, o: { yes?: boolean }): Promise<void> {
  const id = valid.connectorId(rawId);
  const db = await ctx.db();
  if (!(await findConnectorRecord(db, id))) throw notFound(id);
  if (!o.yes) {
    if (!process.stdin.isTTY) throw new CliError(`removing ${id} deletes its schedule, secret and all its synced data; add --yes to confirm`);
    note(`This deletes connector ${id}, its schedule, its stored secret and all its synced data.`);
    const typed = await readLine(`Type ${id} to confirm: `);
    if (typed.trim() !== id) throw new CliError('not confirmed; nothing was removed');
  }
  const client = await ctx.temporal();
  try {
    await client.schedule.getHandle(syncScheduleId(id)).delete();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  const subscriptions = await endSubscriptionsBeforeRemoval(db, client, id, ctx.taskQueue);
  if (!subscriptions.deleted) {
    note(
      `${subscriptions.left} Graph subscription(s) of ${id} could not be deleted: no sync worker ended its tail within a minute (see entra-sync tail status ${id}). ` +
        `Graph ends them by ${formatTime(subscriptions.lastExpiry)}; the receiver drops their notifications once the connector is gone`,
    );
  }
  await deleteConnector(db, id);
  // Its tail finds the connector gone and ends.
  await wakeTail(client, id, 'connector removed');
  out(`removed connector ${id} and its schedule ${syncScheduleId(id)}; past workflow runs stay in Temporal's history until its retention ends`);
}

async function rotateKey(ctx: CliContext, o: { json?: boolean }): Promise<void> {
  const keys = ctx.keys();
  let result;
  let clientStates;
  try {
    result = await resealConnectorSecrets(await ctx.db(), keys);
    // The receiver opens these with the same key ring (docs/notifications.md).
    clientStates = await resealSubscriptionClientStates(await ctx.db(), keys);
  } catch (err) {
    if (err instanceof SecretCipherError) {
      throw new CliError(`${err.message}; nothing was changed: add the key that sealed it to ${SECRET_KEY_VARIABLES.previous} and run again`);
    }
    throw err;
  }
  if (o.json) return printJson({ ...result, clientStates });
  out(`re-encrypted ${result.resealed.length} client secret(s) with key ${result.keyId}; ${result.current} already used it`);
  out(`re-encrypted ${clientStates.resealed} notification subscription clientState(s); ${clientStates.current} already used the key`);
  note(`once every worker runs with ${SECRET_KEY_VARIABLES.current} set to this key, remove ${SECRET_KEY_VARIABLES.previous} everywhere`);
}

/** What list/show print, --json included: the secret's state, never the secret. */
function present(ctx: CliContext, c: ConnectorRecord) {
  const variable = c.credentialKind === 'certificate' ? 'AZURE_CLIENT_CERTIFICATE_PATH' : 'ENTRA_CLIENT_SECRET';
  const source = !hasSealedMaterial(c.credentialKind) ? 'none needed' : c.secret ? 'stored' : c.id === ENV_CONNECTOR_ID ? `worker environment (${variable})` : 'missing';
  return {
    ...c,
    interval: formatDuration((c.syncIntervalSeconds ?? ctx.config.syncIntervalMs / 1000) * 1000),
    tailInterval: formatDuration((c.tailIntervalSeconds ?? ctx.config.tailIntervalMs / 1000) * 1000),
    scheduleId: syncScheduleId(c.id),
    secret: { source, ...(c.secret ? { keyId: c.secret.keyId, updatedAt: c.secret.updatedAt } : {}) },
  };
}

function lastRun(c: ConnectorRecord): string {
  if (!c.lastRun) return 'never';
  return `#${c.lastRun.id} ${c.lastRun.status}${c.lastRun.errorKind ? ` (${c.lastRun.errorKind})` : ''} ${formatTime(c.lastRun.startedAt)}`;
}

async function readLine(prompt: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(prompt);
  } finally {
    rl.close();
  }
}
