import { describe, expect, it } from 'vitest';
import { foldOccurrences } from '../../activities/staging/stagedObjects';

// A delta page may name one object several times; Graph sends only the changed properties of
// an updated object, and `@removed` (reason "changed" or "deleted") for one that left.
describe('foldOccurrences', () => {
  it('lays a later partial object over an earlier one, property by property', () => {
    const rows = foldOccurrences([
      { id: 'u1', displayName: 'Ada', mail: 'ada@example.com', jobTitle: 'Engineer' },
      { id: 'u1', jobTitle: 'Architect' },
    ]);
    expect(rows).toEqual([{ id: 'u1', data: { id: 'u1', displayName: 'Ada', mail: 'ada@example.com', jobTitle: 'Architect' }, removedReason: null }]);
  });

  it('lets a removal win outright over what came before', () => {
    const rows = foldOccurrences([
      { id: 'u1', displayName: 'Ada' },
      { id: 'u1', '@removed': { reason: 'deleted' } },
    ]);
    expect(rows).toEqual([{ id: 'u1', data: null, removedReason: 'deleted' }]);
  });

  it('keeps the removal reason Graph gave: changed (left the result set) or deleted', () => {
    const rows = foldOccurrences([
      { id: 'g1', '@removed': { reason: 'changed' } },
      { id: 'g2', '@removed': { reason: 'deleted' } },
    ]);
    expect(rows).toEqual([
      { id: 'g1', data: null, removedReason: 'changed' },
      { id: 'g2', data: null, removedReason: 'deleted' },
    ]);
  });

  it('starts afresh from an object that reappears after its removal, not from the removed data', () => {
    const rows = foldOccurrences([
      { id: 'u1', displayName: 'Ada', mail: 'ada@example.com' },
      { id: 'u1', '@removed': { reason: 'changed' } },
      { id: 'u1', displayName: 'Ada L.' },
    ]);
    expect(rows).toEqual([{ id: 'u1', data: { id: 'u1', displayName: 'Ada L.' }, removedReason: null }]);
  });

  it('keeps distinct objects apart, one row each, in first-seen order', () => {
    const rows = foldOccurrences([{ id: 'b' }, { id: 'a' }, { id: 'b', x: 1 }]);
    expect(rows.map((r) => r.id)).toEqual(['b', 'a']);
    expect(rows[0]!.data).toEqual({ id: 'b', x: 1 });
  });
});
