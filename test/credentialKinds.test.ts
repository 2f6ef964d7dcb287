import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKeyRing } from '../activities/secrets/secretCipher';
import { registerCertificate, addFederatedCredential } from '../simulator/identity/appCredentials';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { runCli } from './support/cliProcess';
import { paceReportsFast } from './support/fastReports';
import { expectInventoryMatchesTruth } from './support/inventoryTruth';
import { sdkLogLines, SyncHarness } from './support/syncHarness';
import { jtiOf, makeCertificate, makeIssuer, type TestCertificate } from './support/testCredentials';
import { TEST_TLS_DIR } from './support/testTls';

const KEY = randomBytes(32).toString('base64');
const PFX_PASSWORD = `pfx-${randomBytes(6).toString('hex')}`;
const SUBJECT = 'system:serviceaccount:identity:entra-sync';
const issuer = makeIssuer('https://oidc.cluster.example/issuer');

let sim: RunningSimulator;
let harness: SyncHarness;
let dir: string;
const certificates: Record<string, TestCertificate> = {};
/** Everything secret the test handed over: none of it may show up anywhere. */
const secrets: string[] = [PFX_PASSWORD];
const outputs: string[] = [];
/** The worker's JSON log lines (the production activity logging, at debug). */
const logLines: string[] = [];
const log = pino({ level: 'debug', base: { service: 'entra-sync' } }, new Writable({ write: (chunk, _encoding, done) => (logLines.push(String(chunk)), done()) }));

const cli = async (args: string[], input = '') => {
  const run = await runCli(args, { DATABASE_URL: harness.databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), ENTRA_SYNC_ENCRYPTION_KEY: KEY }, input);
  outputs.push(run.stdout, run.stderr);
  return run;
};
const lastAssertion = () => sim.application.acceptedAssertions?.at(-1);
const x5tS256 = (c: TestCertificate) => registerCertificate({ ...sim.application, certificates: [] }, c.certPem).x5tS256;
const keyBody = (c: TestCertificate) => c.keyPem.split('\n').slice(1, 4).join('');

async function useCertificate(file: string, content: string | Buffer, input = ''): Promise<void> {
  await writeFile(path.join(dir, file), content, { mode: 0o600 });
  const run = await cli(['connector', 'update', harness.connectorId, '--certificate', path.join(dir, file)], input);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('new certificate stored encrypted with key');
}

/** A failure that did not retry: non-retryable, one attempt of the activity in the history. */
async function expectFastFailure(kind: string, message: string | RegExp): Promise<void> {
  const failed = await harness.failingSync();
  expect(failed.type).toBe(kind);
  expect(failed.message).toMatch(message);
  const history = await harness.client.workflow.getHandle(failed.workflowId, failed.workflowRunId).fetchHistory();
  const attempts = (history.events ?? []).flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : []));
  expect(Math.max(...attempts)).toBe(1);
  const [run] = await harness.query<{ error_kind: string }>('select error_kind from sync_runs where connector_id = $1 order by id desc limit 1', [harness.connectorId]);
  expect(run!.error_kind).toBe(kind);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-credentials-'));
  // Short-lived access tokens: MSAL asks the token endpoint at every activity, so every run presents a fresh assertion.
  // Credentials, not the reports pace, are what this proves: reports at the tests' faster pace on both sides.
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 71, users: 30, pageSize: 20, tokenLifetimeSeconds: 120, throttling: paceReportsFast() });
  harness = await SyncHarness.start(sim.config, { keys: loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: KEY }), log });
  for (const name of ['pem', 'pfx', 'unregistered']) certificates[name] = makeCertificate();
  certificates.expired = makeCertificate({ notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
  for (const c of Object.values(certificates)) secrets.push(keyBody(c));
  for (const name of ['pem', 'pfx', 'expired']) registerCertificate(sim.application, certificates[name]!.certPem);
  addFederatedCredential(sim.application, { name: 'kubernetes', issuer: issuer.issuer, subject: SUBJECT, issuerPublicKeyPem: issuer.publicKeyPem });
});

afterAll(async () => {
  await harness?.stop();
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('credential kinds, end to end (issue 16)', () => {
  it('syncs with a certificate given as PEM with its private key; connector test names the credential', async () => {
    await useCertificate('app.pem', certificates.pem!.bundlePem);
    const test = await cli(['connector', 'test', harness.connectorId, '--json']);
    expect(test.code, test.stderr).toBe(0);
    expect(JSON.parse(test.stdout)).toMatchObject({ credential: { kind: 'certificate', label: 'certificate' }, token: { ok: true }, ok: true });
    await harness.sync();
    await expectInventoryMatchesTruth(harness.db, harness.connectorId, sim.tenant);
    expect(lastAssertion()).toMatchObject({ kind: 'certificate', thumbprint: x5tS256(certificates.pem!) });
  });

  it('syncs with a certificate given as PFX, its password read from standard input', async () => {
    await useCertificate('app.pfx', certificates.pfx!.pfx(PFX_PASSWORD), `${PFX_PASSWORD}\n`);
    await harness.sync();
    expect(lastAssertion()).toMatchObject({ kind: 'certificate', thumbprint: x5tS256(certificates.pfx!) });
  });

  it('fails fast with the documented message for a certificate not registered on the app', async () => {
    await useCertificate('other.pem', certificates.unregistered!.bundlePem);
    await expectFastFailure('CertificateNotRegistered', /\(AADSTS700027\)\. Fix: upload the certificate's public part under App registrations > .+ > Certificates & secrets > Certificates/);
  });

  it('fails fast with the documented message for an expired certificate', async () => {
    await useCertificate('expired.pem', certificates.expired!.bundlePem);
    await expectFastFailure('ExpiredCertificate', new RegExp(`^The certificate of app ${sim.config.clientId} has expired \\(AADSTS700027\\)\\. Create a new certificate`));
  });

  it('syncs with workload identity federation, re-reading the token file after it was rotated', async () => {
    const file = path.join(dir, 'azure-identity-token');
    const firstToken = issuer.token({ sub: SUBJECT });
    secrets.push(firstToken);
    await writeFile(file, firstToken);
    const run = await cli(['connector', 'update', harness.connectorId, '--federated-token-file', file]);
    expect(run.code, run.stderr).toBe(0);
    await harness.sync();
    expect(lastAssertion()).toEqual({ kind: 'federated', credential: 'kubernetes', subject: SUBJECT, jti: jtiOf(firstToken) });

    const rotated = issuer.token({ sub: SUBJECT });
    secrets.push(rotated);
    await writeFile(file, rotated);
    await harness.sync();
    expect(lastAssertion()).toEqual({ kind: 'federated', credential: 'kubernetes', subject: SUBJECT, jti: jtiOf(rotated) });
    // The certificate sealed before is gone: a kind without secret material keeps none at rest.
    expect(await harness.query('select connector_id from connector_secrets where connector_id = $1', [harness.connectorId])).toEqual([]);
  });

  it('fails fast with the documented message for a wrong federated subject', async () => {
    const wrong = issuer.token({ sub: 'system:serviceaccount:default:someone-else' });
    secrets.push(wrong);
    await writeFile(path.join(dir, 'azure-identity-token'), wrong);
    await expectFastFailure('FederatedCredentialMismatch', /No federated credential of app .+ matches the federated token's issuer, subject and audience \(AADSTS70021\)/);
  });

  it('leaves no secret material in workflow histories, worker logs, run records or CLI output', async () => {
    const histories: string[] = [];
    for await (const execution of harness.client.workflow.list({ query: `WorkflowId STARTS_WITH "entra-sync-${harness.connectorId}-"` })) {
      histories.push(JSON.stringify(await harness.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory()));
    }
    expect(histories.length).toBeGreaterThanOrEqual(6);
    const runs = JSON.stringify(await harness.query('select * from sync_runs where connector_id = $1', [harness.connectorId]));
    // The logs did see the failures: the check below is not vacuous.
    expect(logLines.length).toBeGreaterThan(0);
    expect(sdkLogLines.some((l) => l.includes('AADSTS700027'))).toBe(true);
    for (const secret of secrets) {
      for (const text of [...histories, runs, ...outputs, ...logLines, ...sdkLogLines]) expect(text.includes(secret)).toBe(false);
    }
  });
});
