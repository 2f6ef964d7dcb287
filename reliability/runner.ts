import type { RunSummary } from '../activities';
import { DELTA_STREAMS } from '../shared/streams';
import { tenantDigest, type Digest } from '../test/support/tableDigest';
import { tenantDifferences } from '../test/support/tenantTruth';
import { markLog, readCounts, readsSince } from './graphReads';
import { digestDifferences, leftovers } from './invariants';
import type { Scenario, ScenarioResult } from './scenario';
import type { Deployment, Stack } from './stack';
import { changeTenant } from './tenantChanges';

const SCENARIO_TIMEOUT_MS = 6 * 60_000;

/**
 * What a clean run over the tenant as it is now commits, and what it read from Graph: every
 * scenario is compared with it. It has itself been compared with the simulator's ground truth.
 */
export type Baseline = { digest: Digest; summary: RunSummary; pages: (stream: string) => number; reads: Map<string, number> };

/** A clean deployment kept after its first run, to follow a tenant the scenario changes: `again` runs once more and returns its digest. */
type FollowingBaseline = Baseline & { again: () => Promise<Digest>; close: () => Promise<void> };

/**
 * One undisturbed run in a deployment of its own, checked against the tenant's ground truth (so a
 * defect the scenario's run shares with it still fails). Each scenario gets a fresh one: the
 * tenant changed after the scenario before.
 */
export async function cleanRun(stack: Stack): Promise<Baseline>;
export async function cleanRun(stack: Stack, follow: true): Promise<FollowingBaseline>;
export async function cleanRun(stack: Stack, follow = false): Promise<Baseline | FollowingBaseline> {
  const deployment = await stack.deploy();
  let kept = false;
  try {
    await deployment.startWorkers();
    const mark = markLog(stack.sim);
    const summary = await (await deployment.startRun()).result().catch((err: Error) => {
      throw new Error(`the clean run failed: ${causes(err)}`);
    });
    const reads = readCounts(readsSince(stack.sim, mark));
    const truth = await tenantDifferences(deployment.db, deployment.connectorId, stack.sim.tenant);
    if (truth.length > 0) throw new Error(`the clean run differs from the tenant: ${truth.join('; ')}`);
    const digest = await tenantDigest(deployment.db, deployment.connectorId);
    const pages = (stream: string) => {
      const pulled = summary.streams[stream];
      if (!pulled) throw new Error(`the clean run has no stream ${stream}`);
      return pulled.pages;
    };
    if (!follow) return { digest, summary, pages, reads };
    kept = true;
    const again = async () => {
      await (await deployment.startRun()).result().catch((err: Error) => {
        throw new Error(`the clean deployment's run after the scenario failed: ${causes(err)}`);
      });
      const after = await tenantDifferences(deployment.db, deployment.connectorId, stack.sim.tenant);
      if (after.length > 0) throw new Error(`the clean deployment's run after the scenario differs from the tenant: ${after.join('; ')}`);
      return tenantDigest(deployment.db, deployment.connectorId);
    };
    return { digest, summary, pages, reads, again, close: deployment.close };
  } finally {
    if (!kept) await deployment.close();
  }
}

/**
 * History tables record what each run observed: a scenario whose tail passed many times while the
 * tenant changed saw states in between that the clean deployment's two runs did not. Their
 * current rows are what the ground truth checks (tenantDifferences).
 */
const observationTables = (table: string) => table.endsWith('_history');

/**
 * Runs one scenario on a deployment of its own, then checks what must hold however the run went:
 * the tables equal a clean run's and the tenant's, nothing is left in staging and no run is still
 * marked running. Then the tenant changes and one more run must land exactly those changes.
 */
export async function runScenario(stack: Stack, scenario: Scenario, changeSeed = 1): Promise<ScenarioResult> {
  const started = performance.now();
  const result = (passed: boolean, outcome: string, digestEqual: boolean | null, detail: string): ScenarioResult => ({
    suite: scenario.suite,
    name: scenario.name,
    passed,
    outcome,
    digestEqual,
    detail,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  });
  let deployment: Deployment | undefined;
  let following: FollowingBaseline | undefined;
  try {
    const baseline = scenario.changesTenant ? (following = await cleanRun(stack, true)) : await cleanRun(stack);
    deployment = await stack.deploy();
    const d = deployment;
    const outcome = await withTimeout(scenario.run(d, baseline), SCENARIO_TIMEOUT_MS, scenario.name);
    // A scenario that changed the tenant is compared with a clean deployment that bootstrapped before it and ran once after it.
    const [actual, expected] = following
      ? [withoutTables(await tenantDigest(d.db, d.connectorId), observationTables), withoutTables(await following.again(), observationTables)]
      : [await tenantDigest(d.db, d.connectorId), baseline.digest];
    const differences = digestDifferences(actual, expected);
    const problems = [
      ...(await leftovers(d.db, outcome.connectorResets)),
      ...differences.map((difference) => `differs: ${difference}`),
      ...(await tenantDifferences(d.db, d.connectorId, stack.sim.tenant)).map((difference) => `differs from the tenant: ${difference}`),
    ];
    if (problems.length === 0 && scenario.followUp !== false) problems.push(...(await landsTenantChanges(stack, d, changeSeed, outcome.connectorResets)));
    return result(problems.length === 0, outcome.outcome, differences.length === 0, [outcome.detail, ...problems].filter(Boolean).join('; '));
  } catch (err) {
    return result(false, 'error', null, causes(err as Error));
  } finally {
    await deployment?.close();
    await following?.close();
  }
}

function withoutTables(digest: Digest, skip: (table: string) => boolean): Digest {
  return Object.fromEntries(Object.entries(digest).filter(([table]) => !skip(table)));
}

/**
 * The tenant changes (reliability/tenantChanges.ts) and one more run of the scenario's connector
 * must land exactly those changes, incrementally: a cursor saved wrong by a crash shows here,
 * where the digest cannot see it (delta-link text differs between any two runs).
 */
async function landsTenantChanges(stack: Stack, d: Deployment, seed: number, connectorResets?: number): Promise<string[]> {
  const { touched } = changeTenant(stack.sim.tenant, seed);
  const summary = await (await d.startRun()).result().catch((err: Error) => {
    throw new Error(`the run after the tenant changed failed: ${causes(err)}`);
  });
  const problems = (await tenantDifferences(d.db, d.connectorId, stack.sim.tenant)).map((difference) => `after the tenant changed, differs from the tenant: ${difference}`);
  for (const stream of DELTA_STREAMS) {
    const pulled = summary.streams[stream];
    if (pulled?.mode !== 'incremental' || pulled.resyncReason) problems.push(`after the tenant changed, ${stream} was not read incrementally from its cursor: ${JSON.stringify(pulled)}`);
    // Only the changes: each page carries at least one changed object, and the last may be
    // empty. A cursor from before the scenario's round (its first link, a page link) reads more.
    else if (pulled.pages > touched[stream].size + 1) {
      problems.push(`after the tenant changed, ${stream} read ${pulled.pages} pages for ${touched[stream].size} changed objects: its cursor was not where the last run ended`);
    }
  }
  problems.push(...(await leftovers(d.db, connectorResets)));
  return problems;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no outcome within ${ms / 1000}s`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The error and its causes in one line: a workflow failure's own message says little. */
function causes(err: Error): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message.split('\n')[0]!);
  return messages.join(': ');
}
