import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Workflow sources; the worker bundles them (webpack) into the deterministic sandbox. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The workflow interceptors every bundle carries: OpenTelemetry's, whose spans leave through the
 * worker's `exporter` sink (workers/traceInterceptors.ts), dropped there when tracing is off.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

/** Where the build (npm run build) puts the workflow bundle: next to the compiled worker in dist/workers. */
export const PREBUILT_WORKFLOW_BUNDLE = 'workflow-bundle.js';
/** The source files a build read (paths from the project root), next to the compiled worker. */
export const BUILD_INPUTS = 'build-inputs.json';

/**
 * The compiled worker runs the workflows the build bundled next to it (no sources, no webpack at
 * start); a worker run from source bundles them from source.
 */
export function workflowCode(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const prebuilt = fileURLToPath(new URL(`./${PREBUILT_WORKFLOW_BUNDLE}`, import.meta.url));
  return existsSync(prebuilt) ? { workflowBundle: { codePath: prebuilt } } : { workflowsPath: WORKFLOWS_PATH };
}
