import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProvisionedCard } from '../../electron/main/card/test-cards';

/**
 * The PEM bundle an administrator hands in for enrolment: a card's PIV Authentication, Digital
 * Signature and Key Management certificates, as exported from the card.
 */
export function writeCardBundle(dir: string, card: ProvisionedCard): string {
  const pem = card.certificates
    .filter((c) => c.usage !== 'card-auth')
    .map((c) => {
      const b64 = readFileSync(c.file).toString('base64').replace(/.{64}/g, '$&\n');
      return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
    })
    .join('');
  const file = join(dir, `${card.edipi}.pem`);
  writeFileSync(file, pem);
  return file;
}
