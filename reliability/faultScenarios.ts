import type { FaultSpec } from '../simulator/traffic/faults';
import type { RunningSimulator } from '../simulator/server';
import type { Scenario } from './scenario';

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

export function faultScenarios(): Scenario[] {
  return FAULTS.map(({ name, proves, faults, reduced }) => ({
    suite: 'faults',
    name,
    proves,
    reduced,
    run: async (deployment) => {
      await deployment.startWorker('sync');
      await deployment.startWorker('discovery');
      const specs = typeof faults === 'function' ? faults(deployment.sim) : faults;
      const added = specs.map((spec) => deployment.sim.faults.add(spec));
      try {
        await (await deployment.startRun()).result();
        const fired = added.reduce((n, fault) => n + (deployment.sim.faults.list().find((f) => f.id === fault.id)?.fired ?? 0), 0);
        if (fired === 0) throw new Error('no fault fired: the scenario proved nothing');
        return { outcome: 'succeeded', detail: `${fired} faults fired` };
      } finally {
        for (const fault of added) deployment.sim.faults.remove(fault.id);
      }
    },
  }));
}
