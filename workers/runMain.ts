import { ConfigError } from '../shared/config';
import { errorText } from './errorText';

/** Runs a process entry point: an error becomes one readable line and a non-zero exit. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      // With its causes: a wrapper's message alone ("Failed to create schedule") says neither why nor what to do.
      const message = err instanceof ConfigError ? err.message : errorText(err);
      process.stderr.write(`entra-sync: ${message}\n`);
      process.exit(1);
    },
  );
}
