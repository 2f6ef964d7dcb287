import { markLog, readCounts, readDifferences, readsSince } from './graphReads';
import { reconcileShardKilled } from './reconcileShardKill';
import type { Baseline } from './runner';
import type { Scenario, ScenarioOutcome } from './scenario';
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
  /**
   * The held path is read again from its start: after the kill (the held request itself excluded)
   * it is read as many times as the clean run read it, no fewer (a part skipped), no more.
   */
  readAgainWhole?: boolean;
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
    proves: 'a worker lost before any Graph answer costs nothing but a retry: the run reads from Graph exactly what the clean run reads',
  },
  {
    name: 'sync worker killed in a reconciliation shard',
    path: '/v1.0/$batch',
    // The second batch of the reconciliation: PIM for Groups sends its batches first, during the pulls.
    nth: (baseline) => Math.ceil((baseline.summary.streams.groupPimSchedules?.subRequests ?? 0) / 20) + 2,
    worker: 'sync',
    proves: 'a reconcile shard retried after a crash keeps the targets already done and reads only the rest',
    reduced: true,
  },
  {
    name: 'sync worker killed in the directory-roles pull',
    path: '/v1.0/roleManagement/directory/roleAssignments',
    nth: () => 1,
    worker: 'sync',
    proves: 'directory roles are read again, whole, after a crash',
    readAgainWhole: true,
  },
  {
    name: 'sync worker killed in the audit pull',
    path: '/v1.0/auditLogs/directoryAudits',
    nth: () => 1,
    worker: 'sync',
    proves: 'the audit pull is read again, whole, and repeats nothing visible: each event stored once',
    readAgainWhole: true,
  },
  {
    name: 'discovery worker killed in the grants pull',
    path: '/v1.0/oauth2PermissionGrants',
    nth: () => 1,
    worker: 'discovery',
    proves: 'discovery on its own worker survives that worker being lost: the grants are read again, whole',
    readAgainWhole: true,
  },
  {
    name: 'discovery worker killed in the sign-ins pull',
    path: '/v1.0/auditLogs/signIns',
    nth: () => 1,
    worker: 'discovery',
    proves: 'sign-ins are read again, whole, and their evidence stored once',
    readAgainWhole: true,
  },
];

export function crashScenarios(): Scenario[] {
  return GRAPH_KILL_POINTS.map((point) => ({
    suite: 'crash',
    name: point.name,
    proves: point.proves,
    reduced: point.reduced,
    run: (deployment, baseline) => (point.path === '/v1.0/$batch' ? reconcileShardKilled(deployment, point.nth(baseline)) : killAndRecover(deployment, point, baseline)),
  }));
}

async function killAndRecover(deployment: Deployment, point: GraphKillPoint, baseline: Baseline): Promise<ScenarioOutcome> {
  const { sim } = deployment;
  await deployment.startWorkers();
  const nth = point.nth(baseline);
  const hold = sim.faults.add({ pathPrefix: point.path, kind: 'hold', nth });
  const started = markLog(sim);
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
    const killed = markLog(sim);
    await deployment.killWorker(point.worker);
    sim.faults.remove(hold.id);
    await deployment.startWorker(point.worker);
    await handle.result();
    const unheld = (reads: ReturnType<typeof readsSince>) => ({ ...reads, requests: reads.requests.filter((e) => e.faultId !== hold.id) });
    if (point.path === '/') {
      // Nothing was answered before the kill: the whole run must read what the clean run reads.
      const problems = readDifferences(readCounts(unheld(readsSince(sim, started))), baseline.reads);
      if (problems.length) throw new Error(`the run read differently from the clean run: ${problems.join('; ')}`);
      return { outcome: 'succeeded', detail: `killed at request ${nth} of ${point.path}; Graph read as in the clean run` };
    }
    if (point.readAgainWhole) {
      const path = point.path;
      const again = [...readCounts(unheld(readsSince(sim, killed))).entries()].filter(([p]) => p === path).reduce((n, [, c]) => n + c, 0);
      const clean = baseline.reads.get(path) ?? 0;
      if (again !== clean) throw new Error(`after the kill ${path} was read ${again} times; the clean run read it ${clean} times`);
      return { outcome: 'succeeded', detail: `killed at request ${nth} of ${point.path}; read again whole (${again} of ${clean})` };
    }
    if (!point.resumes) throw new Error(`the kill point ${point.name} has no check of its own`);

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
