import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FailureKind } from '../shared/failureKinds';

describe('failure kinds', () => {
  it("are the rows of the README's troubleshooting table, one for one", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| Kind | Message | Fix |'));
    const rows = [...table.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
    const documented = rows.filter((kind) => /^[A-Z]/.test(kind!));
    expect(new Set(documented)).toEqual(new Set(Object.values(FailureKind)));
  });
});
