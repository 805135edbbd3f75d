// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import type { Queryable } from '../controlplane/repos/queryable';
import { certificatesBySha } from '../controlplane/repos/operators';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';
import type { StreamResult } from './stream-verifier';
import { issue, type VerificationIssue } from './verification';
import { authenticateWriters, referencedCertificates, type OperatorCertificate } from './writer-auth';

/** The trust a verification authenticates console writers with (the auditor's anchors, never the database's). */
export interface WriterTrust {
  store: TrustStore;
  policy: ValidationPolicy;
}

/** The configured trust anchors as a WriterTrust; null when none are configured (the store throws). */
export function writerTrustOf(
  store: () => TrustStore,
  policy: ValidationPolicy | (() => ValidationPolicy),
): WriterTrust | null {
  try {
    return { store: store(), policy: typeof policy === 'function' ? policy() : policy };
  } catch {
    return null;
  }
}

/**
 * Writer authentication for the engine (docs/chain-format.md §8): the certificates the collected
 * events name, as enrolled in the control plane, each validated against `trust` at the time of
 * the verification; then every collected event judged. Without trust the enrolled
 * certificates are taken as they are, and a warning says so.
 */
export async function writerIssues(
  q: Queryable,
  streamed: StreamResult,
  trust: WriterTrust | null,
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const { rows, overflow, firstNamed } = streamed.writers;
  const named = referencedCertificates(rows);
  const enrolled = await certificatesBySha(q, [...named.keys()]);
  const certificates = new Map<string, OperatorCertificate>();
  const warnings: VerificationIssue[] = [];
  for (const c of enrolled) {
    if (trust) {
      // Validated now, with the CRLs held now: those describe the present, not an event's past time
      // (a CRL issued after an event does not cover it), and a card revoked since no longer vouches.
      const x = new X509Certificate(new Uint8Array(c.der));
      const v = await validateCertificate(x, trust.store, 'login', trust.policy);
      if (!v.ok) continue;
    }
    certificates.set(c.sha256, { operatorId: c.operatorId, der: c.der });
  }
  if (!trust && enrolled.length > 0)
    warnings.push(
      issue('EVENT_WRITER_CERTS_UNVALIDATED', 'no trust anchors: writers authenticated by enrolled certificates only', {
        seq: -1,
        count: enrolled.length,
      }),
    );
  const errors: VerificationIssue[] = [];
  for (const w of authenticateWriters(rows, certificates, firstNamed)) {
    const v = issue(w.code, w.message, { seq: w.seq, ...(w.found !== undefined ? { found: w.found } : {}) });
    (v.severity === 'warning' ? warnings : errors).push(v);
  }
  if (overflow > 0)
    errors.push(
      issue('EVENT_WRITER_UNAUTHENTICATED', `${overflow} more events that are not gateway events were not checked`, {
        seq: streamed.lastSeq ?? 0,
        count: overflow,
      }),
    );
  return { errors, warnings };
}
