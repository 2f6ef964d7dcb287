import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { ClientInterceptors } from '@temporalio/client';
import { startTracing, type Tracing } from '../shared/tracing/startTracing';

let started: Tracing | undefined;

/**
 * Starts tracing for a client process (the CLI, `npm start`) when the OTEL_* variables ask for it
 * and returns the client's interceptors then: what the client does to a workflow (describe, cancel,
 * signal, start) becomes a span whose context the workflow's spans continue. Runs the schedule
 * starts have no such parent: the server starts them, and their trace begins at `RunWorkflow`.
 */
export function tracedClientInterceptors(warn: (message: string) => void): ClientInterceptors | undefined {
  started ??= startTracing('entra-sync-cli', { warn });
  return started ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}

/** Exports the client's last spans; before the process exits. */
export async function flushClientTracing(): Promise<void> {
  await started?.shutdown().catch(() => undefined);
  started = undefined;
}
