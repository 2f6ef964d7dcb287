import { spawn } from 'node:child_process';

export type CliRun = { code: number | null; stdout: string; stderr: string };

/** Runs `entra-sync ARGS` as a user would: the package's bin in its own process, input on stdin. */
export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliRun> {
  const child = spawn(process.execPath, ['client/cli/bin.mjs', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
