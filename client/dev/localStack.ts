import { writeFile, readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../shared/config';
import type { TemporalSecurity } from '../../shared/temporalSecurity';
import type { EnvCredential } from '../../shared/envCredential';
import { DEFAULT_GRANTED_PERMISSIONS } from '../../simulator/identity/clientApplication';
import { startSimulator } from '../../simulator/server';
import { ensureSelfSignedCertificate } from '../../simulator/tls';
import { startEmbeddedPostgres } from './embeddedPostgres';
import { startTemporalDevServer } from './temporalDevServer';

export type GraphTarget = {
  tenantId: string;
  clientId: string;
  credential: EnvCredential;
  graphBaseUrl: string;
  authorityHost: string;
  simulated: boolean;
  /** A CA bundle the worker must trust (the simulator's self-signed certificate). */
  caBundlePath?: string;
  /** The simulator's certificate and key: the demo's notification receiver serves HTTPS with them. */
  demoTls?: { certPath: string; keyPath: string };
};

export type LocalStack = {
  databaseUrl: string;
  temporal: { address: string; namespace: string; uiUrl?: string; security: TemporalSecurity };
  graph: GraphTarget;
  stop: () => Promise<void>;
};

const DEV_SERVER_PORT = 7233;
const DEV_UI_PORT = 8233;

/**
 * Starts whatever is not configured: embedded PostgreSQL without DATABASE_URL, the Temporal dev
 * server without TEMPORAL_ADDRESS, the Graph simulator without ENTRA_* credentials.
 */
export async function startLocalStack(config: Config, say: (line: string) => void): Promise<LocalStack> {
  const { security } = config.temporal;
  // The workers inherit this environment: they would speak TLS to a dev server that has none.
  if (!config.temporal.address && (security.tls || security.apiKey)) {
    throw new Error(
      'TEMPORAL_TLS / TEMPORAL_TLS_* / TEMPORAL_API_KEY are set but TEMPORAL_ADDRESS is not, so npm start would run its own plaintext Temporal dev server; set TEMPORAL_ADDRESS to the frontend those settings are for, or unset them',
    );
  }
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres(config.dataDir);
      stops.push(pg.stop);
      databaseUrl = pg.url;
      say(`PostgreSQL: embedded, data in ${path.join(config.dataDir, 'postgres')}`);
    }

    let temporal: LocalStack['temporal'] = { address: config.temporal.address ?? '', namespace: config.temporal.namespace, uiUrl: config.temporal.uiUrl, security };
    if (!config.temporal.address) {
      const server = await startTemporalDevServer({
        dataDir: config.dataDir,
        namespace: config.temporal.namespace,
        cliPath: config.temporal.cliPath,
        port: DEV_SERVER_PORT,
        uiPort: DEV_UI_PORT,
        dbFile: path.join(config.dataDir, 'temporal', 'dev-server.db'),
      });
      stops.push(server.stop);
      temporal = { address: server.address, namespace: config.temporal.namespace, uiUrl: server.uiUrl, security };
      say(`Temporal: dev server at ${server.address} (${server.source}), Web UI ${server.uiUrl}`);
    }

    let graph: GraphTarget;
    if (config.entra) {
      graph = { ...config.entra, graphBaseUrl: config.graphBaseUrl, authorityHost: config.authorityHost, simulated: false };
      say(`Microsoft Graph: tenant ${config.entra.tenantId} at ${config.graphBaseUrl}`);
    } else {
      const simulatorOptions = {
        tlsDir: path.join(config.dataDir, 'tls'),
        seed: config.simulator.seed,
        users: config.simulator.users,
        // The demo app registration is consented for discovery too when discovery is on.
        ...(config.discoveryEnabled ? { grantedPermissions: [...DEFAULT_GRANTED_PERMISSIONS, 'DelegatedPermissionGrant.Read.All'] } : {}),
      };
      const sim = await startSimulator({ ...simulatorOptions, port: config.simulator.port }).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EADDRINUSE') throw err;
        say(`simulator: port ${config.simulator.port} is taken, using another one; stored cursors will re-bootstrap once`);
        return startSimulator({ ...simulatorOptions, port: 0 });
      });
      stops.push(() => sim.close());
      const { certPath, keyPath } = await ensureSelfSignedCertificate(simulatorOptions.tlsDir);
      graph = {
        ...sim.config,
        credential: { kind: 'clientSecret', secret: sim.config.clientSecret },
        simulated: true,
        caBundlePath: await caBundle(config.dataDir, sim.config.caCertPath),
        demoTls: { certPath, keyPath },
      };
      say(`Microsoft Graph: simulator at ${sim.config.graphBaseUrl}, demo tenant of ${config.simulator.users} users (seed ${config.simulator.seed})`);
    }
    return { databaseUrl, temporal, graph, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** NODE_EXTRA_CA_CERTS takes one file: join the simulator's certificate with any the user set. */
async function caBundle(dataDir: string, simulatorCert: string): Promise<string> {
  const parts = [await readFile(simulatorCert, 'utf8')];
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (existing && path.resolve(existing) !== path.resolve(simulatorCert)) parts.push(await readFile(existing, 'utf8'));
  const bundle = path.join(dataDir, 'tls', 'worker-ca-bundle.pem');
  await mkdir(path.dirname(bundle), { recursive: true });
  await writeFile(bundle, parts.join('\n'));
  return bundle;
}
