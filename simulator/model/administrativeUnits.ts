import { InvalidStateError } from './simulatorErrors';

/** /directory/administrativeUnits item: a container that scopes role assignments to its members. */
export interface AdministrativeUnit {
  id: string;
  displayName: string;
  description: string | null;
  visibility: 'HiddenMembership' | 'Public' | null;
  membershipType: 'Assigned' | 'Dynamic' | null;
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | 'Paused' | null;
  isMemberManagementRestricted: boolean;
}

/** Administrative units by id. */
export class AdministrativeUnits {
  private readonly units = new Map<string, AdministrativeUnit>();

  add(unit: AdministrativeUnit): AdministrativeUnit {
    if (this.units.has(unit.id)) throw new InvalidStateError(`administrative unit ${unit.id} already exists`);
    this.units.set(unit.id, unit);
    return unit;
  }

  get(id: string): AdministrativeUnit | undefined {
    return this.units.get(id);
  }

  all(): AdministrativeUnit[] {
    return [...this.units.values()].map((unit) => ({ ...unit }));
  }
}
