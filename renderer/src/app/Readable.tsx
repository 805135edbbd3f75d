import { ActionIcon, Group, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import { commonNameOf } from '../../../shared/ids';
import { localTime, relativeTime, utcTime } from './time';

/**
 * A time as people read it: local time (or relative, in lists) in the text, UTC in the tooltip.
 * `seconds` adds seconds to the local time where events happen close together.
 */
export function When({
  iso,
  relative = false,
  seconds = false,
}: {
  iso: string;
  relative?: boolean;
  seconds?: boolean;
}) {
  const text = relative ? relativeTime(iso) : seconds ? localSeconds(iso) : localTime(iso);
  return (
    <time dateTime={iso} title={relative ? `${localTime(iso)} · ${utcTime(iso)}` : utcTime(iso)}>
      {text}
    </time>
  );
}

/** "7 Dec 2026, 12:03:12" in the workstation's time zone. */
export function localSeconds(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** "3f9a1c2e…" for a digest or id; short values are left whole. */
export function shortId(value: string, keep = 8): string {
  return value.length > keep + 4 ? `${value.slice(0, keep)}…` : value;
}

/** A certificate's name as people read it (its CN); the whole distinguished name in the tooltip. */
export function Dn({ value }: { value: string }) {
  return <span title={value}>{commonNameOf(value)}</span>;
}

/**
 * Copies through a selected text area: the console refuses the clipboard permission (window
 * policy), and execCommand needs none during a click.
 */
function copyText(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** An identifier shortened for reading, whole in the tooltip, with a button that copies it whole. */
export function ShortId({
  value,
  label,
  keep = 8,
  size = 'sm',
}: {
  value: string;
  label: string;
  keep?: number;
  size?: 'xs' | 'sm';
}) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <Group gap={4} wrap="nowrap" component="span" display="inline-flex">
      <Text span ff="monospace" size={size} title={value} data-full={value}>
        {shortId(value, keep)}
      </Text>
      <Tooltip label={copied === null ? `Copy ${label}` : copied ? 'Copied' : 'Copy refused; select the text'}>
        <ActionIcon
          size="xs"
          variant="subtle"
          aria-label={`Copy ${label}`}
          onClick={() => setCopied(copyText(value))}
          onMouseLeave={() => setCopied(null)}
        >
          <CopyGlyph />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

function CopyGlyph() {
  return (
    <svg width="12" height="12" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
      <rect x="9" y="9" width="12" height="12" rx="2" />
      <path d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1" />
    </svg>
  );
}
