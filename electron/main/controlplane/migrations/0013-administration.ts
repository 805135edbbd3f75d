/**
 * 0013: administration. The control plane records its bootstrap (the system tenant, whose chain
 * holds the events that belong to no one tenant: operators enrolled, tenants created); each role
 * grant records who granted it and who approved it; the administration event types are written by
 * the administration class (today: the DBA at bootstrap, and the administration functions).
 */
export const sql = `
CREATE TABLE arx.control_plane (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  system_tenant uuid NOT NULL REFERENCES arx.tenants(id),
  bootstrapped_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON arx.control_plane TO arx_console, arx_gateway, arx_operator, arx_owner;

ALTER TABLE arx.role_grants
  ADD COLUMN granted_by uuid REFERENCES arx.operators(id),
  ADD COLUMN approved_by uuid REFERENCES arx.operators(id);

INSERT INTO arx.event_writers (type, writer) VALUES
  ('com.arx.tenant.created', 'administration'), ('com.arx.operator.enrolled', 'administration');
`;
