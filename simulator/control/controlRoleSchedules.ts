import { z } from 'zod';
import { guarded, noContent, ok, parse } from './controlResponses';
import type { RouteHandler, Router } from '../http/router';
import type { TenantStore } from '../tenant/tenantStore';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const dateTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a date-time');

const roleEligibilitySchema = z.strictObject({
  principalId: guid,
  roleDefinitionId: guid,
  directoryScopeId: z.string().startsWith('/').optional(),
  appScopeId: z.string().nullable().optional(),
  startDateTime: dateTime.optional(),
  endDateTime: dateTime.nullable().optional(),
  id: z.string().min(1).optional(),
});

const activeWindowSchema = z.strictObject({
  startDateTime: dateTime.optional(),
  endDateTime: dateTime.nullable().optional(),
  assignmentType: z.enum(['Assigned', 'Activated']).optional(),
});

const administrativeUnitSchema = z.strictObject({
  displayName: z.string().min(1),
  description: z.string().nullable().optional(),
  visibility: z.enum(['HiddenMembership', 'Public']).nullable().optional(),
  id: guid.optional(),
});

const groupPimScheduleSchema = z.strictObject({
  kind: z.enum(['eligible', 'active']),
  groupId: guid,
  principalId: guid,
  accessId: z.enum(['member', 'owner']),
  startDateTime: dateTime.optional(),
  endDateTime: dateTime.nullable().optional(),
  assignmentType: z.enum(['assigned', 'activated']).optional(),
});

const pimLicenceSchema = z.strictObject({ licensed: z.boolean() });

/** /_sim routes for PIM and role scopes: administrative units, eligibilities, windows of active assignments, and the P2 / ID Governance licence. */
export function registerRoleScheduleControlRoutes(router: Router, prefix: string, tenant: TenantStore): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));
  route('GET', '/administrativeUnits', () => ok(tenant.administrativeUnits.all()));
  route('POST', '/administrativeUnits', (request) => {
    const { description, visibility, ...rest } = parse(administrativeUnitSchema, request);
    return ok(tenant.addAdministrativeUnit({ ...rest, ...(description !== undefined ? { description } : {}), ...(visibility !== undefined ? { visibility } : {}) }), 201);
  });
  route('GET', '/roleEligibilities', () => ok(tenant.currentRoleEligibilities()));
  route('POST', '/roleEligibilities', (request) => ok(tenant.addRoleEligibility(parse(roleEligibilitySchema, request)), 201));
  route('DELETE', '/roleEligibilities/:id', (_request, params) => {
    tenant.removeRoleEligibility(params.id ?? '');
    return noContent();
  });
  route('PUT', '/roleAssignments/:id/schedule', (request, params) => {
    const { endDateTime, ...rest } = parse(activeWindowSchema, request);
    return ok(tenant.scheduleActiveRole(params.id ?? '', { ...rest, ...(endDateTime !== undefined ? { endDateTime } : {}) }));
  });
  route('GET', '/groupPimSchedules', () => ok(tenant.currentGroupPimSchedules()));
  route('POST', '/groupPimSchedules', (request) => {
    const { startDateTime, endDateTime, assignmentType, ...rest } = parse(groupPimScheduleSchema, request);
    return ok(
      tenant.addGroupPimSchedule({
        ...rest,
        ...(startDateTime !== undefined ? { startDateTime } : {}),
        ...(endDateTime !== undefined ? { endDateTime } : {}),
        ...(assignmentType !== undefined ? { assignmentType } : {}),
      }),
      201,
    );
  });
  route('GET', '/tenant/pim', () => ok({ licensed: tenant.pimLicensed, available: tenant.pimAvailable }));
  route('PUT', '/tenant/pim', (request) => {
    tenant.setPimLicensed(parse(pimLicenceSchema, request).licensed);
    return ok({ licensed: tenant.pimLicensed, available: tenant.pimAvailable });
  });
}
