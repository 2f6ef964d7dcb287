import { loadConfig } from '../../shared/config';
import { runMain } from '../../workers/runMain';
import { findOrInstallTemporalCli, TEMPORAL_CLI_HELP } from './temporalCli';

/** `npm run setup`: makes sure a Temporal CLI is at hand before anything needs it (CI does this first). */
runMain(async () => {
  const config = loadConfig();
  const cli = await findOrInstallTemporalCli(config.dataDir, config.temporal.cliPath);
  if (!cli) throw new Error(TEMPORAL_CLI_HELP);
  process.stdout.write(`temporal CLI: ${cli.path} (${cli.source})\n`);
});
