import { ConfigError } from '../shared/config';

/** Runs a process entry point: an error becomes one readable line and a non-zero exit. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
      process.stderr.write(`entra-sync: ${message}\n`);
      process.exit(1);
    },
  );
}
