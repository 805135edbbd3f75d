import { Select } from '@mantine/core';
import { useEffect, useMemo } from 'react';
import { useOperatorSession } from '../../login/use-operator-session';
import { selectedTenant, selectTenant } from './link';

/** The tenants the operator holds a role in; the explorer and the dashboards share the choice. */
export function TenantSelect({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const [session] = useOperatorSession();
  const tenants = useMemo(() => {
    if (session.state !== 'ok' || !session.value) return [];
    const seen = new Map<string, string>();
    for (const r of session.value.roles) if (!seen.has(r.tenantId)) seen.set(r.tenantId, r.tenant);
    return [...seen].map(([id, name]) => ({ value: id, label: name })).sort((a, b) => a.label.localeCompare(b.label));
  }, [session]);
  useEffect(() => {
    if (value === null && tenants.length > 0) {
      const keep = selectedTenant();
      const id = keep && tenants.some((t) => t.value === keep) ? keep : tenants[0]!.value;
      selectTenant(id);
      onChange(id);
    }
  }, [tenants, value, onChange]);
  return (
    <Select
      label="Tenant"
      data={tenants}
      value={value}
      onChange={(id) => {
        selectTenant(id);
        onChange(id);
      }}
      allowDeselect={false}
      w={240}
      placeholder={tenants.length === 0 ? 'No tenant roles' : 'Choose a tenant'}
      disabled={tenants.length === 0}
    />
  );
}
