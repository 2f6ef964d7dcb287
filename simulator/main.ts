import { Command, InvalidArgumentError } from 'commander';
import path from 'node:path';
import { startSimulator } from './server';

// Standalone simulator: `tsx simulator/main.ts --users 2500 --seed 7 --port 8443 --print-config`

const integer = (name: string) => (value: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return parsed;
};

const onOff = (value: string): boolean => {
  if (value !== 'on' && value !== 'off') throw new InvalidArgumentError('must be on or off');
  return value === 'on';
};

const program = new Command()
  .name('entra-sync-simulator')
  .description('Microsoft Graph + identity platform simulator serving a generated Entra ID tenant over HTTPS')
  .option('--users <count>', 'number of generated users', integer('users'), 2500)
  .option('--seed <number>', 'seed of the generated tenant', integer('seed'), 1)
  .option('--tenants <count>', 'tenants to serve, each with its own app registration and data (tenant i has seed + i)', integer('tenants'), 1)
  .option('--port <number>', 'port to listen on (0 = any free port)', integer('port'), 8443)
  .option('--host <address>', 'address to listen on', '127.0.0.1')
  .option('--page-size <count>', 'delta page size', integer('page size'), 100)
  .option('--tenant-id <guid>', 'tenant id (default: derived from the seed)')
  .option('--client-id <guid>', 'client id (default: derived from the seed)')
  .option('--client-secret <secret>', 'client secret (default: derived from the seed)')
  .option('--token-lifetime <seconds>', 'access token lifetime', integer('token lifetime'), 3599)
  .option('--duplicates', 'emit every delta object twice', false)
  .option('--throttling <on|off>', 'resource-unit throttling of Graph requests', onOff, true)
  .option('--latency-ms <ms>', 'fixed delay before every Graph answer', integer('latency'), 0)
  .option('--permissions <list>', 'comma-separated granted application permissions')
  .option('--tls-dir <dir>', 'directory of the TLS certificate (created if missing)', '.entra-sync/tls')
  .option('--print-config', 'print the connection settings as one JSON line on stdout first', false);

const options = program.parse().opts<{
  users: number;
  seed: number;
  tenants: number;
  port: number;
  host: string;
  pageSize: number;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetime: number;
  duplicates: boolean;
  throttling: boolean;
  latencyMs: number;
  permissions?: string;
  tlsDir: string;
  printConfig: boolean;
}>();

const simulator = await startSimulator({
  port: options.port,
  host: options.host,
  tlsDir: path.resolve(options.tlsDir),
  seed: options.seed,
  users: options.users,
  ...(options.tenants > 1 ? { additionalTenants: Array.from({ length: options.tenants - 1 }, (_, i) => ({ seed: options.seed + i + 1 })) } : {}),
  pageSize: options.pageSize,
  tokenLifetimeSeconds: options.tokenLifetime,
  duplicates: options.duplicates,
  throttling: options.throttling,
  ...(options.latencyMs > 0 ? { latency: { distribution: { kind: 'fixed', ms: options.latencyMs } } } : {}),
  ...(options.tenantId ? { tenantId: options.tenantId } : {}),
  ...(options.clientId ? { clientId: options.clientId } : {}),
  ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
  ...(options.permissions !== undefined
    ? { grantedPermissions: options.permissions.split(',').map((p) => p.trim()).filter(Boolean) }
    : {}),
});

if (options.printConfig) {
  // One line per tenant, the first tenant first (so a single-tenant reader of the first line is unaffected).
  for (const tenant of simulator.tenants) process.stdout.write(`${JSON.stringify(tenant.config)}\n`);
}
if (simulator.tenants.length > 1) {
  process.stderr.write(`simulator: ${simulator.tenants.length} tenants; list them at ${simulator.config.authorityHost}/_sim/tenants\n`);
}
process.stderr.write(
  `simulator: ${simulator.tenant.users.size} users of tenant ${simulator.config.tenantId} at ${simulator.config.graphBaseUrl}` +
    ` (trust ${simulator.config.caCertPath}; control API at ${simulator.config.authorityHost}/_sim)\n`,
);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`simulator: ${signal}, shutting down\n`);
  void simulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
