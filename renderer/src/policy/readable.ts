/**
 * Light Badges and Alerts in Mantine's yellow, green, orange and red tints put coloured text on a
 * tinted background below 4.5:1 (axe color-contrast); the tint stays, the text takes the body colour.
 */
export const READABLE_BADGE = {
  // Never truncated to "P…" in a narrow table cell: a status must be read whole.
  root: { color: 'var(--mantine-color-text)', minWidth: 'max-content' },
  label: { overflow: 'visible' },
} as const;
export const READABLE_ALERT = { title: { color: 'var(--mantine-color-text)' } } as const;
