import { z } from 'zod';
import { startSteadyChanges, type SteadyChanges } from '../steadyChanges/steadyChanges';
import { guarded, ok, parse } from './controlResponses';
import type { RouteHandler, Router } from '../http/router';
import type { SimulatorClock } from '../tenant/simulatorClock';
import type { TenantStore } from '../tenant/tenantStore';

const steadyChangesSchema = z.strictObject({
  ratePerSecond: z.number().positive().max(1000),
  durationSeconds: z.number().positive(),
  seed: z.number().int().nonnegative().optional(),
});

/**
 * /_sim/changes/steady: a steady stream of tenant changes (steadyChanges/), for a process other
 * than the simulator's own (npm start's demo, a bench elsewhere). One stream at a time: starting
 * one stops the last. Each change's `at` is the tenant clock's time.
 */
export function registerSteadyChangeControlRoutes(router: Router, prefix: string, tenant: TenantStore, clock: SimulatorClock): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));
  let current: { steady: SteadyChanges; running: boolean } | undefined;
  const state = () => ({ running: current?.running ?? false, changes: current?.steady.log ?? [] });

  route('POST', '/changes/steady', (request) => {
    const body = parse(steadyChangesSchema, request);
    current?.steady.stop();
    const steady = startSteadyChanges(tenant, { ratePerSecond: body.ratePerSecond, durationMs: body.durationSeconds * 1000, seed: body.seed ?? tenant.seed, now: () => clock.nowMs() });
    const started = { steady, running: true };
    current = started;
    void steady.done.then(() => (started.running = false));
    return ok({ running: true, changes: [] }, 201);
  });
  route('GET', '/changes/steady', () => ok(state()));
  route('DELETE', '/changes/steady', () => {
    current?.steady.stop();
    if (current) current.running = false;
    return ok(state());
  });
}
