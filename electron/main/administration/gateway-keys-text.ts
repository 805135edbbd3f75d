import { formatVerifierKey } from '../../../shared/checkpoint';
import type { AdminGatewayKeyRow } from '../controlplane/repos/gateway-key-reads';

/**
 * The `gateway-keys.txt` an auditor pins in their trust directory (docs/bundle-format.md §5.3;
 * read by `arx bundle verify --trust DIR` and by a bundle's verify.sh): one C2SP verifier key per
 * line. Every key is listed, rotated and revoked ones too, since the checkpoints they signed
 * inside their windows still verify. The `#` lines (ignored by both readers) say which tenant a
 * key belongs to and its window as the control plane records it.
 */
export function gatewayKeysText(keys: readonly AdminGatewayKeyRow[], exportedAt: Date): string {
  const lines = [
    '# gateway-keys.txt: ARX gateway checkpoint verifier keys to pin (docs/bundle-format.md §5.3).',
    `# Exported ${exportedAt.toISOString()} by \`arx admin gateway-key export\`; one verifier key per line.`,
  ];
  let tenant = '';
  for (const k of keys) {
    if (k.tenantId !== tenant) {
      tenant = k.tenantId;
      lines.push('', `# tenant ${k.tenantSlug} (${k.tenantId})`);
    }
    const end = k.validTo ? k.validTo.toISOString() : 'open';
    const why = k.endedReason ? ` (${k.endedReason})` : '';
    lines.push(`# ${k.keyName}: valid ${k.validFrom.toISOString()} .. ${end}${why}`);
    lines.push(formatVerifierKey(k.keyName, new Uint8Array(k.publicKey)));
  }
  return `${lines.join('\n')}\n`;
}
