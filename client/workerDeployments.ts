import { isGrpcServiceError, type Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { WorkerDeployment } from '../shared/workerDeployment';

const GRPC_NOT_FOUND = 5;
// temporal.api.enums.v1.TaskQueueType: TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;
const IDENTITY = 'entra-sync CLI';

// temporal.api.enums.v1.WorkerDeploymentVersionStatus and VersionDrainageStatus, in operators' words.
const VERSION_STATUS = ['-', 'inactive', 'current', 'ramping', 'draining', 'drained', 'created'];
const DRAINAGE_STATUS = ['-', 'draining', 'drained'];

type VersionInfo = temporal.api.deployment.v1.IWorkerDeploymentVersionInfo;

export type VersionView = {
  buildId: string;
  /** current, ramping, draining (pinned runs still open), drained, inactive (never current), created. */
  status: string;
  drainage: string;
  createdAt?: Date;
  /** Runs open on this build, by visibility: where the runs are. */
  runningWorkflows: number;
};

export type DeploymentView = {
  deploymentName: string;
  /** Undefined: new runs go to unversioned workers. */
  currentBuildId?: string;
  currentSince?: Date;
  rampingBuildId?: string;
  rampingPercentage?: number;
  versions: VersionView[];
  /** Open runs of the task queue on no version: started on unversioned workers. */
  unversionedRunningWorkflows: number;
};

const notFound = (err: unknown) => isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND;

/** The version as the server knows it, or undefined before a worker of it has polled. */
export async function describeVersion(client: Client, namespace: string, version: WorkerDeployment): Promise<VersionInfo | undefined> {
  try {
    const response = await client.workflowService.describeWorkerDeploymentVersion({ namespace, deploymentVersion: version });
    return response.workerDeploymentVersionInfo ?? undefined;
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

export type PolledQueue = { name: string; kind: 'workflows' | 'activities' };

const KINDS: Record<number, PolledQueue['kind']> = { [TASK_QUEUE_TYPE_WORKFLOW]: 'workflows', [TASK_QUEUE_TYPE_ACTIVITY]: 'activities' };

/** The task queues a version's workers have polled (a version registers each a moment after its workers start). */
export const polledQueues = (info: VersionInfo | undefined): PolledQueue[] =>
  (info?.taskQueueInfos ?? []).flatMap((q) => (q.name && q.type && KINDS[q.type] ? [{ name: q.name, kind: KINDS[q.type]! }] : []));

export const describeQueue = (q: PolledQueue): string => `${q.name} (${q.kind})`;

/** Routes new runs to `buildId` (undefined: to the unversioned workers); returns the build that was current. */
export async function setCurrentVersion(client: Client, namespace: string, deploymentName: string, buildId: string | undefined): Promise<string | undefined> {
  const before = await currentBuildId(client, namespace, deploymentName);
  await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId: buildId ?? '', identity: IDENTITY });
  return before;
}

/** The deployment's current build; undefined: the unversioned workers (or no such deployment). */
export async function currentBuildId(client: Client, namespace: string, deploymentName: string): Promise<string | undefined> {
  try {
    const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName });
    return workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId || undefined;
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
}

/** The deployment's routing and versions with their open runs, or undefined when no versioned worker ever polled. */
export async function describeDeployment(client: Client, namespace: string, deploymentName: string, taskQueue: string): Promise<DeploymentView | undefined> {
  let info: temporal.api.deployment.v1.IWorkerDeploymentInfo;
  try {
    info = (await client.workflowService.describeWorkerDeployment({ namespace, deploymentName })).workerDeploymentInfo ?? {};
  } catch (err) {
    if (notFound(err)) return undefined;
    throw err;
  }
  const routing = info.routingConfig ?? {};
  const running = (query: string) => client.workflow.count(`ExecutionStatus = 'Running' AND ${query}`).then((c) => c.count);
  const versions = await Promise.all(
    (info.versionSummaries ?? []).map(async (v) => {
      const buildId = v.deploymentVersion?.buildId ?? '';
      return {
        buildId,
        status: VERSION_STATUS[v.status ?? 0] ?? String(v.status),
        drainage: DRAINAGE_STATUS[v.drainageInfo?.status ?? v.drainageStatus ?? 0] ?? '-',
        createdAt: optionalTsToDate(v.createTime),
        runningWorkflows: await running(`TemporalWorkerDeploymentVersion = '${deploymentName}:${buildId}'`),
      };
    }),
  );
  return {
    deploymentName,
    currentBuildId: routing.currentDeploymentVersion?.buildId || undefined,
    currentSince: optionalTsToDate(routing.currentVersionChangedTime),
    rampingBuildId: routing.rampingDeploymentVersion?.buildId || undefined,
    rampingPercentage: routing.rampingDeploymentVersion?.buildId ? (routing.rampingVersionPercentage ?? 0) : undefined,
    versions: versions.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0)),
    unversionedRunningWorkflows: await running(`TaskQueue = '${taskQueue}' AND TemporalWorkerDeploymentVersion IS NULL`),
  };
}
