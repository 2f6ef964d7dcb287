import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionOptions } from '../shared/temporalConnectionOptions';
import { explainTemporalConnectionFailure, type TemporalTarget } from '../shared/temporalConnectionProblem';

/**
 * The worker's connection, with the same options as the CLI's. A failure says which layer failed
 * and its fix (the SDK's own error, e.g. a rustls `UnknownIssuer`, stays the cause).
 */
export async function connectWorkerToTemporal(target: TemporalTarget): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect(temporalConnectionOptions(target.address, target.security));
  } catch (err) {
    const problem = await explainTemporalConnectionFailure(err, target);
    if (!problem) throw err;
    throw new Error(problem.message, { cause: err });
  }
}
