import type { FaultSpec } from '../simulator/traffic/faults';
import type { RunningSimulator } from '../simulator/server';
import type { Scenario } from './scenario';
import { succeeds } from './runOutcome';
import type { Deployment } from './stack';

/** Seeded Graph faults the connector must ride out: each run still commits what a clean run commits. */
const FAULTS: Array<{ name: string; proves: string; faults: FaultSpec[] | ((sim: RunningSimulator) => FaultSpec[]); reduced?: boolean }> = [
  {
    name: '10% 5xx and connection resets on every Graph request',
    proves: 'transient server errors and dropped connections are retried to the same result',
    faults: [
      { pathPrefix: '/v1.0/', probability: 0.1, seed: 11, status: 503 },
      { pathPrefix: '/v1.0/', probability: 0.05, seed: 12, kind: 'connectionReset' },
    ],
    reduced: true,
  },
  {
    name: 'a 429 storm',
    proves: 'throttling is waited out (Retry-After), never turned into a failure or a gap',
    faults: [{ pathPrefix: '/v1.0/', probability: 0.4, seed: 13, times: 60, status: 429, retryAfterSeconds: 1 }],
  },
  {
    name: '429s whose Retry-After is missing, empty or an HTTP date',
    proves: 'every spelling of Retry-After is waited out (backoff when there is none), never a failure',
    faults: [
      { pathPrefix: '/v1.0/', probability: 0.1, seed: 17, times: 10, status: 429, retryAfterForm: 'missing' },
      { pathPrefix: '/v1.0/', probability: 0.1, seed: 18, times: 10, status: 429, retryAfterForm: 'empty' },
      { pathPrefix: '/v1.0/', probability: 0.1, seed: 19, times: 10, status: 429, retryAfterSeconds: 2, retryAfterForm: 'httpDate' },
    ],
  },
  {
    name: 'truncated response bodies',
    proves: 'a 200 whose JSON stops halfway is read again, never staged in part',
    faults: [{ pathPrefix: '/v1.0/', probability: 0.1, seed: 14, kind: 'truncatedJson' }],
    reduced: true,
  },
  {
    name: 'malformed response bodies',
    proves: 'a 200 that is not JSON is read again, never staged',
    faults: [{ pathPrefix: '/v1.0/', probability: 0.1, seed: 15, kind: 'malformedJson' }],
  },
  {
    name: 'connections reset halfway through the body',
    proves: 'a body cut off mid-transfer is read again',
    faults: [{ pathPrefix: '/v1.0/', probability: 0.1, seed: 16, kind: 'connectionReset', afterHeaders: true }],
  },
  {
    name: 'token endpoint briefly unavailable',
    proves: 'an identity-platform 503 before the first token is retried, not reported as bad credentials',
    faults: (sim) => [{ pathPrefix: `/${sim.config.tenantId}/oauth2/v2.0/token`, nth: 1, times: 2, status: 503 }],
  },
];

/** Answers only Graph gives, which the connector once mistook (issue history in docs/graph-behaviour.md). */
const UNKIND_ANSWERS: Scenario[] = [
  {
    suite: 'faults',
    name: "a 410 whose Location lacks the connector's $select",
    proves: "a service-side reset re-bootstraps with the connector's own query: no property goes missing",
    run: async (d) => {
      await d.startWorkers();
      await succeeds(await d.startRun(), 'the first run');
      d.sim.deltaSettings.bareResyncLocation = true;
      d.sim.deltaTokens.resetAll('users');
      try {
        const summary = await (await d.startRun()).result();
        if (summary.streams.users?.resyncReason !== 'resyncRequired') throw new Error(`users did not resync: ${JSON.stringify(summary.streams.users)}`);
      } finally {
        d.sim.deltaSettings.bareResyncLocation = false;
      }
      return { outcome: 'succeeded', detail: 'users re-bootstrapped after a bare 410 Location' };
    },
  },
  withFaults('an expired page token mid-round', 'a stale page link restarts the round from the run\'s start link, never a failure', () => [
    { pathPrefix: '/v1.0/users/delta', kind: 'expiredPageToken', nth: 3 },
  ]),
  withFaults('a transient 404 inside $batch', "one 404 from a lagging replica is confirmed before it is believed: the object's owners and assignments stay", (sim) => {
    const sp = sim.tenant.activeObjects('servicePrincipals')[0]!;
    return [
      { pathPrefix: `/v1.0/servicePrincipals/${sp.id}/owners`, status: 404, code: 'Request_ResourceNotFound', message: `Resource '${sp.id}' does not exist.` },
      { pathPrefix: `/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`, status: 404, code: 'Request_ResourceNotFound', message: `Resource '${sp.id}' does not exist.` },
    ];
  }),
  {
    suite: 'faults',
    name: 'a delta page with a malformed members@delta',
    proves: 'malformed input fails the run with GraphBadResponse, naming the group, and commits nothing; the next run commits everything',
    run: async (d) => {
      await d.startWorkers();
      const fault = d.sim.faults.add({ pathPrefix: '/v1.0/groups/delta', kind: 'malformedMembersDelta' });
      let failure: string;
      try {
        failure = await (await d.startRun()).result().then(
          () => 'none',
          (err: Error & { cause?: Error & { type?: string } }) => `${err.cause?.type}: ${err.cause?.message}`,
        );
      } finally {
        d.sim.faults.remove(fault.id);
      }
      if (!failure.startsWith('GraphBadResponse') || !failure.includes('group')) throw new Error(`the run was to fail naming the group; it ended with ${failure}`);
      const { rows } = await d.db.query<{ n: number }>('select (select count(*) from delta_cursors) + (select count(*) from users) + (select count(*) from group_members) as n');
      if (Number(rows[0]!.n) !== 0) throw new Error('the failed run committed something');
      await succeeds(await d.startRun(), 'the next run');
      return { outcome: 'failed, then succeeded', detail: failure.slice(0, 90) };
    },
  },
];

function withFaults(name: string, proves: string, faults: (sim: RunningSimulator) => FaultSpec[]): Scenario {
  return { suite: 'faults', name, proves, run: (d) => runWithFaults(d, faults(d.sim)) };
}

/** One run under the faults; it must commit what a clean run commits, and a fault must have fired. */
async function runWithFaults(deployment: Deployment, specs: FaultSpec[]) {
  await deployment.startWorkers();
  const added = specs.map((spec) => deployment.sim.faults.add(spec));
  try {
    await succeeds(await deployment.startRun(), 'the run');
    const fired = added.reduce((n, fault) => n + (deployment.sim.faults.list().find((f) => f.id === fault.id)?.fired ?? 0), 0);
    if (fired === 0) throw new Error('no fault fired: the scenario proved nothing');
    return { outcome: 'succeeded', detail: `${fired} faults fired` };
  } finally {
    for (const fault of added) deployment.sim.faults.remove(fault.id);
  }
}

export function faultScenarios(): Scenario[] {
  const seeded = FAULTS.map(({ name, proves, faults, reduced }): Scenario => ({
    suite: 'faults',
    name,
    proves,
    reduced,
    run: (deployment) => runWithFaults(deployment, typeof faults === 'function' ? faults(deployment.sim) : faults),
  }));
  return [...seeded, ...UNKIND_ANSWERS];
}
