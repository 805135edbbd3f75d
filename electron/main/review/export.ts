import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { X509Certificate, X509Crl } from '@peculiar/x509';
import { fromBase64 } from '../../../shared/bytes';
import { ArxFailure } from '../../../shared/contract';
import { openFidelityCertificate, type OpenedFidelityCertificate } from '../../../shared/review';
import { certificateKeyKind, type CardKeyKind } from './card-signature';
import type { SignerReport } from './signer-check';

/**
 * "Export for OpenSSL": the statement, the exact bytes that were signed (the
 * DSSE PAE), the signature in DER, the signer's chain and the CRLs, and a VERIFY.md with the
 * exact `openssl` commands that check them — nothing from ARX is needed to run them.
 */
export interface ExportedCertificate {
  directory: string;
  files: string[];
  /** The commands, in order, to run in `directory` (also written to VERIFY.md and verify.sh). */
  commands: string[];
}

const pem = (label: string, der: Uint8Array): string => {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
};

export function exportForOpenssl(envelopeText: string, signer: SignerReport, directory: string): ExportedCertificate {
  const opened = openFidelityCertificate(envelopeText);
  if (!opened.ok)
    throw new ArxFailure(opened.code, `The certificate cannot be exported: ${opened.message}`, { path: opened.path });
  const certDer = fromBase64(opened.statement.predicate.reviewer.certificate)!;
  const sig = fromBase64(opened.envelope.signatures[0]!.sig)!;
  const kind = certificateKeyKind(certDer);
  if (!kind)
    throw new ArxFailure('REVIEW_EXPORT_FAILED', "The reviewer's certificate has a key type the export does not know.");
  const chain = signer.chain;
  const parts: ExportParts = {
    opened,
    kind,
    anchor: chain.length > 1 ? chain[chain.length - 1]! : null,
    intermediates: chain.slice(1, -1),
    crls: signer.crls,
  };
  try {
    mkdirSync(directory, { recursive: true });
    const files: [string, Uint8Array | string][] = [
      ['envelope.json', envelopeText + '\n'],
      ['statement.json', opened.payload],
      ['pae.bin', opened.signingInput],
      ['signature.der', sig],
      ['signer.pem', pem('CERTIFICATE', certDer)],
      ...chainFiles(parts),
    ];
    const commands = opensslCommands(parts);
    files.push(['VERIFY.md', verifyMarkdown(parts, commands)]);
    files.push(['verify.sh', `#!/usr/bin/env bash\nset -euo pipefail\ncd "$(dirname "$0")"\n${commands.join('\n')}\n`]);
    for (const [name, content] of files)
      writeFileSync(join(directory, name), content, name === 'verify.sh' ? { mode: 0o755 } : {});
    return { directory, files: files.map(([n]) => n), commands };
  } catch (err) {
    if (err instanceof ArxFailure) throw err;
    throw new ArxFailure(
      'REVIEW_EXPORT_FAILED',
      `Could not write the export to ${directory}: ${(err as Error).message}`,
      { directory },
    );
  }
}

/** What the export is made of besides the envelope: the key kind and the path and CRLs found. */
interface ExportParts {
  opened: Extract<OpenedFidelityCertificate, { ok: true }>;
  kind: CardKeyKind;
  anchor: X509Certificate | null;
  intermediates: X509Certificate[];
  crls: X509Crl[];
}

function chainFiles({ anchor, intermediates, crls }: ExportParts): [string, string][] {
  const files: [string, string][] = [];
  if (intermediates.length)
    files.push(['intermediates.pem', intermediates.map((c) => pem('CERTIFICATE', new Uint8Array(c.rawData))).join('')]);
  if (anchor) files.push(['root.pem', pem('CERTIFICATE', new Uint8Array(anchor.rawData))]);
  if (crls.length) files.push(['crls.pem', crls.map((c) => pem('X509 CRL', new Uint8Array(c.rawData))).join('')]);
  return files;
}

function opensslCommands({ opened, kind, anchor, intermediates, crls }: ExportParts): string[] {
  const payloadType = opened.envelope.payloadType;
  const signedAt = Math.floor(new Date(opened.statement.predicate.reviewedAt).getTime() / 1000);
  return [
    // 1. The signed bytes are the PAE of the statement: rebuild them from statement.json and compare.
    `printf 'DSSEv1 %d %s %d ' ${Buffer.byteLength(payloadType)} '${payloadType}' "$(wc -c < statement.json)" > pae-rebuilt.bin && cat statement.json >> pae-rebuilt.bin && cmp pae.bin pae-rebuilt.bin && echo "PAE OK"`,
    // 2. The reviewer's public key, from the certificate the statement names.
    'openssl x509 -in signer.pem -noout -pubkey > signer-pub.pem',
    // 3. The signature over the PAE (SHA-256; RSA keys: PSS, salt 32).
    kind === 'ec'
      ? 'openssl dgst -sha256 -verify signer-pub.pem -signature signature.der pae.bin'
      : 'openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify signer-pub.pem -signature signature.der pae.bin',
    // 4. The certificate path and CRLs at signing time (the statement's reviewedAt).
    ...(anchor
      ? [
          `openssl verify -attime ${signedAt} -CAfile root.pem${intermediates.length ? ' -untrusted intermediates.pem' : ''}${crls.length ? ' -crl_check_all -CRLfile crls.pem' : ''} signer.pem`,
        ]
      : []),
    // 5. Which certificate signed (compare with the statement's reviewer.certificateSha256 and the envelope keyid).
    'openssl x509 -in signer.pem -outform DER | openssl dgst -sha256 -r',
  ];
}

function verifyMarkdown({ opened, kind, anchor, intermediates, crls }: ExportParts, commands: string[]): string {
  return [
    '# Fidelity certificate — check it with OpenSSL',
    '',
    `Review ${opened.statement.predicate.reviewId} of tenant ${opened.statement.subject[0]!.annotations.tenantId}, seq ${opened.statement.subject[0]!.annotations.fromSeq}–${opened.statement.subject[0]!.annotations.toSeq}, signed ${opened.statement.predicate.reviewedAt} by ${opened.statement.predicate.reviewer.displayName}.`,
    '',
    '| file | what it is |',
    '| --- | --- |',
    '| `envelope.json` | the DSSE envelope as stored (payload base64, one signature) |',
    '| `statement.json` | the in-toto Statement v1: the envelope payload, decoded (these bytes are what was reviewed) |',
    '| `pae.bin` | what the card signed the SHA-256 of: `DSSEv1 <len(type)> <type> <len(payload)> <payload>` |',
    '| `signature.der` | the signature: ' +
      (kind === 'ec' ? 'ECDSA-Sig-Value (DER)' : 'RSASSA-PSS (SHA-256, MGF1-SHA-256, salt 32)') +
      ' |',
    "| `signer.pem` | the reviewer's Digital Signature certificate |",
    ...(intermediates.length ? ['| `intermediates.pem` | the issuing CA certificates |'] : []),
    ...(anchor ? ['| `root.pem` | the trust anchor the path ends at (compare it with your own copy) |'] : []),
    ...(crls.length ? ['| `crls.pem` | the CRLs of the issuers, as loaded by the console |'] : []),
    '',
    'Run in this folder (bash); each command must succeed (`PAE OK`, `Verified OK`, `signer.pem: OK`):',
    '',
    '```bash',
    ...commands,
    '```',
    '',
    'The last line prints the SHA-256 of the signer certificate: it must equal `reviewer.certificateSha256` in statement.json and the `keyid` in envelope.json.',
    'Whether the statement still matches the chain today needs the chain: the console checks it (Certificates → Verify), or recompute the root as in docs/chain-format.md.',
    '',
  ].join('\n');
}
