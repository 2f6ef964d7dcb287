import exitHook from 'async-exit-hook';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runMain } from '../workers/runMain';
import { crashScenarios } from './crashScenarios';
import { faultScenarios } from './faultScenarios';
import { lifecycleScenarios } from './lifecycleScenarios';
import { phaseCrashScenarios } from './phaseCrashScenarios';
import { tailScenarios } from './tailScenarios';
import { notificationScenarios } from './notificationScenarios';
import { runScenario } from './runner';
import type { ScenarioResult } from './scenario';
import { startStack } from './stack';

const whole = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number above 0`);
  return n;
};

const options = new Command()
  .name('npm run reliability --')
  .description('Disturbs real sync runs, tail passes and change notifications (killed workers and receivers, Graph faults, resets, overlaps, cancels, terminations) and checks each ends as a clean run would.')
  .addOption(new Option('--suite <suite>', 'which scenarios').choices(['crash', 'faults', 'lifecycle', 'tail', 'notifications', 'all']).default('all'))
  .option('--reduced', 'only the scenarios CI runs')
  .option('--only <text...>', 'only scenarios whose name contains one of these texts')
  .option('--users <n>', 'users in the simulated tenant', whole('users'), 300)
  .option('--seed <n>', 'tenant seed', whole('seed'), 5)
  .option('--page-size <n>', 'delta page size of the simulated Graph (small, so every stream has a middle page)', whole('page-size'), 2)
  .option('--json', 'end with one JSON line: {"suite","scenarios","passed","failed"}')
  .parse()
  .opts<{ suite: 'crash' | 'faults' | 'lifecycle' | 'tail' | 'notifications' | 'all'; reduced?: boolean; only?: string[]; users: number; seed: number; pageSize: number; json?: boolean }>();

runMain(async () => {
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const stack = await startStack({ users: options.users, seed: options.seed, pageSize: options.pageSize }, say);
  // Ctrl-C: stop the workers, the dev server and PostgreSQL this run started, not just PostgreSQL.
  exitHook((done) => void stack.stop().finally(done));
  const results: ScenarioResult[] = [];
  try {
    const wanted = (suite: string) => options.suite === 'all' || options.suite === suite;
    const scenarios = [
      ...(wanted('crash') ? [...crashScenarios(), ...phaseCrashScenarios(stack)] : []),
      ...(wanted('faults') ? faultScenarios() : []),
      ...(wanted('lifecycle') ? lifecycleScenarios() : []),
      ...(wanted('tail') ? tailScenarios(stack) : []),
      ...(wanted('notifications') ? notificationScenarios(stack) : []),
    ].filter((s) => (!options.reduced || s.reduced) && (!options.only || options.only.some((text) => s.name.includes(text))));
    for (const [index, scenario] of scenarios.entries()) {
      say(`${scenario.suite}: ${scenario.name} ...`);
      const result = await runScenario(stack, scenario, index + 1);
      say(`  ${result.passed ? 'passed' : 'FAILED'} in ${result.seconds}s${result.detail ? `: ${result.detail}` : ''}`);
      results.push(result);
    }
  } finally {
    await stack.stop();
  }
  process.stdout.write(`${formatTable(results)}\n`);
  const failed = results.filter((r) => !r.passed).length;
  if (options.json) process.stdout.write(`${JSON.stringify({ suite: options.suite, scenarios: results.length, passed: results.length - failed, failed })}\n`);
  if (results.length === 0) throw new Error('no scenario matched; see --help for --suite, --reduced and --only');
  if (failed > 0) throw new Error(`${failed} of ${results.length} scenarios failed; the table says how`);
});

function formatTable(results: ScenarioResult[]): string {
  const header = ['suite', 'scenario', 'outcome', 'digest equal', 'seconds', 'detail'];
  const rows = results.map((r) => [r.suite, r.name, r.passed ? r.outcome : `FAILED (${r.outcome})`, r.digestEqual === null ? '-' : r.digestEqual ? 'yes' : 'no', String(r.seconds), r.detail]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
