import { Connection } from '@temporalio/client';
import { temporalConnectionOptions } from '../shared/temporalConnectionOptions';
import { explainTemporalConnectionFailure, type TemporalTarget } from '../shared/temporalConnectionProblem';
import { CliError } from './cli/cliErrors';
import { explainTemporalError } from './temporalErrors';

/**
 * The launcher's client connection, with the options the workers and the CLI use. A failure
 * names the layer that failed (credentials, DNS, TCP, TLS) and its fix.
 */
export async function connectClientToTemporal(target: TemporalTarget): Promise<Connection> {
  try {
    return await Connection.connect(temporalConnectionOptions(target.address, target.security));
  } catch (err) {
    const problem = await explainTemporalConnectionFailure(err, target);
    if (problem) throw new CliError(problem.message, 1, { cause: err });
    throw explainTemporalError(err, target);
  }
}
