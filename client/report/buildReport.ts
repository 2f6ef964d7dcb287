import { writeFile } from 'node:fs/promises';
import type { Queryable } from '../../activities/store/database';
import { applicationsSection } from './applicationsSection';
import { credentialsSection } from './credentialsSection';
import { privilegedAccessSection } from './privilegedAccessSection';
import type { ReportScope } from './reportModel';
import { renderBody, type ConnectorReport } from './renderReport';
import { renderPage } from './reportTemplate';
import { syncHealthSection } from './syncHealthSection';

const SECTIONS = [privilegedAccessSection, credentialsSection, applicationsSection, syncHealthSection];

export interface ReportOptions {
  /** One connector, or every connector when absent. */
  connectorId?: string;
  since: Date;
  ui: ReportScope['ui'];
  now?: Date;
}

/** The connectors a report covers, in id order; an unknown id yields none. */
export async function reportConnectors(db: Queryable, connectorId?: string): Promise<{ id: string; tenant_id: string }[]> {
  const { rows } = await db.query<{ id: string; tenant_id: string }>(
    `select id, tenant_id from connectors where $1::text is null or id = $1 order by id`,
    [connectorId ?? null],
  );
  return rows;
}

/** The report as one self-contained HTML document. */
export async function buildReport(db: Queryable, options: ReportOptions): Promise<{ html: string; connectors: number }> {
  const connectors: ConnectorReport[] = [];
  for (const c of await reportConnectors(db, options.connectorId)) {
    const scope: ReportScope = { db, connectorId: c.id, since: options.since, ui: options.ui };
    const sections = [];
    for (const section of SECTIONS) sections.push(await section(scope));
    connectors.push({ connectorId: c.id, tenantId: c.tenant_id, sections });
  }
  const { html: body, charts } = renderBody(connectors);
  const now = options.now ?? new Date();
  const html = renderPage({
    title: 'Entra ID posture report',
    subtitle: `Generated ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} by entra-sync from its PostgreSQL copy; period from ${options.since.toISOString().replace(/\.\d{3}Z$/, 'Z')}. Every number shows the SQL that produced it.`,
    body,
    charts,
  });
  return { html, connectors: connectors.length };
}

export async function writeReport(db: Queryable, file: string, options: ReportOptions): Promise<{ bytes: number; connectors: number }> {
  const { html, connectors } = await buildReport(db, options);
  await writeFile(file, html);
  return { bytes: Buffer.byteLength(html), connectors };
}
