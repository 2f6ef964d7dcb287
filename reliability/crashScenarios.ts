import type { Baseline } from './runner';
import type { Scenario } from './scenario';
import type { Deployment, WorkerKind } from './stack';
import { untilHeartbeat, untilHeld } from './waits';

/**
 * A kill point: the worker is SIGKILLed while the `nth` request under `path` is held unanswered by
 * the simulator, so the point is the same on every machine, however fast.
 */
type GraphKillPoint = {
  name: string;
  path: string;
  nth: (baseline: Baseline) => number;
  worker: WorkerKind;
  proves: string;
  /** A paged stream whose retry must resume from its last heartbeat, not from page 1. */
  resumes?: { stream: string };
  reduced?: boolean;
};

const middlePage = (stream: string) => (baseline: Baseline) => {
  const pages = baseline.pages(stream);
  if (pages < 3) throw new Error(`${stream} has ${pages} page(s) in this tenant, too few for a middle page; raise --users or lower --page-size`);
  return Math.ceil(pages / 2);
};

const DELTA_STREAMS = [
  ['users', '/v1.0/users/delta'],
  ['groups', '/v1.0/groups/delta'],
  ['applications', '/v1.0/applications/delta'],
  ['servicePrincipals', '/v1.0/servicePrincipals/delta'],
] as const;

const GRAPH_KILL_POINTS: GraphKillPoint[] = [
  ...DELTA_STREAMS.map(([stream, path]): GraphKillPoint => ({
    name: `sync worker killed on a middle page of ${stream} delta`,
    path,
    nth: middlePage(stream),
    worker: 'sync',
    proves: `the ${stream} pull resumes from its last heartbeated page, and the run commits what a clean run commits`,
    resumes: { stream },
    reduced: stream === 'users',
  })),
  {
    name: 'sync worker killed on the last page of users delta',
    path: '/v1.0/users/delta',
    nth: (baseline) => baseline.pages('users'),
    worker: 'sync',
    proves: 'a pull lost on the page that carries the deltaLink resumes there and records the new cursor once',
    resumes: { stream: 'users' },
  },
  {
    name: 'sync worker killed before its first token',
    path: '/',
    nth: () => 1,
    worker: 'sync',
    proves: 'a worker lost before any Graph answer costs nothing but a retry',
  },
  {
    name: 'sync worker killed in a reconciliation shard',
    path: '/v1.0/$batch',
    // The second batch of the reconciliation: PIM for Groups sends its batches first, during the pulls.
    nth: (baseline) => Math.ceil((baseline.summary.streams.groupPimSchedules?.subRequests ?? 0) / 20) + 2,
    worker: 'sync',
    proves: 'a shard retried after a crash keeps the targets already done and reads the rest',
    reduced: true,
  },
  {
    name: 'sync worker killed in the directory-roles pull',
    path: '/v1.0/roleManagement/directory/roleAssignments',
    nth: () => 1,
    worker: 'sync',
    proves: 'directory roles are read again, whole, after a crash',
  },
  {
    name: 'sync worker killed in the audit pull',
    path: '/v1.0/auditLogs/directoryAudits',
    nth: () => 1,
    worker: 'sync',
    proves: 'the audit pull repeats nothing visible after a crash: each event stored once',
  },
  {
    name: 'discovery worker killed in the grants pull',
    path: '/v1.0/oauth2PermissionGrants',
    nth: () => 1,
    worker: 'discovery',
    proves: 'discovery on its own worker survives that worker being lost',
  },
  {
    name: 'discovery worker killed in the sign-ins pull',
    path: '/v1.0/auditLogs/signIns',
    nth: () => 1,
    worker: 'discovery',
    proves: 'sign-in evidence is stored once even when the pull is retried after a crash',
  },
];

export function crashScenarios(baseline: Baseline): Scenario[] {
  return GRAPH_KILL_POINTS.map((point) => ({
    suite: 'crash',
    name: point.name,
    proves: point.proves,
    reduced: point.reduced,
    run: (deployment) => killAndRecover(deployment, point, baseline),
  }));
}

async function killAndRecover(deployment: Deployment, point: GraphKillPoint, baseline: Baseline) {
  const { sim } = deployment;
  await deployment.startWorkers();
  const nth = point.nth(baseline);
  const hold = sim.faults.add({ pathPrefix: point.path, kind: 'hold', nth });
  const handle = await deployment.startRun();
  try {
    await untilHeld(sim, hold.id);
    let heartbeatedPages: number | undefined;
    if (point.resumes) {
      // The page before the held one is the newest a retry can resume after.
      const details = await untilHeartbeat(handle, `${point.resumes.stream} at page ${nth - 1}`, (d) =>
        mentionsStream(d, point.resumes!.stream) && Number(d.pages) >= nth - 1,
      );
      heartbeatedPages = Number(details.pages);
    }
    const killedAt = sim.requestLog.entries().length;
    await deployment.killWorker(point.worker);
    sim.faults.remove(hold.id);
    await deployment.startWorker(point.worker);
    await handle.result();
    if (!point.resumes) return { outcome: 'succeeded' as const, detail: `killed at request ${nth} of ${point.path}` };

    const path = DELTA_STREAMS.find(([stream]) => stream === point.resumes!.stream)![1];
    // The held request itself is answered (to a dead worker) once released: it is no re-read.
    const after = sim.requestLog.entries().slice(killedAt).filter((e) => e.path.startsWith(path) && e.status === 200 && e.faultId !== hold.id);
    const restartedAtPageOne = after.some((e) => !e.path.includes('$skiptoken') && !e.path.includes('$deltatoken'));
    const total = baseline.pages(point.resumes.stream);
    const resumedAtPage = total - after.length + 1;
    if (restartedAtPageOne || resumedAtPage <= heartbeatedPages!) {
      throw new Error(`the retry re-read ${after.length} of ${total} pages (resumed at page ${resumedAtPage}, last heartbeat after page ${heartbeatedPages})`);
    }
    return { outcome: 'succeeded' as const, detail: `killed at page ${nth}/${total}, resumed at page ${resumedAtPage}` };
  } finally {
    sim.faults.remove(hold.id);
  }
}

/** Heartbeat details name their stream, or (older shape) carry the stream's link. */
function mentionsStream(details: Record<string, unknown>, stream: string): boolean {
  if (details.stream !== undefined) return details.stream === stream;
  return typeof details.link === 'string' && details.link.includes(`/${stream}/delta`);
}
