import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { build } from 'esbuild';
import { BUILD_INPUTS, PREBUILT_WORKFLOW_BUNDLE, WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../workers/workflowBundle';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST_DIR = path.join(ROOT, 'dist');
/** The worker entry points, compiled to dist/workers/<name>.js. */
export const WORKER_ENTRIES = ['syncWorker.ts', 'discoveryWorker.ts'];

const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

/**
 * Compiles the workers to plain JavaScript (dist/workers/*.js): one ES module per entry point
 * with our code inlined and packages imported from node_modules, so Node runs it without a
 * TypeScript loader; the imports stay extensionless in the sources. The workflows go in as a
 * prebuilt bundle next to them. The finished folder replaces dist/ in one rename: a process
 * never sees half a build.
 */
export async function buildWorkers(outDir = DIST_DIR): Promise<void> {
  const staging = `${outDir}.staging-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    metafile: true,
    entryPoints: WORKER_ENTRIES.map((entry) => path.join(ROOT, 'workers', entry)),
    outdir: path.join(staging, 'workers'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    tsconfig: path.join(ROOT, 'tsconfig.build.json'),
    logLevel: 'warning',
  });
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: silent });
  await writeFile(path.join(staging, 'workers', PREBUILT_WORKFLOW_BUNDLE), code);
  // What the build read, so that the launcher can tell whether a source changed since.
  const workflowSources = (await readdir(path.dirname(WORKFLOWS_PATH), { recursive: true })).map((f) => path.join(path.relative(ROOT, path.dirname(WORKFLOWS_PATH)), f));
  const inputs = [...new Set([...Object.keys(result.metafile.inputs), ...workflowSources])].sort();
  await writeFile(path.join(staging, 'workers', BUILD_INPUTS), `${JSON.stringify(inputs, null, 1)}\n`);
  const previous = `${outDir}.previous-${process.pid}`;
  await rename(outDir, previous).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(staging, outDir);
  await rm(previous, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await buildWorkers();
  // stderr: `npm start -- --json` keeps stdout for its JSON.
  process.stderr.write(`built ${WORKER_ENTRIES.map((e) => `dist/workers/${e.replace(/\.ts$/, '.js')}`).join(', ')}\n`);
}
