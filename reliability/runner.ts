import type { RunSummary } from '../activities';
import { tenantDigest, type Digest } from '../test/support/tableDigest';
import { digestDifferences, leftovers } from './invariants';
import type { Scenario, ScenarioResult } from './scenario';
import type { Stack } from './stack';

const SCENARIO_TIMEOUT_MS = 6 * 60_000;

/** What a clean run over the same tenant commits: every scenario is compared with it. */
export type Baseline = { digest: Digest; summary: RunSummary; pages: (stream: string) => number };

export async function cleanRun(stack: Stack): Promise<Baseline> {
  const deployment = await stack.deploy();
  await deployment.startWorkers();
  const summary = await (await deployment.startRun()).result().catch((err: Error) => {
    throw new Error(`the clean run failed: ${causes(err)}`);
  });
  const digest = await tenantDigest(deployment.db, deployment.connectorId);
  const pages = (stream: string) => {
    const pulled = summary.streams[stream];
    if (!pulled) throw new Error(`the clean run has no stream ${stream}`);
    return pulled.pages;
  };
  return { digest, summary, pages };
}

/**
 * Runs one scenario on a deployment of its own, then checks what must hold however the run went:
 * the tables equal the clean run's, nothing is left in staging and no run is still marked running.
 */
export async function runScenario(stack: Stack, baseline: Baseline, scenario: Scenario): Promise<ScenarioResult> {
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
  try {
    const deployment = await stack.deploy();
    const outcome = await withTimeout(scenario.run(deployment), SCENARIO_TIMEOUT_MS, scenario.name);
    const differences = digestDifferences(await tenantDigest(deployment.db, deployment.connectorId), baseline.digest);
    const problems = [...(await leftovers(deployment.db, outcome.dataResets)), ...differences.map((d) => `differs: ${d}`)];
    return result(problems.length === 0, outcome.outcome, differences.length === 0, [outcome.detail, ...problems].filter(Boolean).join('; '));
  } catch (err) {
    return result(false, 'error', null, causes(err as Error));
  }
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
