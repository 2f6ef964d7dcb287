import type { Deployment } from './stack';

export type Suite = 'crash' | 'faults' | 'lifecycle';

/** One way a run can be disturbed, and what must hold afterwards. */
export type Scenario = {
  suite: Suite;
  name: string;
  /** What the scenario proves, for the table in docs/RELIABILITY.md. */
  proves: string;
  /** Part of the reduced matrix that CI runs. */
  reduced?: boolean;
  run: (deployment: Deployment) => Promise<ScenarioOutcome>;
};

export type ScenarioOutcome = {
  /** How the scenario's runs ended, in a few words ("succeeded", "one of two committed"). */
  outcome: string;
  /** Anything worth a column in the table (the resumed page, the error kind). */
  detail?: string;
  /** Tenant data resets the scenario made per connector (each bumps the commit generation too). */
  dataResets?: Record<string, number>;
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
