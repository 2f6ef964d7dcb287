import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cursorQueryMatches } from '../../activities/graph/cursorQuery';
import { DELTA_QUERIES } from '../../activities/graph/deltaQueries';
import { MalformedMembersDelta, membersDelta, ownersDelta } from '../../activities/graph/membersDelta';
import { DELTA_STREAMS } from '../../shared/streams';

// Graph encodes the initial $select into every cursor (group: delta, "Query parameters"), so a
// cursor taken with another list must re-bootstrap; one taken with the same list, in any order, must not.
describe('cursorQueryMatches', () => {
  it('accepts the current list in any order, refuses one missing a property, and an unknown one', () => {
    const groups = DELTA_QUERIES.groups.select;
    expect(cursorQueryMatches('groups', [...groups].reverse().join(','))).toBe(true);
    expect(cursorQueryMatches('groups', groups.filter((name) => name !== 'owners').join(','))).toBe(false);
    expect(cursorQueryMatches('groups', `${groups.join(',')},extra`)).toBe(false);
    expect(cursorQueryMatches('groups', null)).toBe(false);
  });

  // Migration 0016 records what existing cursors were taken with: only groups may differ from
  // today's lists (it lacked owners), or every existing connector would re-read every stream.
  it('migration 0016 recorded the pre-owners lists: only the groups cursors re-bootstrap', () => {
    const sql = readFileSync(new URL('../../schema/migrations/0016_group_owners.sql', import.meta.url), 'utf8');
    const recorded = new Map([...sql.matchAll(/when '(\w+)' then '([^']+)'/g)].map((m) => [m[1]!, m[2]!]));
    expect([...recorded.keys()].sort()).toEqual([...DELTA_STREAMS].sort());
    for (const stream of DELTA_STREAMS) expect(cursorQueryMatches(stream, recorded.get(stream)!), stream).toBe(stream !== 'groups');
    expect(recorded.get('groups')!.split(',')).not.toContain('owners');
  });
});

// owners@delta as group: delta documents it: the id of each owner (with @odata.type), @removed on removal.
describe('ownersDelta', () => {
  it('reads owners@delta apart from members@delta, and names the group and the list when malformed', () => {
    const group = {
      id: 'g1',
      'members@delta': [{ '@odata.type': '#microsoft.graph.user', id: 'u1' }],
      'owners@delta': [{ '@odata.type': '#microsoft.graph.servicePrincipal', id: 'sp1' }, { id: 'u2', '@removed': { reason: 'deleted' } }],
    };
    expect(ownersDelta(group).map((o) => o.id)).toEqual(['sp1', 'u2']);
    expect(membersDelta(group).map((m) => m.id)).toEqual(['u1']);
    expect(ownersDelta({ id: 'g2' })).toEqual([]);
    expect(() => ownersDelta({ id: 'g3', 'owners@delta': { id: 'u1' } })).toThrow(MalformedMembersDelta);
    expect(() => ownersDelta({ id: 'g3', 'owners@delta': [{ '@odata.type': '#microsoft.graph.user' }] })).toThrow(
      'group g3 has owners@delta entry 1 of 1 without an id',
    );
  });
});
