import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string) => readFileSync(file, 'utf8');

describe('the release version', () => {
  it('is one number in package.json, the lockfile, the newest CHANGELOG.md release and the compose image tag', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string };
    const lock = JSON.parse(read('package-lock.json')) as { version: string; packages: Record<string, { version?: string }> };
    const newestRelease = /^## \[(\d+\.\d+\.\d+)\]/m.exec(read('CHANGELOG.md'))?.[1];
    const composeTag = /image: entra-sync:(\S+)/.exec(read('docker-compose.yml'))?.[1];
    expect({ lock: lock.version, lockRoot: lock.packages['']?.version, newestRelease, composeTag }).toEqual({
      lock: version,
      lockRoot: version,
      newestRelease: version,
      composeTag: version,
    });
  });
});
