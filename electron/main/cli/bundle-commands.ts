import { CLASSIFICATION_LEVELS } from '../../../shared/config/classification';
import { parseArgs } from 'node:util';
import type { BundleReport } from '../../../shared/bundle';
import { ArxFailure } from '../../../shared/contract';
import { loadBundleTrust } from '../bundle/trust';
import { verifyPossiblyEncrypted } from '../bundle/envelope/verify-encrypted';
import { VERIFY_SH_SHA256 } from '../bundle/verify-md';
import { VERIFY_SH } from '../bundle/verify-script';
import { loadBlake3 } from '../crypto/blake3';
import type { BundleTrust } from '../bundle/verify';
import type { WitnessVerdict } from '../../../shared/witness';
import { formatWitnessing, readWitnessKeys } from './chain-commands';
import { EXIT_CANNOT_RUN, EXIT_CHECK_FAILED, EXIT_OK, type CliCommand } from './cli-command';
import {
  ENCRYPT_OPTIONS,
  ENCRYPT_USAGE,
  OPEN_OPTIONS,
  OPEN_USAGE,
  bundleKemKey,
  bundleOpeners,
  encryptRequest,
  envelopeLine,
} from './bundle-envelope';
import { CARD_OPTIONS, CARD_USAGE, withOperator, type PinSource } from './operator-login';

const int = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
    throw new ArxFailure('INVALID_REQUEST', `--${name} must be a whole number; got "${v.slice(0, 40)}".`, {
      path: name,
    });
  return Number(v);
};

export const BUNDLE_PIN: PinSource = {
  code: 'BUNDLE_PIN_REQUIRED',
  prompt: 'Card PIN (to sign the bundle manifest): ',
};

export const bundleExport: CliCommand = {
  name: ['bundle', 'export'],
  summary:
    'Export an evidence bundle of a tenant range or of a fidelity certificate, logged in and signed on your card (PIN asked on the terminal without echo, or from --pin-stdin or ARX_PIN).',
  usage: `arx bundle export --tenant T (--from SEQ --to SEQ | --review CERT_ID) --out FILE [--classification LEVEL] ${ENCRYPT_USAGE} ${CARD_USAGE} [--json]\n  LEVEL: the marking signed into the manifest, one of ${CLASSIFICATION_LEVELS.join(', ')} (default: the console's configured banner level)`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        review: { type: 'string' },
        out: { type: 'string' },
        classification: { type: 'string' },
        json: { type: 'boolean' },
        ...ENCRYPT_OPTIONS,
        ...CARD_OPTIONS,
      },
      strict: true,
    });
    if (!values.tenant) throw new ArxFailure('INVALID_REQUEST', '--tenant is required.', { path: 'tenant' });
    if (!values.out) throw new ArxFailure('INVALID_REQUEST', '--out is required.', { path: 'out' });
    const from = int('from', values.from);
    const to = int('to', values.to);
    if ((values.review === undefined) === (from === undefined || to === undefined))
      throw new ArxFailure('INVALID_REQUEST', 'Give --from and --to, or --review.', { path: 'from' });
    const encrypt = encryptRequest(values);
    const result = await withOperator(
      io,
      values,
      async (c, pin) => {
        io.err('Exporting …');
        return c.call('bundle.export', {
          tenant: values.tenant!,
          from: from ?? null,
          to: to ?? null,
          review: values.review ?? null,
          pin,
          out: values.out!,
          ...encrypt,
          ...(values.classification !== undefined
            ? { classification: values.classification as (typeof CLASSIFICATION_LEVELS)[number] }
            : {}),
        });
      },
      BUNDLE_PIN,
    );
    io.out(
      values.json
        ? JSON.stringify(result, null, 2)
        : `Wrote ${result.path}: events ${result.from}..${result.to} (${result.events}), ${result.bytes} bytes, SHA-256 ${result.sha256}.` +
            (result.encryption
              ? `\nEncrypted to ${result.encryption.recipients} recipient(s) (${result.encryption.hybrid} hybrid with ML-KEM-1024): ${result.encryption.bytes} bytes, SHA-256 ${result.encryption.sha256}.`
              : ''),
    );
    return EXIT_OK;
  },
};

export function formatBundleReport(r: BundleReport): string {
  const lines: string[] = [];
  if (r.fatal) return `NOT A USABLE BUNDLE — ${r.fatal.code}: ${r.fatal.message}${locationText(r.fatal.location)}`;
  const s = r.summary;
  // The marking first, as on a classified document's banner.
  if (s.classification) lines.push(`CLASSIFICATION: ${s.classification} (signed in the manifest)`);
  lines.push(
    `Bundle v${r.format?.version}: tenant ${s.tenantSlug} (${s.tenantId}), events ${s.from}..${s.to} (${s.events}), ${s.checkpoints} checkpoints, ${s.policyVersions} policy versions, ${s.reviews} fidelity certificates, ${s.certificates} certificates; signed by ${s.signer ?? '(unknown)'} at ${s.createdAt}.`,
  );
  for (const c of r.checks) {
    lines.push(`${c.ok ? '✓' : '✗'} ${c.label} (${c.checked} checked)`);
    for (const f of c.findings) lines.push(`    ${f.code}${locationText(f.location)}: ${f.message}`);
    if (c.omitted) lines.push(`    … and ${c.omitted} more (see --json)`);
  }
  for (const w of r.warnings) lines.push(`  warning ${w.code}${locationText(w.location)}: ${w.message}`);
  lines.push(
    `Classical (card) signature: ${r.checks.find((c) => c.id === 'manifest-signature')?.ok ? 'valid' : 'NOT VALID'}.`,
  );
  lines.push(pqLine(r), ...reviewPqLines(r));
  const pqFailed = [r.pq, ...(r.pqReviews ?? [])].filter((x) => x?.state === 'invalid').length;
  const failed = r.checks.filter((c) => !c.ok).length + pqFailed;
  lines.push(r.ok ? 'VERIFIED: every check holds.' : `FAILED: ${failed} check(s) failed.`);
  // Accepted only on the auditor's explicit flag: the last thing they read.
  if (r.warnings.some((w) => w.code === 'GATEWAY_KEYS_UNPINNED'))
    lines.push(
      "WARNING: GATEWAY KEYS NOT PINNED, ACCEPTED ON REQUEST: THE CHECKPOINTS ARE VOUCHED FOR BY THE EXPORTER'S SIGNATURE ONLY.",
    );
  return lines.join('\n');
}

/** The post-quantum result, apart from the classical checks (docs/bundle-format.md §11). */
function pqLine(r: BundleReport): string {
  const pq = r.pq;
  if (!pq || pq.state === 'absent') return 'Post-quantum (ML-DSA-87) signature: none.';
  if (pq.state === 'valid')
    return `Post-quantum (ML-DSA-87) signature: valid, companion key ${pq.keyId}, attested by manifest-signer.der.`;
  return `✗ Post-quantum (ML-DSA-87) signature: ${pq.code}: ${pq.message}`;
}

/** Each fidelity certificate's post-quantum result (docs/fidelity-certificates.md), one line each. */
function reviewPqLines(r: BundleReport): string[] {
  return (r.pqReviews ?? []).map((q) =>
    q.state === 'valid'
      ? `Post-quantum (ML-DSA-87) signature on fidelity certificate ${q.id}: valid, companion key ${q.keyId}.`
      : q.state === 'absent'
        ? `Post-quantum (ML-DSA-87) signature on fidelity certificate ${q.id}: none.`
        : `✗ Post-quantum (ML-DSA-87) signature on fidelity certificate ${q.id}: ${q.code}: ${q.message}`,
  );
}

/**
 * With --require-pq: a classically verified bundle still fails unless the manifest and every
 * fidelity certificate in it carry a valid ML-DSA-87 signature.
 */
export function requirePqFailure(r: BundleReport): string | null {
  if (r.fatal) return null;
  const pq = r.pq ?? { code: 'BUNDLE_PQ_SIGNATURE_MISSING', message: 'the manifest has no ML-DSA-87 signature' };
  const notValid = [
    ...(r.pq?.state === 'valid' ? [] : [pq]),
    ...(r.pqReviews ?? []).filter((q) => q.state !== 'valid'),
  ];
  if (notValid.length === 0) return null;
  return notValid.map((x) => `NOT POST-QUANTUM VERIFIED (--require-pq) — ${x.code}: ${x.message}`).join('\n');
}

function locationText(loc: Record<string, string | number>): string {
  const parts = Object.entries(loc)
    .filter(([k]) => k !== 'expected' && k !== 'found')
    .map(([k, v]) => `${k} ${v}`);
  return parts.length ? ` at ${parts.join(', ')}` : '';
}

/** What `arx bundle verify --help` says about the auditor's trust directory (docs/bundle-format.md §5.1). */
export const TRUST_DIR_HELP = `The trust directory (--trust DIR) is yours, never taken from a bundle:
  DIR/anchors/            root CA certificates you trust (.pem .crt .cer .der); or the files directly in DIR
  DIR/intermediates/      optional: intermediate CA certificates
  DIR/crls/               optional: CRLs (DER or PEM) of your CAs; a signer's path needs a current CRL per CA
  DIR/policy-arcs.txt     optional: certificate policy OIDs a signer must assert, one per line
                          (default ARX_POLICY_ARCS, else the DoD arc 2.16.840.1.101.2.1.11)
  DIR/gateway-keys.txt    the gateway verifier keys you pin, one a line (also read from DIR/anchors/):
                          <name>+<key id, 8 hex>+<base64(0x01 || Ed25519 public key)>, # comments allowed
  DIR/witness-keys.txt    optional: the witnesses you trust (ISSO consoles), one vkey a line:
                          <name>+<key id, 8 hex>+<base64(0x04 || Ed25519 public key)> (cosignature/v1);
                          with --witness-key FILE … added; --require-witnesses K then needs K of them
                          to have cosigned the bundle's anchoring checkpoint (WITNESS_QUORUM_NOT_MET, exit 1)
Example:
  trust/anchors/dod-root-ca-3.pem
  trust/intermediates/dod-id-ca-59.pem
  trust/crls/dod-id-ca-59.crl
  trust/policy-arcs.txt        2.16.840.1.101.2.1.11.42
  trust/gateway-keys.txt       arx-gateway.alpha-command.1+6f1c2a9e+AcQ3...=
  trust/witness-keys.txt       isso-1.arx.example/witness+3b1f0e77+BGx9...=
Without gateway-keys.txt verification fails with GATEWAY_KEYS_UNPINNED: an exporter with a valid card
could forge a gateway key. --allow-unpinned-gateway-keys takes the bundle's keys instead, with a warning.

arx bundle verify --print-script writes verify.sh, the manual check built into this verifier (the
copy docs/verify.sh publishes, SHA-256 ${VERIFY_SH_SHA256}): sh verify.sh BUNDLE TRUST_DIR, with
the same trust directory, never a key from the bundle.`;

export const bundleVerify: CliCommand = {
  name: ['bundle', 'verify'],
  summary:
    'Verify an evidence bundle offline against your own trust directory and pinned gateway keys (no database, no card). Exit 0 verified, 1 a check failed, 2 not a usable bundle.',
  usage: `arx bundle verify FILE --trust DIR [--allow-unpinned-gateway-keys] [--require-pq] [--witness-key FILE …] [--require-witnesses K] ${OPEN_USAGE} [--json]\n       arx bundle verify --print-script\n\n${TRUST_DIR_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        trust: { type: 'string' },
        json: { type: 'boolean' },
        'allow-unpinned-gateway-keys': { type: 'boolean' },
        'require-pq': { type: 'boolean' },
        'print-script': { type: 'boolean' },
        'witness-key': { type: 'string', multiple: true },
        'require-witnesses': { type: 'string' },
        ...OPEN_OPTIONS,
      },
      strict: true,
      allowPositionals: true,
    });
    if (values['print-script']) {
      // Exactly the published bytes: out() adds the final newline back.
      io.out(VERIFY_SH.replace(/\n$/, ''));
      return EXIT_OK;
    }
    if (positionals.length !== 1)
      throw new ArxFailure('INVALID_REQUEST', 'Give exactly one bundle file.', { path: 'file' });
    if (!values.trust)
      throw new ArxFailure('INVALID_REQUEST', '--trust DIR (your own trust anchors) is required.', { path: 'trust' });
    const trust = withWitnesses(
      loadBundleTrust(values.trust, io.env, {
        allowUnpinnedGatewayKeys: values['allow-unpinned-gateway-keys'] === true,
      }),
      values['witness-key'] ?? [],
      int('require-witnesses', values['require-witnesses']) ?? 0,
    );
    const started = Date.now();
    let last = 0;
    let again = false;
    const opening = bundleOpeners(io, values);
    const { report, envelope } = await verifyPossiblyEncrypted(
      positionals[0]!,
      {
        trust,
        blake3: await loadBlake3(),
        onProgress: (p) => {
          const now = Date.now();
          if (now - last < 1000 && !(p.again && !again)) return;
          last = now;
          if (p.again && !again)
            io.err('something is not intact: verifying again on one thread, for the exact findings');
          again ||= p.again === true;
          io.err(
            `${again ? 'verifying again' : 'verifying'}: ${Math.floor((p.bytes / Math.max(1, p.total)) * 100)}%, ${p.events.toLocaleString('en-US')} events, ${((now - started) / 1000).toFixed(1)} s`,
          );
        },
      },
      { openers: opening.openers },
    ).finally(() => opening.close());
    if (envelope && !values.json) io.out(envelopeLine(envelope));
    io.out(
      values.json ? JSON.stringify(envelope ? { ...report, envelope } : report, null, 2) : formatBundleReport(report),
    );
    if (report.witnessing && !values.json) io.out(formatWitnessing(report.witnessing as WitnessVerdict));
    if (report.fatal) {
      if (values.json) io.err(`${report.fatal.code}: ${report.fatal.message}`);
      return EXIT_CANNOT_RUN;
    }
    const pqFailure = values['require-pq'] ? requirePqFailure(report) : null;
    if (pqFailure && values.json) io.err(pqFailure);
    else if (pqFailure) io.out(pqFailure);
    return report.ok && !pqFailure ? EXIT_OK : EXIT_CHECK_FAILED;
  },
};

/** The trust directory's witness keys, plus --witness-key files, and K of --require-witnesses. */
function withWitnesses(trust: BundleTrust, files: string[], required: number): BundleTrust {
  const witnesses = [...(trust.witnesses ?? []), ...files.flatMap(readWitnessKeys)];
  if (required > 0 && witnesses.length === 0)
    throw new ArxFailure(
      'INVALID_REQUEST',
      '--require-witnesses needs trusted witness keys: --witness-key FILE or witness-keys.txt in the trust directory.',
      { path: 'witness-key' },
    );
  return { ...trust, ...(witnesses.length ? { witnesses } : {}), requireWitnesses: required };
}

export const BUNDLE_CLI_COMMANDS: CliCommand[] = [bundleExport, bundleVerify, bundleKemKey];
