import { z } from 'zod';
import { CONTROL_PREFIX } from './control';
import type { FaultInjector } from '../traffic/faults';
import type { RouteHandler, Router } from '../http/router';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { LatencyModel } from '../traffic/latency';
import type { GraphThrottle } from '../traffic/throttle';
import type { TrafficCounters } from '../traffic/trafficCounters';
import { faultSpecSchema, latencySettingsSchema, throttlingPatchSchema } from '../traffic/trafficSchemas';

export interface TrafficControl {
  throttle: GraphThrottle;
  latency: LatencyModel;
  faults: FaultInjector;
  counters: TrafficCounters;
}

/**
 * Control routes for traffic behaviour: throttling, latency, faults, counters. Registered
 * before the general control routes, so these answer /_sim/faults.
 */
export function registerTrafficControlRoutes(router: Router, traffic: TrafficControl): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${CONTROL_PREFIX}${path}`, guarded(handler));

  const throttlingState = () => ({
    settings: { ...traffic.throttle.settings },
    limits: traffic.throttle.limits(),
    usage: traffic.throttle.usage(),
  });
  route('GET', '/throttling', () => ok(throttlingState()));
  route('PATCH', '/throttling', (request) => {
    const { resetUsage, ...patch } = parse(throttlingPatchSchema, request);
    traffic.throttle.update(patch);
    if (resetUsage) traffic.throttle.reset();
    return ok(throttlingState());
  });
  route('DELETE', '/throttling/usage', () => {
    traffic.throttle.reset();
    return noContent();
  });

  const setLatency: RouteHandler = (request) => ok(traffic.latency.configure(parse(latencySettingsSchema, request)));
  route('GET', '/latency', () => ok(traffic.latency.settings()));
  route('PUT', '/latency', setLatency);
  route('PATCH', '/latency', setLatency);
  route('DELETE', '/latency', () => ok(traffic.latency.configure({ distribution: { kind: 'none' }, slowBody: null })));

  route('GET', '/faults', () => ok(traffic.faults.list()));
  route('POST', '/faults', (request) => ok(traffic.faults.add(parse(faultSpecSchema, request)), 201));
  route('DELETE', '/faults', () => {
    traffic.faults.clear();
    return noContent();
  });
  route('DELETE', '/faults/:id', (_request, params) =>
    traffic.faults.remove(params.id ?? '') ? noContent() : controlError(404, 'NotFound', `fault ${params.id} does not exist`),
  );

  route('GET', '/counters', () => ok(traffic.counters.snapshot()));
  route('DELETE', '/counters', () => {
    traffic.counters.reset();
    return noContent();
  });
}

class BadTrafficRequest extends Error {}

function parse<T>(schema: z.ZodType<T>, request: SimRequest): T {
  let body: unknown = {};
  if (request.body.trim() !== '') {
    try {
      body = JSON.parse(request.body);
    } catch {
      throw new BadTrafficRequest('request body is not valid JSON');
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new BadTrafficRequest(z.prettifyError(result.error));
  return result.data;
}

function guarded(handler: RouteHandler): RouteHandler {
  return async (request, params) => {
    try {
      return await handler(request, params);
    } catch (error) {
      if (error instanceof BadTrafficRequest || error instanceof RangeError) return controlError(400, 'BadRequest', error.message);
      throw error;
    }
  };
}

function ok(body: unknown, status = 200): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, json: body };
}

function noContent(): SimResponse {
  return { status: 204 };
}

function controlError(status: number, code: string, message: string): SimResponse {
  return ok({ error: { code, message } }, status);
}
