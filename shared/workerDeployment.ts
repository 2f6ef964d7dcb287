/**
 * Worker Versioning (docs/operations.md, "Upgrading"): a worker of a deployment version serves only
 * the runs Temporal routes to its build, and a run started on a build stays on it (PINNED).
 */
export type WorkerDeployment = { deploymentName: string; buildId: string };

export const WORKER_DEPLOYMENT_VARIABLES = { deploymentName: 'ENTRA_WORKER_DEPLOYMENT', buildId: 'ENTRA_WORKER_BUILD_ID' } as const;

// The server's limit on both names; it reserves '.' in deployment names (a worker with one never registers).
const MAX_NAME_LENGTH = 255;

/** What is wrong with the pair of settings, if anything: both or neither, within the server's limits. */
export function workerDeploymentProblems(deploymentName: string | undefined, buildId: string | undefined): string[] {
  const { deploymentName: nameVariable, buildId: buildVariable } = WORKER_DEPLOYMENT_VARIABLES;
  if (!deploymentName && !buildId) return [];
  if (!buildId) return [`${nameVariable} is set but ${buildVariable} is not: a versioned worker needs both (the build id names this release, e.g. its version or image digest); unset both for an unversioned worker`];
  if (!deploymentName) return [`${buildVariable} is set but ${nameVariable} is not: a versioned worker needs both (e.g. ${nameVariable}=entra-sync); unset both for an unversioned worker`];
  const problems: string[] = [];
  if (deploymentName.includes('.')) problems.push(`${nameVariable}="${deploymentName}" contains '.', which Temporal reserves; use a name like entra-sync`);
  if (deploymentName.length > MAX_NAME_LENGTH) problems.push(`${nameVariable} is longer than ${MAX_NAME_LENGTH} characters`);
  if (buildId.length > MAX_NAME_LENGTH) problems.push(`${buildVariable} is longer than ${MAX_NAME_LENGTH} characters`);
  return problems;
}

/** `entra-sync:1.1.0`, Temporal's own spelling of a version, or `unversioned`. */
export const describeWorkerDeployment = (deployment: WorkerDeployment | undefined): string =>
  deployment ? `${deployment.deploymentName}:${deployment.buildId}` : 'unversioned';
