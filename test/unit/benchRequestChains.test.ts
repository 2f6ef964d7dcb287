import { describe, expect, it } from 'vitest';
import { graphPhaseOf } from '../../bench/graphPhase';
import { longestChain, meanRoundTripMs } from '../../bench/requestChains';

const get = (path: string, durationMs = 50, status = 200) => ({ method: 'GET', path, status, durationMs });

describe('longestChain', () => {
  it('counts the pages of a delta round: the start, then each $skiptoken link', () => {
    const log = [get('/v1.0/users/delta?$select=id'), get('/v1.0/users/delta?$skiptoken=a'), get('/v1.0/users/delta?$skiptoken=b')];
    expect(longestChain(log)).toBe(3);
  });

  it('keeps parallel streams apart and takes the longest', () => {
    const log = [
      get('/v1.0/users/delta?$select=id'),
      get('/v1.0/groups/delta?$select=id'),
      get('/v1.0/users/delta?$skiptoken=a'),
      get('/v1.0/groups/delta?$skiptoken=a'),
      get('/v1.0/groups/delta?$skiptoken=b'),
    ];
    expect(longestChain(log)).toBe(3);
  });

  it('starts a new chain at a request without a page link (a restarted round)', () => {
    const log = [get('/v1.0/users/delta'), get('/v1.0/users/delta?$skiptoken=a'), get('/v1.0/users/delta'), get('/v1.0/users/delta?$skiptoken=c')];
    expect(longestChain(log)).toBe(2);
  });

  it('leaves out throttled and failed answers, and requests outside Graph', () => {
    const log = [
      get('/v1.0/users/delta'),
      get('/v1.0/users/delta?$skiptoken=a', 1, 429),
      get('/v1.0/users/delta?$skiptoken=a'),
      get('/tenant/oauth2/v2.0/token?$skiptoken=x'),
    ];
    expect(longestChain(log)).toBe(2);
  });

  it('counts the hidden start of a page link out of a $batch sub-response', () => {
    const log = [{ method: 'POST', path: '/v1.0/$batch', status: 200, durationMs: 80 }, get('/v1.0/servicePrincipals/s1/appRoleAssignedTo?$skiptoken=a')];
    expect(longestChain(log)).toBe(2);
  });

  it('is 0 for no Graph request', () => {
    expect(longestChain([])).toBe(0);
  });
});

describe('meanRoundTripMs', () => {
  it('averages the served Graph GETs only', () => {
    const log = [get('/v1.0/users/delta', 40), get('/v1.0/groups/delta', 80), get('/v1.0/users/delta', 5, 429), { method: 'POST', path: '/v1.0/$batch', status: 200, durationMs: 900 }];
    expect(meanRoundTripMs(log)).toBe(60);
    expect(meanRoundTripMs([])).toBe(0);
  });
});

describe('graphPhaseOf', () => {
  it('names the activity that sends each endpoint', () => {
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/delta')).toBe('pullDelta servicePrincipals');
    expect(graphPhaseOf('GET', '/v1.0/roleManagement/directory/roleAssignments')).toBe('pullDirectoryRoles');
    expect(graphPhaseOf('GET', '/v1.0/auditLogs/directoryAudits')).toBe('pullAuditEvents');
    expect(graphPhaseOf('GET', '/v1.0/auditLogs/signIns')).toBe('discovery');
    expect(graphPhaseOf('POST', '/v1.0/$batch')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/{id}/owners')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/3f2c/appRoleAssignedTo')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/3f2c')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/organization')).toBe('other');
  });
});
