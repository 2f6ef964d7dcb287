import type { z } from 'zod';
import {
  applicationPatchSchema,
  groupPatchSchema,
  newApplicationSchema,
  newGroupSchema,
  newServicePrincipalSchema,
  servicePrincipalPatchSchema,
} from './controlDirectorySchemas';
import { guarded, noContent, notFound, ok, parse } from './controlResponses';
import { newUserSchema, userPatchSchema } from './controlSchemas';
import type { RouteHandler, Router } from '../http/router';
import type { PropertyPatch, StreamName, TenantStore } from '../tenant/tenantStore';

interface StreamControl {
  stream: StreamName;
  create: (tenant: TenantStore, body: never) => unknown;
  newSchema: z.ZodType<unknown>;
  patchSchema: z.ZodType<unknown>;
}

const STREAM_CONTROLS: readonly StreamControl[] = [
  { stream: 'users', create: (tenant, body) => tenant.createUser(body), newSchema: newUserSchema, patchSchema: userPatchSchema },
  { stream: 'groups', create: (tenant, body) => tenant.createGroup(body), newSchema: newGroupSchema, patchSchema: groupPatchSchema },
  { stream: 'applications', create: (tenant, body) => tenant.createApplication(body), newSchema: newApplicationSchema, patchSchema: applicationPatchSchema },
  {
    stream: 'servicePrincipals',
    create: (tenant, body) => tenant.createServicePrincipal(body),
    newSchema: newServicePrincipalSchema,
    patchSchema: servicePrincipalPatchSchema,
  },
];

/**
 * /_sim/{users|groups|applications|servicePrincipals}: create, read (with state), update,
 * soft-delete, restore and hard-delete objects of the four delta streams.
 */
export function registerDirectoryControlRoutes(router: Router, prefix: string, tenant: TenantStore): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));
  for (const control of STREAM_CONTROLS) {
    const base = `/${control.stream}`;
    route('POST', base, (request) => ok(control.create(tenant, parse(control.newSchema, request) as never), 201));
    route('GET', `${base}/:id`, (_request, params) => {
      const object = tenant.getObject(control.stream, params.id ?? '');
      return object ? ok(object) : notFound(`${control.stream} object ${params.id} does not exist`);
    });
    route('PATCH', `${base}/:id`, (request, params) =>
      ok(tenant.updateObject(control.stream, params.id ?? '', parse(control.patchSchema, request) as PropertyPatch<typeof control.stream>)),
    );
    route('POST', `${base}/:id/soft-delete`, (_request, params) => ok(tenant.softDeleteObject(control.stream, params.id ?? '')));
    route('POST', `${base}/:id/restore`, (_request, params) => ok(tenant.restoreObject(control.stream, params.id ?? '')));
    route('DELETE', `${base}/:id`, (_request, params) => {
      tenant.hardDeleteObject(control.stream, params.id ?? '');
      return noContent();
    });
  }
}
