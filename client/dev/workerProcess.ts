import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { currentCompiledWorker } from './compiledWorker';
import { stopChild } from './temporalDevServer';

export type WorkerProcess = { pid: number; logFile: string; stop: () => Promise<void>; exited: Promise<number | null> };

/**
 * Starts a worker entry point (workers/*.ts) as its own process, as production runs it: the
 * compiled worker (npm run build) when the build is current: plain Node, no TypeScript loader
 * and none of its esbuild helper processes. A stale or missing build runs the source through tsx.
 */
export async function spawnWorkerProcess(entry: string, env: NodeJS.ProcessEnv, logDir: string): Promise<WorkerProcess> {
  await mkdir(logDir, { recursive: true });
  const logFile = path.join(logDir, `${path.basename(entry, '.ts')}.log`);
  const log = await open(logFile, 'a');
  const compiled = await currentCompiledWorker(entry);
  const args = compiled ? [compiled] : ['--import', 'tsx', fileURLToPath(new URL(`../../workers/${entry}`, import.meta.url))];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', log.fd, log.fd] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.finally(() => log.close().catch(() => undefined));
  return { pid: child.pid!, logFile, exited, stop: () => stopChild(child, exited) };
}

/** Waits until some worker polls the task queue, or the process we started dies first. */
export async function waitForPoller(
  client: Client,
  namespace: string,
  taskQueue: string,
  worker: WorkerProcess,
  kind: 'workflow' | 'activity' = 'workflow',
  timeoutMs = 90_000,
): Promise<void> {
  let exitCode: number | null | undefined;
  void worker.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const tail = (await readFile(worker.logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new Error(`the worker exited with code ${exitCode} before polling ${taskQueue}:\n${tail}`);
    }
    const response = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: kind === 'workflow' ? 1 : 2,
    });
    if ((response.pollers ?? []).length > 0) return;
    // A cheap call: every scenario and test waits on it for each worker it starts.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no worker polled task queue ${taskQueue} within ${timeoutMs / 1000}s; see ${worker.logFile}`);
}
