import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_INPUTS, PREBUILT_WORKFLOW_BUNDLE } from '../../workers/workflowBundle';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMPILED_DIR = path.join(ROOT, 'dist', 'workers');

/**
 * The compiled worker (dist/workers/<name>.js) of a worker entry point (workers/<name>.ts), when
 * the build is current: no source it read changed since. A stale or missing build is undefined:
 * the caller then runs the source.
 */
export async function currentCompiledWorker(entry: string): Promise<string | undefined> {
  return currentBuildOutput(`${path.basename(entry, '.ts')}.js`);
}

/** The workflow bundle the build put next to the compiled workers, when the build is current. */
export async function currentPrebuiltWorkflowBundle(): Promise<string | undefined> {
  return currentBuildOutput(PREBUILT_WORKFLOW_BUNDLE);
}

async function currentBuildOutput(file: string): Promise<string | undefined> {
  const compiled = path.join(COMPILED_DIR, file);
  const inputsFile = path.join(COMPILED_DIR, BUILD_INPUTS);
  try {
    const [built, inputs] = await Promise.all([stat(inputsFile), readFile(inputsFile, 'utf8').then((t) => JSON.parse(t) as string[])]);
    await stat(compiled);
    const sources = await Promise.all(inputs.map((input) => stat(path.join(ROOT, input)).catch(() => undefined)));
    // A source removed or changed since the build: the build no longer matches the checkout.
    if (sources.some((s) => !s || s.mtimeMs > built.mtimeMs)) return undefined;
    // Packages installed since (npm writes this file at every install): the bundles inline the SDK's workflow runtime.
    const installed = await stat(path.join(ROOT, 'node_modules', '.package-lock.json')).catch(() => undefined);
    if (installed && installed.mtimeMs > built.mtimeMs) return undefined;
    return compiled;
  } catch {
    return undefined;
  }
}
