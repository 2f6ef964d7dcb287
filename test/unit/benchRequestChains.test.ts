import { describe, expect, it } from 'vitest';
import { graphPhaseOf } from '../../bench/graphPhase';
import { longestChain, meanRoundTripMs } from '../../bench/requestChains';

const get = (path: string, durationMs = 50, status = 200) => ({ method: 'GET', path, status, durationMs });

describe('longestChain', () => {
  it('counts the pages of a delta round, the start and each $skiptoken link, and adds up their times', () => {
    const log = [get('/v1.0/users/delta?$select=id', 40), get('/v1.0/users/delta?$skiptoken=a', 50), get('/v1.0/users/delta?$skiptoken=b', 60)];
    expect(longestChain(log)).toEqual({ requests: 3, ms: 150 });
  });

  it('keeps parallel streams apart and takes the one that took longest', () => {
    const log = [
      get('/v1.0/users/delta?$select=id', 100),
      get('/v1.0/groups/delta?$select=id', 10),
      get('/v1.0/users/delta?$skiptoken=a', 100),
      get('/v1.0/groups/delta?$skiptoken=a', 10),
      get('/v1.0/groups/delta?$skiptoken=b', 10),
    ];
    expect(longestChain(log)).toEqual({ requests: 2, ms: 200 });
  });

  it('starts a new chain at a request without a page link (a restarted round)', () => {
    const log = [get('/v1.0/users/delta'), get('/v1.0/users/delta?$skiptoken=a'), get('/v1.0/users/delta'), get('/v1.0/users/delta?$skiptoken=c')];
    expect(longestChain(log)).toEqual({ requests: 2, ms: 100 });
  });

  it('leaves out throttled and failed answers, and requests outside Graph', () => {
    const log = [
      get('/v1.0/users/delta'),
      get('/v1.0/users/delta?$skiptoken=a', 1, 429),
      get('/v1.0/users/delta?$skiptoken=a'),
      get('/tenant/oauth2/v2.0/token?$skiptoken=x', 500),
    ];
    expect(longestChain(log)).toEqual({ requests: 2, ms: 100 });
  });

  it('counts the hidden start of a page link out of a $batch sub-response, at no time', () => {
    const log = [{ method: 'POST', path: '/v1.0/$batch', status: 200, durationMs: 30 }, get('/v1.0/servicePrincipals/s1/appRoleAssignedTo?$skiptoken=a', 40)];
    expect(longestChain(log)).toEqual({ requests: 2, ms: 40 });
  });

  it('is empty for no Graph request', () => {
    expect(longestChain([])).toEqual({ requests: 0, ms: 0 });
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
    expect(graphPhaseOf('GET', '/v1.0/roleManagement/directory/roleAssignments')).toBe('pullFullStream');
    expect(graphPhaseOf('GET', '/v1.0/auditLogs/directoryAudits')).toBe('pullAuditEvents');
    expect(graphPhaseOf('GET', '/v1.0/auditLogs/signIns')).toBe('discovery');
    expect(graphPhaseOf('POST', '/v1.0/$batch')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/{id}/owners')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/3f2c/appRoleAssignedTo')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/servicePrincipals/3f2c')).toBe('reconciliation');
    expect(graphPhaseOf('GET', '/v1.0/organization')).toBe('other');
  });
});
