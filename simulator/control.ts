import { z } from 'zod';
import type { AccessTokenAuthority } from './accessTokens';
import type { ClientApplication } from './clientApplication';
import {
  deltaSettingsSchema,
  faultSpecSchema,
  newUserSchema,
  permissionsSchema,
  streamSelectorSchema,
  userPatchSchema,
} from './controlSchemas';
import type { DeltaTokenLifecycle } from './deltaTokenLifecycle';
import type { FaultInjector } from './faults';
import type { DeltaQuerySettings } from './graph/deltaQuery';
import type { RouteHandler, Router } from './http/router';
import type { SimRequest, SimResponse } from './http/simRequest';
import type { RequestLog } from './requestLog';
import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';
import type { TenantStore } from './tenant';

export const CONTROL_PREFIX = '/_sim';

/** Everything the control API drives; the running simulator exposes the same objects in-process. */
export interface SimulatorControl {
  config: Record<string, unknown>;
  tenant: TenantStore;
  application: ClientApplication;
  requestLog: RequestLog;
  faults: FaultInjector;
  deltaTokens: DeltaTokenLifecycle;
  deltaSettings: DeltaQuerySettings;
  accessTokens: AccessTokenAuthority;
}

/**
 * Unauthenticated JSON test-control routes under /_sim (the simulator only listens on
 * loopback). Control requests are neither logged nor subject to scripted faults.
 */
export function registerControlRoutes(router: Router, control: SimulatorControl): void {
  const route = (method: string, path: string, handler: RouteHandler) =>
    router.add(method, `${CONTROL_PREFIX}${path}`, guarded(handler));

  route('GET', '/config', () => ok(control.config));
  route('GET', '/state', () => ok({ currentSeq: control.tenant.currentSeq, users: control.tenant.users.size }));

  route('POST', '/users', (request) => ok(control.tenant.createUser(parse(newUserSchema, request)), 201));
  route('GET', '/users/:id', (_request, params) => {
    const user = control.tenant.getUser(params.id ?? '');
    return user ? ok(user) : notFound(`user ${params.id} does not exist`);
  });
  route('PATCH', '/users/:id', (request, params) =>
    ok(control.tenant.updateUser(params.id ?? '', parse(userPatchSchema, request))),
  );
  route('POST', '/users/:id/soft-delete', (_request, params) => ok(control.tenant.softDeleteUser(params.id ?? '')));
  route('POST', '/users/:id/restore', (_request, params) => ok(control.tenant.restoreUser(params.id ?? '')));
  route('DELETE', '/users/:id', (_request, params) => {
    control.tenant.hardDeleteUser(params.id ?? '');
    return noContent();
  });
  route('GET', '/truth/users', () => ok(control.tenant.activeUsers()));

  route('POST', '/delta/expire', (request) => {
    control.deltaTokens.expireAll(parse(streamSelectorSchema, request).stream);
    return noContent();
  });
  route('POST', '/delta/reset', (request) => {
    control.deltaTokens.resetAll(parse(streamSelectorSchema, request).stream);
    return noContent();
  });
  route('PATCH', '/delta/settings', (request) => {
    const settings = parse(deltaSettingsSchema, request);
    if (settings.pageSize !== undefined) control.deltaSettings.pageSize = settings.pageSize;
    if (settings.duplicates !== undefined) control.deltaSettings.duplicates = settings.duplicates;
    if (settings.maxAgeSeconds !== undefined) control.deltaTokens.maxAgeSeconds = settings.maxAgeSeconds;
    return ok({ ...control.deltaSettings, maxAgeSeconds: control.deltaTokens.maxAgeSeconds });
  });

  route('GET', '/requests', () => ok(control.requestLog.entries()));
  route('DELETE', '/requests', () => {
    control.requestLog.clear();
    return noContent();
  });

  route('GET', '/faults', () => ok(control.faults.list()));
  route('POST', '/faults', (request) => ok(control.faults.add(parse(faultSpecSchema, request)), 201));
  route('DELETE', '/faults', () => {
    control.faults.clear();
    return noContent();
  });

  route('PUT', '/app/permissions', (request) => {
    control.application.grantedPermissions = parse(permissionsSchema, request).permissions;
    return ok({ grantedPermissions: control.application.grantedPermissions });
  });
}

class BadControlRequest extends Error {}

function parse<T>(schema: z.ZodType<T>, request: SimRequest): T {
  let body: unknown = {};
  if (request.body.trim() !== '') {
    try {
      body = JSON.parse(request.body);
    } catch {
      throw new BadControlRequest('request body is not valid JSON');
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new BadControlRequest(z.prettifyError(result.error));
  return result.data;
}

function guarded(handler: RouteHandler): RouteHandler {
  return async (request, params) => {
    try {
      return await handler(request, params);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return notFound(error.message);
      if (error instanceof InvalidStateError) return controlError(409, 'Conflict', error.message);
      if (error instanceof BadControlRequest || error instanceof RangeError) {
        return controlError(400, 'BadRequest', error.message);
      }
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

function notFound(message: string): SimResponse {
  return controlError(404, 'NotFound', message);
}

function controlError(status: number, code: string, message: string): SimResponse {
  return ok({ error: { code, message } }, status);
}
