import { describe } from 'vitest';

/**
 * A suite that needs something only some machines have (root, a tool): it runs where the machine
 * has it and is skipped elsewhere, its title saying what it needs, which .ci/test-summary.mjs
 * prints for every skipped test. A skip that states no need counts against CI's test floor.
 */
export function machineSuite(has: boolean, needs: string) {
  return (title: string, body: () => void) => describe.runIf(has)(`${title} [needs ${needs}]`, body);
}
