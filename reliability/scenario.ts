import type { Baseline } from './runner';
import type { Deployment } from './stack';

export type Suite = 'crash' | 'faults' | 'lifecycle' | 'tail' | 'notifications';

/** One way a run can be disturbed, and what must hold afterwards. */
export type Scenario = {
  suite: Suite;
  name: string;
  /** What the scenario proves, for the table in docs/RELIABILITY.md. */
  proves: string;
  /** Part of the reduced matrix that CI runs. */
  reduced?: boolean;
  /**
   * false: no tenant change and follow-up run after the scenario (runner.ts), for a scenario
   * whose deployment cannot run again; say why where it is set.
   */
  followUp?: false;
  /**
   * true: the scenario changes the tenant (the changes it makes notifications for), so the clean
   * run its tables are compared with runs after it, over the tenant as the scenario left it.
   */
  changesTenant?: true;
  /** `baseline`: the clean run this scenario's tables are compared with, and what it read. */
  run: (deployment: Deployment, baseline: Baseline) => Promise<ScenarioOutcome>;
};

export type ScenarioOutcome = {
  /** How the scenario's runs ended, in a few words ("succeeded", "one of two committed"). */
  outcome: string;
  /** Anything worth a column in the table (the resumed page, the error kind). */
  detail?: string;
  /** Times the scenario ran `connector update --reset-data` on its connector: each bumps the commit generation. */
  connectorResets?: number;
};

export type ScenarioResult = {
  suite: Suite;
  name: string;
  passed: boolean;
  outcome: string;
  digestEqual: boolean | null;
  seconds: number;
  detail: string;
};
