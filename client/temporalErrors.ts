import { isGrpcServiceError } from '@temporalio/client';
import { TENANT_ID } from '../workflows/searchAttributes';
import { errorText } from '../workers/errorText';
import { CliError } from './cli/cliErrors';

const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

export type TemporalTarget = { address: string; namespace: string };

/**
 * What a failed call to a Temporal server means and what fixes it, as one line that keeps the
 * server's words (the original error stays the cause). Errors it does not know come back unchanged.
 */
export function explainTemporalError(err: unknown, target: TemporalTarget): unknown {
  if (err instanceof CliError) return err;
  const text = errorText(err);
  const { address, namespace } = target;
  const sameTarget = '(same TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE)';
  if (/search attribute/i.test(text) && text.includes(TENANT_ID.name)) {
    return new CliError(
      `${text}; register it with: entra-sync temporal setup ${sameTarget}, ` +
        `or: temporal operator search-attribute create --name ${TENANT_ID.name} --type Keyword --namespace ${namespace} --address ${address}`,
      1,
      { cause: err },
    );
  }
  if (/namespace.*not found|not found.*namespace/i.test(text)) {
    return new CliError(
      `${text}: namespace ${namespace} does not exist on Temporal at ${address}; create it with: entra-sync temporal setup --create-namespace ${sameTarget}, or set TEMPORAL_NAMESPACE to an existing namespace`,
      1,
      { cause: err },
    );
  }
  const chain: unknown[] = [];
  for (let e = err; e && chain.length < 8; e = (e as { cause?: unknown }).cause) chain.push(e);
  const unreachable = chain.some((e) => isGrpcServiceError(e) && (e.code === GRPC_UNAVAILABLE || e.code === GRPC_DEADLINE_EXCEEDED));
  if (unreachable || /failed to connect|connection refused|ECONNREFUSED/i.test(text)) {
    return new CliError(
      `cannot reach Temporal at ${address} (${text}); start it, fix TEMPORAL_ADDRESS, or unset TEMPORAL_ADDRESS so that npm start runs a Temporal dev server of its own`,
      1,
      { cause: err },
    );
  }
  return err;
}
