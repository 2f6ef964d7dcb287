import type { WorkerOptions } from '@temporalio/worker';
import type { WorkerDeployment } from '../shared/workerDeployment';

/**
 * The Worker options of a versioned worker, or none for an unversioned one. Runs are PINNED by
 * default: a run finishes on the build that started it, so a release never replays another's
 * history. The workflows carry no versioning annotation of their own, since an unversioned worker
 * fails every task of an annotated workflow.
 */
export function workerVersioning(deployment: WorkerDeployment | undefined): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  if (!deployment) return {};
  return { workerDeploymentOptions: { useWorkerVersioning: true, version: deployment, defaultVersioningBehavior: 'PINNED' } };
}
