import { Button, Code, Modal, NativeSelect, Progress, Stack, Text } from '@mantine/core';
import { exactBytes, humanSize, plural } from '../app/format';
import { useEffect, useState } from 'react';
import type { VerifyResult } from '../../../shared/contract/domains/audit-verify';
import { CLASSIFICATION_LEVELS, type ClassificationLevel } from '../../../shared/config/classification';
import { callArx, subscribeArx } from '../app/arx-client';
import { useControlPlaneBlocker } from '../shell/ControlPlaneBanner';
import { SignDialog } from '../signing/SignDialog';
import { RecipientsField, recipientRequest, type Recipient } from './RecipientsField';
import { RecoveryKeyField, recoveryKeyRequest, type RecoveryKey } from './RecoveryKeyField';

/** What a bundle is exported of: a seq range, or the range of one fidelity certificate (`--review`). */
export type ExportTarget =
  { kind: 'range'; from: number; to: number } | { kind: 'review'; id: string; fromSeq: number; toSeq: number };

export interface ExportedBundle {
  path: string;
  sha256: string;
  bytes: number;
  from: number;
  to: number;
  events: number;
  /** Set when it was encrypted: `sha256` and `bytes` are then the bundle inside, these the file. */
  encryption?: { recipients: number; hybrid: number; bytes: number; sha256: string; recovery?: boolean } | null;
}

export interface ExportTenant {
  id: string;
  slug: string;
  name?: string;
}

type Phase = 'proofs' | 'events' | 'signing' | 'done';
interface ExportProgress {
  phase: Phase;
  done: number;
  total: number;
}

const n = (x: number) => x.toLocaleString('en-US');
const seqs = (t: ExportTarget) => (t.kind === 'range' ? `seq ${t.from} … ${t.to}` : `seq ${t.fromSeq} … ${t.toSeq}`);

/**
 * The range a finished chain verification can be exported as: its verified seqs, ended at the last
 * event a signed checkpoint covers (a bundle proves its last event under a checkpoint), or null
 * with the reason when nothing in it is covered yet.
 */
export function exportRangeOf(
  r: VerifyResult,
): { from: number; to: number; note: string | null } | { from: null; to: null; note: string } {
  if (r.firstSeq === null || r.lastSeq === null)
    return { from: null, to: null, note: 'The verified range holds no events.' };
  let to = r.lastSeq;
  let note: string | null = null;
  if (r.tail && r.tail.laterCheckpointSize === null) {
    to = r.tail.fromSeq - 1;
    note = `Seq ${n(r.tail.fromSeq)} on is not covered by a signed checkpoint yet, so the bundle ends at seq ${n(to)}.`;
  }
  if (to < r.firstSeq)
    return {
      from: null,
      to: null,
      note: 'No event of the verified range is covered by a signed checkpoint yet: wait for the next checkpoint to export it.',
    };
  return { from: r.firstSeq, to, note };
}

function progressText(p: ExportProgress | null): string {
  if (!p || p.phase === 'proofs') return 'Reading the range and computing its proofs…';
  if (p.phase === 'events') return `Writing events: ${n(p.done)} of ${n(p.total)}`;
  if (p.phase === 'signing') return 'Signing the manifest on your card…';
  return 'Written.';
}

function progressValue(p: ExportProgress | null): number {
  if (!p || p.phase === 'proofs') return 5;
  if (p.phase === 'events') return 5 + Math.round((85 * p.done) / Math.max(1, p.total));
  return p.phase === 'signing' ? 95 : 100;
}

/**
 * The progress of the export the SignDialog is running: events from main, filtered to this export.
 * Nothing shows until main starts (after the PIN was sent).
 */
function ExportProgressView({ tenantId, target }: { tenantId: string; target: ExportTarget }) {
  const [p, setP] = useState<ExportProgress | null>(null);
  const review = target.kind === 'review' ? target.id : null;
  const from = target.kind === 'range' ? target.from : null;
  const to = target.kind === 'range' ? target.to : null;
  useEffect(
    () =>
      subscribeArx('bundle.exportProgress', (e) => {
        if (e.tenantId !== tenantId || e.review !== review || (review === null && (e.from !== from || e.to !== to)))
          return;
        setP({ phase: e.phase, done: e.done, total: e.total });
      }),
    [tenantId, review, from, to],
  );
  if (!p) return null;
  const text = progressText(p);
  return (
    <Stack gap={4} data-testid="bundle-export-progress">
      <Progress value={progressValue(p)} aria-label="Export progress" aria-valuetext={text} animated />
      <Text size="xs" role="status">
        {text}
      </Text>
    </Stack>
  );
}

/** Where the bundle went: path, size and the file's SHA-256 (what an auditor compares on receipt). */
export function ExportedBundleView({ exported }: { exported: ExportedBundle }) {
  const enc = exported.encryption ?? null;
  const bytes = enc ? enc.bytes : exported.bytes;
  return (
    <Stack gap={4} data-testid="bundle-exported" role="status">
      <Text size="sm">
        Exported {plural(exported.events, 'event')} (seq {n(exported.from)}–{n(exported.to)}) to{' '}
        <Code style={{ wordBreak: 'break-all' }}>{exported.path}</Code> (
        <span title={exactBytes(bytes)}>{humanSize(bytes)}</span>).
      </Text>
      {enc && (
        <Text size="sm" data-testid="bundle-exported-encryption">
          Encrypted to {enc.recipients === 1 ? '1 recipient' : `${n(enc.recipients)} recipients`}
          {enc.hybrid > 0 ? ` (${n(enc.hybrid)} hybrid with ML-KEM-1024)` : ''}: only their cards
          {enc.recovery ? ' and the organisation recovery key' : ''} open it.
        </Text>
      )}
      <Text size="sm">
        SHA-256 of the file: <Code style={{ wordBreak: 'break-all' }}>{enc ? enc.sha256 : exported.sha256}</Code>
      </Text>
      {enc && (
        <Text size="sm">
          SHA-256 of the bundle inside: <Code style={{ wordBreak: 'break-all' }}>{exported.sha256}</Code>
        </Text>
      )}
      <Text size="xs" c="dimmed">
        It is listed under Bundles → Open bundle, where it can be verified offline.
      </Text>
    </Stack>
  );
}

/** What the card dialog lists about the bundle before the PIN. */
function signedDetails(tenant: ExportTenant, target: ExportTarget): [string, string][] {
  return [
    ['Tenant', `${tenant.name ? `${tenant.name} ` : ''}(${tenant.slug}, ${tenant.id})`],
    ['Events', seqs(target)],
    ...(target.kind === 'review' ? ([['Fidelity certificate', target.id]] as [string, string][]) : []),
    ['Signed', 'SHA-256 of the DSSE PAE of the bundle manifest (every member’s size, SHA-256 and BLAKE3)'],
  ];
}

/** bundle.export for a range or a fidelity certificate; '' leaves the marking to main, no recipients no encryption. */
function exportBundle(
  tenant: ExportTenant,
  target: ExportTarget,
  pin: string,
  { marking, recipients, recovery }: ExportChoices,
) {
  return callArx((arx) =>
    arx.bundle.export({
      ...(target.kind === 'review'
        ? { tenant: tenant.id, from: null, to: null, review: target.id, pin, out: null }
        : { tenant: tenant.id, from: target.from, to: target.to, review: null, pin, out: null }),
      ...(marking ? { classification: marking } : {}),
      ...recipientRequest(recipients),
      ...recoveryKeyRequest(recovery),
    }),
  );
}

/** What the export dialog asks besides the PIN: the marking, and whom the bundle is encrypted to. */
interface ExportChoices {
  /** '' leaves the marking to main: the console's configured banner level. */
  marking: '' | ClassificationLevel;
  recipients: Recipient[];
  recovery: RecoveryKey;
}
const NO_CHOICES: ExportChoices = { marking: '', recipients: [], recovery: null };

function ExportOptions({ value, onChange }: { value: ExportChoices; onChange: (v: ExportChoices) => void }) {
  return (
    <Stack gap="sm">
      <MarkingSelect marking={value.marking} onChange={(marking) => onChange({ ...value, marking })} />
      <RecipientsField value={value.recipients} onChange={(recipients) => onChange({ ...value, recipients })} />
      <RecoveryKeyField value={value.recovery} onChange={(recovery) => onChange({ ...value, recovery })} />
    </Stack>
  );
}

function MarkingSelect(props: { marking: '' | ClassificationLevel; onChange: (m: '' | ClassificationLevel) => void }) {
  return (
    <NativeSelect
      label="Classification marking"
      description="Signed into the manifest and put in the file name"
      value={props.marking}
      onChange={(e) => props.onChange(e.currentTarget.value as '' | ClassificationLevel)}
      data={[
        { value: '', label: "The console's banner level" },
        ...CLASSIFICATION_LEVELS.map((l) => ({ value: l, label: l })),
      ]}
    />
  );
}

export interface ExportBundleButtonProps {
  tenant: ExportTenant;
  target: ExportTarget;
  /** Button text (default "Export evidence bundle…"). */
  label?: string;
  /** Accessible name when the text alone is ambiguous (e.g. one button per table row). */
  ariaLabel?: string;
  disabled?: boolean;
  /** Why the export cannot run now (shown under the button, which is disabled): known before the PIN. */
  disabledReason?: string | null;
  size?: 'xs' | 'sm';
  variant?: 'filled' | 'light' | 'default' | 'outline';
  /** 'inline' shows the result under the button; 'dialog' in a dialog (for buttons in table rows); 'none' leaves it to onExported. */
  result?: 'inline' | 'dialog' | 'none';
  onExported?: (e: ExportedBundle) => void;
}

/**
 * Export an evidence bundle (bundle.export) from any screen: the SignDialog shows what the card
 * signs (the manifest of the tenant's range) and asks the PIN; while main writes the bundle, its
 * progress; then the file's path, size and digest. Used by the Bundles, Audit and Certificates screens.
 */
export function ExportBundleButton({
  tenant,
  target,
  label = 'Export evidence bundle…',
  ariaLabel,
  disabled,
  disabledReason = null,
  size = 'sm',
  variant = 'light',
  result = 'inline',
  onExported,
}: ExportBundleButtonProps) {
  const offline = useControlPlaneBlocker();
  const [signing, setSigning] = useState(false);
  const [exported, setExported] = useState<ExportedBundle | null>(null);
  const [showResult, setShowResult] = useState(false);
  // Progress shows only while main exports (after the PIN was sent); a failed attempt clears it.
  const [running, setRunning] = useState(false);
  const [options, setOptions] = useState<ExportChoices>(NO_CHOICES);
  const review = target.kind === 'review';
  return (
    <Stack gap="xs" align="flex-start">
      <Button
        size={size}
        variant={variant}
        onClick={() => {
          setExported(null);
          setSigning(true);
        }}
        disabled={disabled || disabledReason !== null || offline !== null}
        aria-label={ariaLabel}
      >
        {label}
      </Button>
      {offline && (
        <Text size="xs" c="dimmed" data-testid="needs-control-plane">
          Export needs the control plane: {offline}.
        </Text>
      )}
      {!offline && disabledReason && (
        <Text size="xs" c="dimmed" maw={280} data-testid="export-disabled-reason">
          {disabledReason}
        </Text>
      )}
      <SignDialog
        opened={signing}
        title="Sign the evidence bundle"
        purpose={`You sign the manifest of an evidence bundle of ${tenant.slug}${review ? ' for this fidelity certificate' : ''}: every member's size, SHA-256 and BLAKE3 (the events, proofs, checkpoints, policies and certificates of the range).`}
        details={signedDetails(tenant, target)}
        extra={
          running ? (
            <ExportProgressView tenantId={tenant.id} target={target} />
          ) : (
            <ExportOptions value={options} onChange={setOptions} />
          )
        }
        onSign={async (pin) => {
          setRunning(true);
          const r = await exportBundle(tenant, target, pin, options);
          setRunning(false);
          return r;
        }}
        onSigned={(v) => {
          setSigning(false);
          setExported(v);
          setShowResult(true);
          onExported?.(v);
        }}
        onCancel={() => setSigning(false)}
      />
      {exported && result === 'inline' && <ExportedBundleView exported={exported} />}
      {exported && result === 'dialog' && (
        <ExportResultDialog exported={exported} opened={showResult} onClose={() => setShowResult(false)} />
      )}
    </Stack>
  );
}

/** The exported bundle's path, size and digest in a dialog (for buttons in table rows). */
function ExportResultDialog(props: { exported: ExportedBundle; opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title="Evidence bundle exported" size="lg">
      <Stack gap="sm">
        <ExportedBundleView exported={props.exported} />
        <Button onClick={props.onClose} w="fit-content">
          Close
        </Button>
      </Stack>
    </Modal>
  );
}

/** Under a finished chain verification (Audit → Verify): export the verified range as an evidence bundle. */
export function ExportVerifiedRange({ result }: { result: VerifyResult }) {
  const range = exportRangeOf(result);
  return (
    <Stack gap="xs" component="section" aria-labelledby="verify-export-heading" data-testid="verify-export">
      <Text fw={600} id="verify-export-heading">
        Evidence bundle
      </Text>
      <Text size="sm">
        {range.from === null
          ? range.note
          : `Export seq ${n(range.from)} … ${n(range.to)} of ${result.tenant.slug} as one signed file an auditor can verify offline (events, proofs, checkpoints, policies, certificates).`}
      </Text>
      {range.from !== null && range.note && (
        <Text size="xs" c="dimmed">
          {range.note}
        </Text>
      )}
      {range.from !== null && (
        <ExportBundleButton tenant={result.tenant} target={{ kind: 'range', from: range.from, to: range.to }} />
      )}
    </Stack>
  );
}
