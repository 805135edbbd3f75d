import {
  authenticateWriters,
  bootstrapRecords,
  referencedCertificates,
  WRITER_WARNINGS,
  type OperatorCertificate,
} from '../../pki/writer-auth';
import { validateWriterCertificate, type WriterTrust } from '../../chain/writer-check';
import type { BundleFinding } from '../../../../shared/bundle';
import { cardIdentity } from '../../pki/identity';
import type { VerifyState } from './state';

/**
 * Event writers (docs/bundle-format.md §5, check 10; docs/chain-format.md §8): every console or
 * administration event carries a valid card signature by the certificate its `arxcert` names,
 * which the bundle carries and which validates against the auditor's anchors for login (validity
 * at the event's time, revocation with the CRLs held now); and every operator id is signed for by
 * one person throughout the bundle, the one the manifest and the policy enrolments bind it to.
 */
export async function checkWriters(
  s: VerifyState,
  exporter: { operatorId: string; edipi: string } | null,
  warnings: BundleFinding[],
): Promise<void> {
  const { rows, overflow, firstNamed } = s.writers;
  s.checks.count('writers', s.events.count);
  const trust: WriterTrust = {
    store: {
      anchors: s.opts.trust.store.anchors,
      intermediates: [...s.opts.trust.store.intermediates, ...[...s.certs.values()].map((c) => c.x)],
      crls: [...s.opts.trust.store.crls, ...s.crls],
    },
    policy: s.opts.trust.policy,
  };
  const certificates = new Map<string, OperatorCertificate>();
  const refused = new Map<string, string>();
  const edipiOf = new Map<string, string | null>();
  for (const [sha, span] of referencedCertificates(rows)) {
    const c = s.certs.get(sha);
    if (!c) {
      refused.set(sha, 'SIGNER_CERT_MISSING');
      continue;
    }
    const v = await validateWriterCertificate(c.der, trust, span);
    if (!v.ok) refused.set(sha, v.code);
    else {
      certificates.set(sha, { operatorId: null, der: c.der, window: v.window });
      edipiOf.set(sha, v.edipi);
    }
  }
  // The system chain's bootstrap records, when the bundle starts at seq 0, below its first verified checkpoint.
  const first = s.checkpoints.filter((c) => c.verified).reduce((m, c) => Math.min(m, c.size), Number.MAX_SAFE_INTEGER);
  const issues = authenticateWriters(rows, certificates, firstNamed, { bootstrap: bootstrapRecords(rows, first) });
  const judged = new Set(issues.map((i) => i.seq));
  const all = [...issues, ...bindingIssues(s, rows, judged, edipiOf, exporter)].sort((a, b) => a.seq - b.seq);
  // The first row of each seq, as a lookup: a linear search per finding was quadratic in the rows kept.
  const rowAt = new Map<number, { bytes: Uint8Array }>();
  for (const r of rows) if (!rowAt.has(r.seq)) rowAt.set(r.seq, r);
  for (const i of all) {
    const location = { member: 'events.bin', seq: i.seq, ...(i.found !== undefined ? { found: i.found } : {}) };
    const reason = refused.get(certOf(rowAt.get(i.seq)?.bytes) ?? '');
    if (WRITER_WARNINGS.has(i.code)) warnings.push({ code: i.code, message: i.message, location });
    else s.checks.fail('writers', i.code, i.message, reason ? { ...location, reason } : location);
  }
  if (overflow > 0)
    s.checks.fail('writers', 'EVENT_WRITER_UNAUTHENTICATED', `${overflow} more console events were not checked`, {
      member: 'events.bin',
      seq: s.events.lastSeq,
    });
}

const CERT = /"arxcert":"([0-9a-f]{64})"/;
const WRITER = /"arxwriter":"operator\/([0-9a-f-]{36})"/;
const certOf = (bytes: Uint8Array | undefined) =>
  bytes ? CERT.exec(Buffer.from(bytes).toString('latin1'))?.[1] : null;

/**
 * One person per operator id: the EDIPI the manifest's exporter or a policy enrolment binds it to,
 * else the one of its first authenticated event; an authenticated event signed by anyone else is
 * EVENT_WRITER_UNAUTHENTICATED.
 */
function bindingIssues(
  s: VerifyState,
  rows: readonly { seq: number; bytes: Uint8Array }[],
  judged: ReadonlySet<number>,
  edipiOf: ReadonlyMap<string, string | null>,
  exporter: { operatorId: string; edipi: string } | null,
) {
  const bound = new Map<string, string>();
  if (exporter) bound.set(exporter.operatorId, exporter.edipi);
  for (const p of s.policies.values())
    for (const e of p.meta?.enrolments ?? []) {
      const c = s.certs.get(e.certificateSha256);
      const edipi = c ? edipiOfCertificate(c.x) : null;
      if (edipi && !bound.has(e.operatorId)) bound.set(e.operatorId, edipi);
    }
  const out: { code: 'EVENT_WRITER_UNAUTHENTICATED'; seq: number; message: string; found: string }[] = [];
  for (const r of rows) {
    if (judged.has(r.seq)) continue;
    const text = Buffer.from(r.bytes).toString('latin1');
    const op = WRITER.exec(text)?.[1];
    const sha = CERT.exec(text)?.[1];
    const edipi = sha ? edipiOf.get(sha) : undefined;
    if (!op || !edipi) continue;
    const expected = bound.get(op);
    if (expected === undefined) bound.set(op, edipi);
    else if (expected !== edipi)
      out.push({
        code: 'EVENT_WRITER_UNAUTHENTICATED',
        seq: r.seq,
        message: `the event names operator ${op}, whom this bundle binds to EDIPI ${expected}, but is signed by the card of EDIPI ${edipi}`,
        found: `operator/${op}`,
      });
  }
  return out;
}

function edipiOfCertificate(x: Parameters<typeof cardIdentity>[0]): string | null {
  try {
    return cardIdentity(x).edipi;
  } catch {
    return null;
  }
}
