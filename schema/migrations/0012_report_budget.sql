-- Microsoft Graph's report endpoints (directoryAudits, signIns) allow 5 requests per 10 s per app
-- and tenant, all endpoints together. Audit events and sign-ins are pulled by different worker
-- processes, so the budget lives here: each request reserves the next free slot of its app and
-- tenant (activities/graph/reportBudget.ts).
create table report_request_slots (
  tenant_id text not null,
  client_id text not null,
  -- The earliest moment the next report request of this app and tenant may be sent.
  next_at   timestamptz not null,
  primary key (tenant_id, client_id)
);
