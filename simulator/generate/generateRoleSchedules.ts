import { ROLE_TEMPLATE_IDS, type RoleAssignment } from '../model/directoryRoles';
import { roleEligibilityId } from '../model/objectIds';
import type { ActiveRoleWindow, RoleEligibility } from '../model/roleSchedules';
import type { AdministrativeUnit } from '../model/administrativeUnits';
import type { GroupProperties } from '../model/groupResource';
import { permanentWindow } from '../tenant/roleScheduleChanges';
import { DAY_MS, sample, type GenerationContext } from './generationContext';
import { createRandomFrom } from './random';

export interface GeneratedRoleSchedules {
  /** The administrative units role assignments and eligibilities are scoped to. */
  administrativeUnits: AdministrativeUnit[];
  eligibilities: RoleEligibility[];
  /** Active assignment id → its PIM window. */
  activeWindows: Map<string, ActiveRoleWindow>;
}

const UNIT_NAMES = ['Region EMEA', 'Region Americas', 'Region APAC', 'Subsidiary Contoso Retail', 'School of Engineering', 'Helpdesk Tier 1'];
const PRIVILEGED_AUTHENTICATION_ADMINISTRATOR = '7be44c8a-adaf-4e2a-84d6-ab2649e08a13';

/**
 * PIM for directory roles, from its own random stream (adding it shifted nothing else): staff
 * eligible for privileged roles (some until a date, one at an administrative unit), a
 * role-assignable group eligible for a role, and some active assignments time-bound or
 * activated. Ends lie 400+ days after the anchor so tenants generated for a fixed past day
 * still hold them today.
 */
export function generateRoleSchedules(context: GenerationContext, roleAssignments: readonly RoleAssignment[], roleAssignableGroups: readonly GroupProperties[]): GeneratedRoleSchedules {
  const random = createRandomFrom(context.seed, 'roleSchedules');
  const at = (days: number) => new Date(context.anchor + days * DAY_MS).toISOString();
  const eligibilities: RoleEligibility[] = [];
  const taken = new Set<string>();
  const eligible = (principalId: string, roleDefinitionId: string, endDays: number | null, directoryScopeId = '/') => {
    const key = `${principalId}|${roleDefinitionId}|${directoryScopeId}`;
    if (taken.has(key)) return;
    taken.add(key);
    eligibilities.push({
      id: roleEligibilityId(random),
      roleEligibilityScheduleId: random.guid(),
      principalId,
      roleDefinitionId,
      directoryScopeId,
      appScopeId: null,
      startDateTime: at(-random.int(1, 300)),
      endDateTime: endDays === null ? null : at(endDays + random.int(0, 60)),
      memberType: 'Direct',
    });
  };
  const staff = context.staff.length > 0 ? context.staff : context.users;
  const candidates = sample(random, staff, Math.min(staff.length, 6 + Math.round(context.users.length / 500)));
  const ids = ROLE_TEMPLATE_IDS;
  const roles = [ids.globalAdministrator, ids.privilegedRoleAdministrator, PRIVILEGED_AUTHENTICATION_ADMINISTRATOR, ids.applicationAdministrator, ids.userAdministrator];
  const unitScope = roleAssignments.find((a) => a.directoryScopeId.startsWith('/administrativeUnits/'))?.directoryScopeId;
  candidates.forEach((user, index) => {
    const role = roles[index % roles.length] as string;
    const scope = role === ids.userAdministrator && unitScope ? unitScope : '/';
    eligible(user.id, role, random.chance(0.5) ? null : 400, scope);
  });
  const group = roleAssignableGroups[0];
  if (group) eligible(group.id, ids.privilegedRoleAdministrator, 420);

  const activeWindows = new Map<string, ActiveRoleWindow>();
  const staffIds = new Set(staff.map((user) => user.id));
  for (const assignment of roleAssignments) {
    const window = permanentWindow(assignment.id, at(-random.int(30, 900)));
    const draw = random.next();
    if (draw < 0.2) window.endDateTime = at(400 + random.int(0, 300));
    else if (draw < 0.3 && staffIds.has(assignment.principalId)) {
      // An activation: the principal is eligible for the role it activated.
      Object.assign(window, { assignmentType: 'Activated', startDateTime: at(-1), endDateTime: at(400 + random.int(0, 30)) });
      eligible(assignment.principalId, assignment.roleDefinitionId, 500, assignment.directoryScopeId);
    }
    activeWindows.set(assignment.id, window);
  }
  const unitIds = new Set(
    [...roleAssignments, ...eligibilities].flatMap((a) => (a.directoryScopeId.startsWith('/administrativeUnits/') ? [a.directoryScopeId.slice('/administrativeUnits/'.length)] : [])),
  );
  const administrativeUnits = [...unitIds].sort().map((id, index): AdministrativeUnit => ({
    id,
    displayName: UNIT_NAMES[index % UNIT_NAMES.length] + (index >= UNIT_NAMES.length ? ` ${Math.floor(index / UNIT_NAMES.length) + 1}` : ''),
    description: null,
    visibility: random.chance(0.2) ? 'HiddenMembership' : null,
    membershipType: 'Assigned',
    membershipRule: null,
    membershipRuleProcessingState: null,
    isMemberManagementRestricted: random.chance(0.2),
  }));
  return { administrativeUnits, eligibilities, activeWindows };
}
