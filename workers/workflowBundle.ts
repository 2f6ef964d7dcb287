import { fileURLToPath } from 'node:url';

/** Workflow sources; the worker bundles them (webpack) into the deterministic sandbox. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
