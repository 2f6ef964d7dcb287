/**
 * The credential of the connector configured by environment variables (`default`). Names follow
 * @azure/identity's environment conventions where it has one (AZURE_CLIENT_CERTIFICATE_PATH,
 * AZURE_CLIENT_CERTIFICATE_PASSWORD, AZURE_FEDERATED_TOKEN_FILE); ENTRA_CREDENTIAL picks the kind
 * when more than one is set, and is the only way to ask for a managed identity (managedIdentity:
 * user-assigned, ENTRA_CLIENT_ID its client id; systemAssignedIdentity: the host's own).
 */
export type EnvCredential =
  | { kind: 'clientSecret'; secret: string }
  | { kind: 'certificate'; path: string; password?: string }
  | { kind: 'workloadIdentity'; tokenFile: string }
  | { kind: 'managedIdentity' }
  | { kind: 'systemAssignedIdentity' };

type Env = {
  ENTRA_TENANT_ID?: string;
  ENTRA_CLIENT_ID?: string;
  ENTRA_CLIENT_SECRET?: string;
  ENTRA_CREDENTIAL?: string;
  AZURE_CLIENT_CERTIFICATE_PATH?: string;
  AZURE_CLIENT_CERTIFICATE_PASSWORD?: string;
  AZURE_FEDERATED_TOKEN_FILE?: string;
};

const KINDS = ['clientSecret', 'certificate', 'workloadIdentity', 'managedIdentity', 'systemAssignedIdentity'] as const;
const NEEDS: Record<(typeof KINDS)[number], string> = {
  clientSecret: 'ENTRA_CLIENT_SECRET',
  certificate: 'AZURE_CLIENT_CERTIFICATE_PATH',
  workloadIdentity: 'AZURE_FEDERATED_TOKEN_FILE',
  managedIdentity: '',
  systemAssignedIdentity: '',
};

export function envCredential(env: Env): { entra?: { tenantId: string; clientId: string; credential: EnvCredential }; problem?: string } {
  const given = {
    clientSecret: env.ENTRA_CLIENT_SECRET,
    certificate: env.AZURE_CLIENT_CERTIFICATE_PATH,
    workloadIdentity: env.AZURE_FEDERATED_TOKEN_FILE,
  };
  const present = (Object.keys(given) as (keyof typeof given)[]).filter((k) => given[k]);
  const anything = env.ENTRA_TENANT_ID || env.ENTRA_CLIENT_ID || env.ENTRA_CREDENTIAL || present.includes('clientSecret');
  if (!anything) return {};
  const chosen = env.ENTRA_CREDENTIAL;
  if (chosen && !(KINDS as readonly string[]).includes(chosen)) {
    return { problem: `ENTRA_CREDENTIAL="${chosen}" is not a credential kind; use one of ${KINDS.join(', ')}` };
  }
  const kind = (chosen as (typeof KINDS)[number] | undefined) ?? (present.length === 1 ? present[0] : undefined);
  const missing = [!env.ENTRA_TENANT_ID && 'ENTRA_TENANT_ID', !env.ENTRA_CLIENT_ID && 'ENTRA_CLIENT_ID', kind && NEEDS[kind] && !given[kind as keyof typeof given] && NEEDS[kind]].filter(
    (v): v is string => Boolean(v),
  );
  if (!kind) {
    return {
      problem: present.length
        ? `${present.map((k) => NEEDS[k]).join(' and ')} are all set: set ENTRA_CREDENTIAL to the one to use (${KINDS.join(', ')})`
        : `ENTRA_CLIENT_SECRET is not set: set all three of ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (or, instead of the secret, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE, or ENTRA_CREDENTIAL=managedIdentity or systemAssignedIdentity) to sync a real tenant, or none of them to sync the built-in simulator's demo tenant`,
    };
  }
  if (missing.length) {
    return {
      problem: `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: set ENTRA_TENANT_ID, ENTRA_CLIENT_ID${NEEDS[kind] ? ` and ${NEEDS[kind]}` : ''} to sync a real tenant with a ${kind} credential, or none of them to sync the built-in simulator's demo tenant`,
    };
  }
  const credential: EnvCredential =
    kind === 'clientSecret'
      ? { kind, secret: env.ENTRA_CLIENT_SECRET! }
      : kind === 'certificate'
        ? { kind, path: env.AZURE_CLIENT_CERTIFICATE_PATH!, ...(env.AZURE_CLIENT_CERTIFICATE_PASSWORD !== undefined ? { password: env.AZURE_CLIENT_CERTIFICATE_PASSWORD } : {}) }
        : kind === 'workloadIdentity'
          ? { kind, tokenFile: env.AZURE_FEDERATED_TOKEN_FILE! }
          : { kind };
  return { entra: { tenantId: env.ENTRA_TENANT_ID!, clientId: env.ENTRA_CLIENT_ID!, credential } };
}
