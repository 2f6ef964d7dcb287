import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { errorText } from '../../workers/errorText';
import { TENANT_ID } from '../../workflows/searchAttributes';
import { isPortOpen } from '../../shared/freePort';
import { findOrInstallTemporalCli, TEMPORAL_CLI_HELP } from './temporalCli';

export type DevServer = { address: string; uiUrl?: string; source: string; stop: () => Promise<void> };

export type DevServerOptions = {
  dataDir: string;
  namespace: string;
  cliPath?: string;
  port: number;
  uiPort?: number;
  /** Keep workflow history across restarts in this file; omitted = in memory. */
  dbFile?: string;
  headless?: boolean;
};

const START_TIMEOUT_MS = 60_000;

/** Starts `temporal server start-dev`, from the CLI we find or install, else the SDK's download. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = await findOrInstallTemporalCli(options.dataDir, options.cliPath);
  if (cli) return spawnDevServer(cli.path, cli.source, options);
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: '127.0.0.1',
        port: options.port,
        ui: !options.headless,
        uiPort: options.uiPort,
        namespace: options.namespace,
        dbFilename: options.dbFile,
        searchAttributes: [TENANT_ID],
      },
    });
    return {
      address: `127.0.0.1:${options.port}`,
      uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort}`,
      source: 'SDK download',
      stop: () => env.teardown(),
    };
  } catch (err) {
    throw new Error(`${TEMPORAL_CLI_HELP} (the Temporal SDK's own download of the dev server failed too: ${errorText(err)})`, { cause: err });
  }
}

/**
 * Starts this many times at most. The dev server picks free ports for its internal services as it
 * starts; another process can take one between its pick and its bind, and it then exits. Its next
 * start picks again.
 */
const START_ATTEMPTS = 3;

async function spawnDevServer(cliPath: string, source: string, options: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnDevServerOnce(cliPath, source, options);
    } catch (err) {
      if (!(err instanceof PortRaceError) || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

/** The dev server exited while starting because a port it picked was taken meanwhile. */
class PortRaceError extends Error {}

async function spawnDevServerOnce(cliPath: string, source: string, options: DevServerOptions): Promise<DevServer> {
  if (await isPortOpen(options.port)) {
    throw new Error(
      `port ${options.port} is already in use, so the Temporal dev server cannot start there; stop what holds it, or set TEMPORAL_ADDRESS to use the server already running`,
    );
  }
  const logDir = path.join(options.dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  if (options.dbFile) await mkdir(path.dirname(options.dbFile), { recursive: true });
  const logFile = path.join(logDir, `temporal-${options.port}.log`);
  const log = await open(logFile, 'a');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--namespace', options.namespace,
    '--search-attribute', `${TENANT_ID.name}=Keyword`,
    '--log-level', 'warn',
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.headless ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
  ];
  const child = spawn(cliPath, args, { stdio: ['ignore', log.fd, log.fd], detached: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitForFrontend(address, exited, logFile);
  } catch (err) {
    child.kill('SIGKILL');
    await log.close();
    throw err;
  }
  return {
    address,
    uiUrl: options.headless ? undefined : `http://localhost:${options.uiPort}`,
    source: `temporal CLI from ${source}`,
    stop: async () => {
      await stopChild(child, exited);
      await log.close();
    },
  };
}

async function waitForFrontend(address: string, exited: Promise<number | null>, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const message = `the Temporal dev server exited with code ${exitCode} while starting; its log ${logFile} says why (or set TEMPORAL_ADDRESS to a Temporal server you run)`;
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw /bind: address already in use/.test(log.slice(-20_000)) ? new PortRaceError(message) : new Error(message);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the Temporal dev server did not answer on ${address} within ${START_TIMEOUT_MS / 1000}s; see its log ${logFile} (or set TEMPORAL_ADDRESS to a Temporal server you run)`);
}

export async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
