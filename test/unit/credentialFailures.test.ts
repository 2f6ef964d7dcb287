import { describe, expect, it } from 'vitest';
import { authenticationFailure } from '../../activities/graph/graphErrors';
import { redactor } from '../../activities/graph/credentials/credentialMaterial';

const context = (credentialKind: string) => ({ tenantId: 'contoso.onmicrosoft.com', clientId: 'a1b2', permission: 'User.Read.All', credentialKind });
const aadsts = (code: number, text: string) => Object.assign(new Error(`invalid_client: AADSTS${code}: ${text}\r\nTrace ID: x`), { name: 'AuthenticationRequiredError' });

describe('token failures of each credential kind name their fix', () => {
  it.each([
    ['certificate', aadsts(700027, 'The certificate with identifier used to sign the client assertion is not registered on application.'), 'CertificateNotRegistered', /Certificates & secrets > Certificates/],
    ['certificate', aadsts(700027, 'The certificate with identifier used to sign the client assertion is expired on application.'), 'ExpiredCertificate', /has expired \(AADSTS700027\)/],
    ['certificate', aadsts(700021, "Client assertion application identifier doesn't match 'client_id' parameter."), 'ClientAssertionRejected', /AADSTS700021/],
    ['certificate', aadsts(700024, 'Client assertion is not within its valid time range.'), 'ClientAssertionRejected', /worker's clock/],
    ['workloadIdentity', aadsts(700024, 'Client assertion is not within its valid time range.'), 'ClientAssertionRejected', /token file must be refreshed/],
    ['workloadIdentity', aadsts(70021, 'No matching federated identity record found for presented assertion.'), 'FederatedCredentialMismatch', /api:\/\/AzureADTokenExchange/],
    ['workloadIdentity', new Error('cannot read the federated token file /var/run/token (ENOENT)'), 'FederatedTokenUnavailable', /AZURE_FEDERATED_TOKEN_FILE/],
    ['certificate', new Error('The file at the specified path does not contain a PEM-encoded certificate.'), 'UnreadableCertificate', /PEM file with the certificate and its private key/],
    ['managedIdentity', Object.assign(new Error('ManagedIdentityCredential: no managed identity endpoint found.'), { name: 'CredentialUnavailableError' }), 'ManagedIdentityUnavailable', /user-assigned identity attached/],
    ['systemAssignedIdentity', Object.assign(new Error('ManagedIdentityCredential: no managed identity endpoint found.'), { name: 'CredentialUnavailableError' }), 'ManagedIdentityUnavailable', /^no system-assigned managed identity .*turn on the system-assigned identity of the Azure host/],
  ])('%s: %s', (kind, err, expected, fix) => {
    const failure = authenticationFailure(err, context(kind));
    expect(failure.type).toBe(expected);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(fix);
  });

  it('leaves a TLS problem with the authority retryable, even for a certificate credential', () => {
    const failure = authenticationFailure(new Error('request to https://login.example failed: self signed certificate in certificate chain'), context('certificate'));
    expect(failure.type).toBe('AuthenticationFailed');
    expect(failure.nonRetryable).toBe(false);
  });

  it('removes every piece of secret material from the message', () => {
    const pem = '-----BEGIN PRIVATE KEY-----MIIEvgIBADANBgkqhkiG9w0B-----END PRIVATE KEY-----';
    const redact = redactor({ kind: 'certificate', certificate: { format: 'pem', pem, password: 'hunter2-pw' } });
    const failure = authenticationFailure(new Error(`bad decrypt of ${pem} with passphrase hunter2-pw`), context('certificate'), redact);
    expect(failure.message).not.toContain('hunter2-pw');
    expect(failure.message).not.toContain('MIIEvgIBADANBgkqhkiG9w0B');
  });
});
