import { expect, it } from 'vitest';

// Never part of the suite: .ci/run runs it alone (ENTRA_SYNC_TEST_CANARY=1) and fails CI when the
// test command exits 0 anyway, so a runner that swallows failures is caught before the real run.
it('canary: a failing assertion fails the test command', () => {
  expect(1).toBe(2);
});
