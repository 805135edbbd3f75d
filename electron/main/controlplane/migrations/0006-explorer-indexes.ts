/**
 * 0006: what the event explorer filters, sorts and searches on (docs/explorer.md).
 *
 * Generated columns pull the filterable fields out of the jsonb copy once, at write time, so that
 * plain btree indexes serve them and the query planner has statistics per field. Each filter index
 * is (tenant_id, field, time, seq): an equality filter plus a time range, read in the explorer's
 * default order (newest first, seq as the tie-break) with keyset pagination — a first page reads
 * one index range, never the whole tenant. Partial (field IS NOT NULL): most event types do not
 * carry most fields, which keeps each index to the rows that can match.
 *
 * A decision (com.arx.policy.decided) carries team, classification and model inside its Cedar
 * request (context entities, resource "provider/model"): they are read from there, so that a
 * denial can be filtered by team or model like the request it decided.
 *
 * These columns are derived from `doc`, the query copy: they are for finding events, never
 * evidence. The explorer's detail view compares `doc` with the stored bytes and says when they
 * disagree (the bytes are the evidence).
 */
export const sql = `
ALTER TABLE arx.audit_events
  ADD COLUMN x_user text GENERATED ALWAYS AS (
    coalesce(doc #>> '{data,user}', CASE WHEN type LIKE 'com.arx.request.%' OR type LIKE 'com.arx.provider.%'
      OR type IN ('com.arx.policy.decided', 'com.arx.response.returned', 'com.arx.content.redacted') THEN doc ->> 'subject' END)
  ) STORED,
  ADD COLUMN x_team text GENERATED ALWAYS AS (coalesce(doc #>> '{data,team}', doc #>> '{data,context,billingTeam,__entity,id}')) STORED,
  ADD COLUMN x_provider text GENERATED ALWAYS AS (coalesce(doc #>> '{data,provider}', CASE WHEN type = 'com.arx.policy.decided' THEN nullif(split_part(doc #>> '{data,resource,id}', '/', 1), '') END)) STORED,
  ADD COLUMN x_model text GENERATED ALWAYS AS (coalesce(doc #>> '{data,model}', CASE WHEN type = 'com.arx.policy.decided' THEN nullif(split_part(doc #>> '{data,resource,id}', '/', 2), '') END)) STORED,
  ADD COLUMN x_decision text GENERATED ALWAYS AS (doc #>> '{data,decision}') STORED,
  ADD COLUMN x_classification text GENERATED ALWAYS AS (coalesce(doc #>> '{data,classification}', doc #>> '{data,context,classification,__entity,id}')) STORED,
  ADD COLUMN x_reason text GENERATED ALWAYS AS (
    CASE WHEN doc #>> '{data,decision}' = 'deny' THEN doc #>> '{data,determiningPolicies}' END
  ) STORED,
  ADD COLUMN x_cost bigint GENERATED ALWAYS AS (
    CASE WHEN jsonb_typeof(doc #> '{data,costCents}') = 'number' THEN (doc #>> '{data,costCents}')::numeric::bigint END
  ) STORED,
  ADD COLUMN x_subject text GENERATED ALWAYS AS (doc ->> 'subject') STORED,
  ADD COLUMN x_request text GENERATED ALWAYS AS (doc #>> '{data,requestId}') STORED;

CREATE INDEX audit_events_x_user ON arx.audit_events (tenant_id, x_user, time, seq) WHERE x_user IS NOT NULL;
CREATE INDEX audit_events_x_team ON arx.audit_events (tenant_id, x_team, time, seq) WHERE x_team IS NOT NULL;
CREATE INDEX audit_events_x_provider ON arx.audit_events (tenant_id, x_provider, time, seq) WHERE x_provider IS NOT NULL;
CREATE INDEX audit_events_x_model ON arx.audit_events (tenant_id, x_model, time, seq) WHERE x_model IS NOT NULL;
CREATE INDEX audit_events_x_decision ON arx.audit_events (tenant_id, x_decision, time, seq) WHERE x_decision IS NOT NULL;
CREATE INDEX audit_events_x_classification ON arx.audit_events (tenant_id, x_classification, time, seq) WHERE x_classification IS NOT NULL;
CREATE INDEX audit_events_x_reason ON arx.audit_events (tenant_id, x_reason, time, seq) WHERE x_reason IS NOT NULL;
CREATE INDEX audit_events_x_cost ON arx.audit_events (tenant_id, x_cost, seq) WHERE x_cost IS NOT NULL;
-- Covering: the dashboard's cost aggregates (by team, provider, user and day) read this index only.
CREATE INDEX audit_events_x_cost_time ON arx.audit_events (tenant_id, time, seq) INCLUDE (x_cost, x_user, x_team, x_provider) WHERE x_cost IS NOT NULL;
CREATE INDEX audit_events_x_subject ON arx.audit_events (tenant_id, x_subject) WHERE x_subject IS NOT NULL;
CREATE INDEX audit_events_x_request ON arx.audit_events (tenant_id, x_request) WHERE x_request IS NOT NULL;
-- Covering: an inclusion proof reads the chain hashes of whole seq ranges; from this index they
-- come without touching the ~1.5 KB heap rows (index-only scan).
CREATE INDEX audit_events_chain_hashes ON arx.audit_events (tenant_id, seq) INCLUDE (chain_hash);
`;
