import type { Command } from 'commander';
import { WORKER_DEPLOYMENT_VARIABLES } from '../../shared/workerDeployment';
import { currentBuildId, describeDeployment, describeQueue, describeVersion, polledQueues, setCurrentVersion, type PolledQueue } from '../workerDeployments';
import { CliError } from './cliErrors';
import type { Runner } from './connectorCommands';
import type { CliContext } from './context';
import { formatTime, note, out, printJson, table } from './output';

type Action = Parameters<Runner>[0];

const DEFAULT_WAIT_SECONDS = '60';
const POLL_INTERVAL_MS = 1_000;

export function registerWorkersCommands(program: Command, run: Runner): void {
  const workers = program
    .command('workers')
    .description(`versioned workers (${WORKER_DEPLOYMENT_VARIABLES.deploymentName}, ${WORKER_DEPLOYMENT_VARIABLES.buildId}): which build takes new runs, where open runs are`);

  workers
    .command('set-current')
    .description("route new runs (schedules' and syncs') to a build; runs already started stay on their own build until they end")
    .option('--build-id <id>', `the build (${WORKER_DEPLOYMENT_VARIABLES.buildId} of its workers)`)
    .option('--unversioned', 'route new runs to the unversioned workers instead (rollback of a migration to versioned workers)')
    .option('--deployment <name>', `the deployment (default ${WORKER_DEPLOYMENT_VARIABLES.deploymentName})`)
    .option('--wait <seconds>', "how long to wait for the build's workers to poll every task queue the current build polls", DEFAULT_WAIT_SECONDS)
    .action(run(setCurrentCommand as Action));

  workers
    .command('status')
    .description('the current build, and each build with its state (draining: pinned runs still open on it; drained: safe to stop its workers) and open runs')
    .option('--deployment <name>', `the deployment (default ${WORKER_DEPLOYMENT_VARIABLES.deploymentName})`)
    .option('--json', 'print JSON')
    .action(run(statusCommand as Action));
}

function deploymentName(ctx: CliContext, given: string | undefined): string {
  const name = given ?? ctx.config.workerDeployment?.deploymentName;
  if (!name) throw new CliError(`give --deployment, or set ${WORKER_DEPLOYMENT_VARIABLES.deploymentName} as the workers have it`);
  return name;
}

async function setCurrentCommand(ctx: CliContext, o: { buildId?: string; unversioned?: boolean; deployment?: string; wait: string }): Promise<void> {
  if (!o.buildId === !o.unversioned) throw new CliError('give --build-id <id> of the build to make current, or --unversioned');
  const waitMs = Number(o.wait) * 1000;
  if (!Number.isFinite(waitMs) || waitMs < 0) throw new CliError(`--wait "${o.wait}" must be a number of seconds`);
  const name = deploymentName(ctx, o.deployment);
  const client = await ctx.temporal();
  if (o.buildId) await waitForWorkers(ctx, name, o.buildId, waitMs);
  const previous = await setCurrentVersion(client, ctx.namespace, name, o.buildId);
  const was = previous ? `build ${previous}` : 'the unversioned workers';
  if (o.buildId) {
    out(`new runs of deployment ${name} now start on build ${o.buildId} (before: ${was})`);
    if (previous && previous !== o.buildId) note(`runs started on ${previous} finish there: stop its workers once "entra-sync workers status" shows it drained`);
    // Temporal pins no run that started unversioned: it continues on the current build at its next workflow task.
    if (!previous) note(`runs open on unversioned workers continue on build ${o.buildId}; stop those workers once "entra-sync workers status" shows none open there`);
  } else {
    out(`new runs now start on the unversioned workers (before: ${was}); runs pinned to a build still need its workers until they end`);
  }
}

/**
 * A version exists only once one of its workers has polled, and a build made current before its
 * workers poll every queue leaves runs waiting (a discovery activity until ENTRA_DISCOVERY_START_TIMEOUT):
 * waits for the sync queue and every queue the current build polls.
 */
async function waitForWorkers(ctx: CliContext, name: string, buildId: string, waitMs: number): Promise<void> {
  const client = await ctx.temporal();
  const current = await currentBuildId(client, ctx.namespace, name);
  const expected: PolledQueue[] = [{ name: ctx.taskQueue, kind: 'workflows' }];
  if (current && current !== buildId) expected.push(...polledQueues(await describeVersion(client, ctx.namespace, { deploymentName: name, buildId: current })));
  const deadline = Date.now() + waitMs;
  for (let first = true; ; first = false) {
    const polled = polledQueues(await describeVersion(client, ctx.namespace, { deploymentName: name, buildId }));
    const missing = [...new Map(expected.filter((q) => !polled.some((p) => p.name === q.name && p.kind === q.kind)).map((q) => [describeQueue(q), q])).keys()];
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      throw new CliError(
        `no worker of build ${buildId} in deployment ${name} has polled ${missing.join(', ')} within ${waitMs / 1000}s${current && current !== buildId ? ` (build ${current} polls ${missing.length > 1 ? 'them' : 'it'})` : ''}; ` +
          `start the workers with ${WORKER_DEPLOYMENT_VARIABLES.deploymentName}=${name} ${WORKER_DEPLOYMENT_VARIABLES.buildId}=${buildId} ` +
          `(same TEMPORAL_NAMESPACE and task queues), check their logs, or wait longer with --wait`,
      );
    }
    if (first) note(`waiting up to ${waitMs / 1000}s for workers of build ${buildId} to poll ${missing.join(', ')} ...`);
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

async function statusCommand(ctx: CliContext, o: { deployment?: string; json?: boolean }): Promise<void> {
  const name = deploymentName(ctx, o.deployment);
  const view = await describeDeployment(await ctx.temporal(), ctx.namespace, name, ctx.taskQueue);
  if (!view) {
    throw new CliError(
      `deployment ${name} does not exist in namespace ${ctx.namespace}: no versioned worker of it has polled yet; ` +
        `start workers with ${WORKER_DEPLOYMENT_VARIABLES.deploymentName}=${name} and ${WORKER_DEPLOYMENT_VARIABLES.buildId}`,
    );
  }
  if (o.json) return printJson(view);
  const current = view.currentBuildId ? `build ${view.currentBuildId} (since ${formatTime(view.currentSince)})` : 'the unversioned workers';
  out(`deployment ${name}: new runs start on ${current}${view.rampingBuildId ? `; ${view.rampingPercentage}% ramp to build ${view.rampingBuildId}` : ''}`);
  out(
    table([
      ['build', 'state', 'drainage', 'open runs', 'created'],
      ...view.versions.map((v) => [v.buildId, v.status, v.drainage, String(v.runningWorkflows), formatTime(v.createdAt)]),
      ['(unversioned)', view.currentBuildId ? '-' : 'current', '-', String(view.unversionedRunningWorkflows), '-'],
    ]),
  );
}
