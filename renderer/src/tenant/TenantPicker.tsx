import { Select, Text } from '@mantine/core';
import { useTenant } from './tenant-context';
import classes from '../shell/shell.module.css';

/** The tenant every screen shows, in the product bar. Offers only tenants the operator holds a role in. */
export function TenantPicker() {
  const { tenants, current, select, lockedBecause } = useTenant();
  if (tenants.length === 0)
    return (
      <Text span size="sm" className={classes.headerNote}>
        No tenant roles
      </Text>
    );
  return (
    <Select
      label="Tenant"
      size="xs"
      data={tenants.map((t) => ({ value: t.tenantId, label: t.tenant }))}
      value={current?.tenantId ?? null}
      onChange={(id) => id && select(id)}
      allowDeselect={false}
      disabled={lockedBecause !== null}
      title={lockedBecause ?? undefined}
      w={190}
      classNames={{ root: classes.tenantPicker, label: classes.tenantLabel }}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
