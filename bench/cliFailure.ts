import type { CliRun } from '../test/support/cliProcess';

/**
 * Why an `entra-sync` command the bench needs failed, in the operator's terms: a build without
 * tail mode (issue 28) refuses `--tail` as an unknown option, and the bench says to use --no-tail.
 */
export function cliFailure(args: readonly string[], run: CliRun): Error {
  const command = `entra-sync ${args.join(' ')}`;
  if (/unknown option '--tail/.test(run.stderr)) {
    return new Error(`${command}: this build has no --tail option (tail mode, issue 28, is not in it); run the bench with --no-tail`);
  }
  return new Error(`${command} exited ${run.code}: ${run.stderr.trim() || run.stdout.trim() || 'no output'}`);
}
