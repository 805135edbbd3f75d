import { formatVerifierKey } from '../../../shared/checkpoint';
import type { AdminGatewayKeyRow } from '../controlplane/repos/gateway-key-reads';

/**
 * The `gateway-keys.txt` an auditor pins in their trust directory (docs/bundle-format.md §5.1;
 * read by `arx bundle verify --trust DIR` and by a bundle's verify.sh): one C2SP verifier key per
 * line, followed by its window as the control plane registered it (`valid-from`, `valid-to`, and
 * `revoked-at` for a revoked key), which verifiers hold a bundle's claimed window to. Every key is
 * listed, rotated and revoked ones too, since the checkpoints they signed inside their windows
 * still verify. The `#` lines (ignored by both readers) say which tenant a key belongs to.
 */
export function gatewayKeysText(keys: readonly AdminGatewayKeyRow[], exportedAt: Date): string {
  const lines = [
    '# gateway-keys.txt: ARX gateway checkpoint verifier keys to pin, with their windows (docs/bundle-format.md §5.1).',
    `# Exported ${exportedAt.toISOString()} by \`arx admin gateway-key export\`; one verifier key and its window per line.`,
  ];
  let tenant = '';
  for (const k of keys) {
    if (k.tenantId !== tenant) {
      tenant = k.tenantId;
      lines.push('', `# tenant ${k.tenantSlug} (${k.tenantId})`);
    }
    const end = k.validTo ? k.validTo.toISOString() : 'open';
    if (k.endedReason) lines.push(`# ${k.keyName}: ${k.endedReason}`);
    const revoked = k.endedReason === 'revoked' && k.validTo ? ` revoked-at=${k.validTo.toISOString()}` : '';
    lines.push(
      `${formatVerifierKey(k.keyName, new Uint8Array(k.publicKey))} valid-from=${k.validFrom.toISOString()} valid-to=${end}${revoked}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
