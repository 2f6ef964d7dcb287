-- How each connector authenticates (issue 16), and the national cloud its endpoints came from.
-- Secret material (a client secret, a certificate with its private key) stays sealed in
-- connector_secrets; a federated token file is a path on the worker, re-read at every token request.

alter table connectors add column credential_kind text not null default 'clientSecret'
  check (credential_kind in ('clientSecret', 'certificate', 'workloadIdentity', 'managedIdentity'));
alter table connectors add column federated_token_file text;
alter table connectors add constraint connectors_federated_token_file
  check ((credential_kind = 'workloadIdentity') = (federated_token_file is not null));
-- Null: endpoints given explicitly (or the defaults); they are authority_host and graph_base_url either way.
alter table connectors add column cloud text;
