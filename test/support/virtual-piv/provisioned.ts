/**
 * The virtual cards of a fixture written out the way `arx card provision-test` writes SoftHSM2
 * test cards: trust anchors, intermediates and CRLs of their test PKI, each certificate as a DER
 * file, and a ProvisionedTestCards record. A console then validates their certificates, and
 * `registerTestOperators` enrols their operators (certificates and the database login wrapped to
 * the virtual card's 9D key) as it does for the demo card.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from '@peculiar/x509';
import {
  certificateEntry,
  PIV_SLOTS,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { issueCrl, type TestPki } from '../../../electron/main/pki/test-pki';
import { OPENSC_MODULE } from './pcsc-stack';
import type { VirtualCardData } from './card-data';

const REF_OF_ID: Record<string, number> = { '01': 0x9a, '02': 0x9c, '03': 0x9d, '04': 0x9e };

/** Writes the PKI and certificates under `dir`; `labels[i]` is the TEST_CARDS label of `cards[i]` (its roles). */
export async function writeProvisioned(
  dir: string,
  fx: { pki: TestPki; cards: readonly VirtualCardData[] },
  labels: readonly string[],
): Promise<ProvisionedTestCards> {
  const paths = {
    trustAnchors: join(dir, 'pki', 'anchors'),
    intermediates: join(dir, 'pki', 'intermediates'),
    crls: join(dir, 'pki', 'crls'),
    untrusted: join(dir, 'pki', 'untrusted'),
  };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
  writeFileSync(join(paths.trustAnchors, 'root.pem'), fx.pki.root.cert.toString('pem') + '\n');
  writeFileSync(join(paths.intermediates, 'id-ca.pem'), fx.pki.intermediate.cert.toString('pem') + '\n');
  writeFileSync(join(paths.untrusted, 'rogue.pem'), fx.pki.untrustedRoot.cert.toString('pem') + '\n');
  writeFileSync(join(paths.crls, 'root.crl'), new Uint8Array((await issueCrl(fx.pki.root, [])).rawData));
  writeFileSync(join(paths.crls, 'id-ca.crl'), new Uint8Array((await issueCrl(fx.pki.intermediate, [])).rawData));
  const cards = fx.cards.map((card, i) => {
    const spec = TEST_CARDS.find((c) => c.label === labels[i]);
    if (!spec) throw new Error(`no test card "${labels[i]}"`);
    const cardDir = join(dir, 'cards', String(i));
    mkdirSync(cardDir, { recursive: true });
    const certificates = PIV_SLOTS.map((slot) => {
      const issued = card.certificates.get(REF_OF_ID[slot.id]!)!;
      const cert = new X509Certificate(new Uint8Array(issued.der));
      const file = join(cardDir, `${slot.id}.der`);
      writeFileSync(file, issued.der);
      return certificateEntry(slot, cert, file);
    });
    return {
      label: card.displayName,
      pin: card.pin,
      soPin: card.puk,
      edipi: card.person.edipi,
      displayName: card.displayName,
      keyType: spec.keyType,
      case: spec.case,
      expect: spec.expect,
      roles: spec.roles,
      certificates,
    };
  });
  return {
    dir,
    module: OPENSC_MODULE,
    softhsm2Conf: '',
    tokenDir: '',
    ...paths,
    policyArc: fx.pki.policyArc,
    cards,
  };
}
