import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import type { reviewCommands } from '../../../shared/contract/domains/review';
import { openFidelityCertificate } from '../../../shared/review';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import { notCachedHere } from '../cache/offline';
import { exportForOpenssl } from './export';
import { ReviewService, type SealedDraft } from './fidelity-service';
import { queuedReviewTenant, REVIEW_OUTBOX_KIND, reviewDelivery } from './outbox-delivery';
import { ReverifyJobs } from './reverify-jobs';

/** Handlers for the commands in shared/contract/domains/review.ts (groups `decisions` and `review`). */
export function createReviewHandlers(deps: DomainDeps): DomainHandlers<typeof reviewCommands> {
  // Reviews signed offline: the outbox delivers them when the control plane is back (registered once).
  deps.cache.outbox.register(
    REVIEW_OUTBOX_KIND,
    reviewDelivery(() => deps.controlPlane.requirePool()),
    { tenantOf: queuedReviewTenant },
  );
  const jobs = new ReverifyJobs({
    pool: () => deps.controlPlane.requirePool(),
    publish: (s) => deps.hub.publish('decisions.reverifyProgress', s),
  });
  const service = createReviewService(deps, jobs);
  // Session and roles in the request's tenant are checked by the registry (contract declarations).
  const operator = (): OperatorSession => requireOperator(deps.operatorAuth.session());
  describeOfflineReview(deps);
  const envelopeOf = async (source: CertificateSource) =>
    source.kind === 'stored' ? service.envelopeText(source.id, source.tenantId) : source.envelope;

  return {
    'decisions.reverifyStart': (req) => jobs.start(operator().operatorId, req),
    'decisions.reverifyStatus': (req) => jobs.status(req.jobId, operator().operatorId),
    'decisions.reverifyCancel': (req) => jobs.cancel(req.jobId, operator().operatorId),
    'decisions.reverifyResult': (req) => jobs.result(req.jobId, operator().operatorId),
    'review.prepare': (req) => service.prepare(req),
    'review.sign': (req) => service.sign(req),
    'review.list': async (req) => {
      return { certificates: await service.list(req) };
    },
    'review.get': (req) => storedCertificate(service, req),
    'review.verify': async (req) => {
      const src = req.source;
      const envelope = await envelopeOf(src);
      const { report: _report, ...result } = await service.verify({ envelope, requirePq: req.requirePq === true });
      void _report;
      return result;
    },
    'review.export': async (req) => exportCertificate(service, await envelopeOf(req.source), deps.config.dataDir),
  };
}

type CertificateSource = { kind: 'stored'; tenantId: string; id: string } | { kind: 'imported'; envelope: string };

function createReviewService(deps: DomainDeps, jobs: ReverifyJobs): ReviewService {
  const cache = deps.cache;
  return new ReviewService({
    pool: () => deps.controlPlane.requirePool(),
    session: () => deps.operatorAuth.session(),
    sign: (purpose, digest, pin) => deps.operatorAuth.sign(purpose, digest, pin),
    eventWriter: () => deps.operatorAuth.eventWriter(),
    trustStore: deps.trustStore,
    policy: { policyArcs: deps.config.card.policyArcs, staleCrl: deps.config.card.staleCrl },
    reverifyResult: (jobId, owner) => jobs.finished(jobId, owner),
    companion: () => deps.companion.current(),
    offline: {
      writes: deps.offline.writes,
      enqueue: (payload, summary) => deps.offline.writes.enqueue(REVIEW_OUTBOX_KIND, payload, summary),
      // Not re-fetchable offline, but worthless after 15 minutes: evictable under size pressure.
      putDraft: (draftId, draft) => cache.put('review-draft', draftId, draft, { refetchable: true }),
      getDraft: (draftId) => cache.get<SealedDraft | { used: true }>('review-draft', draftId),
    },
  });
}

/** Lists, certificates and verifications are declared offline: 'cache' (shared/contract). */
function describeOfflineReview(deps: DomainDeps): void {
  deps.offline.describe({
    'review.list': {
      kind: 'certificate',
      key: (req) => ({ q: 'review.list', tenantId: req.tenantId }),
      notCached: (req) => notCachedHere("this tenant's list of fidelity certificates", { tenantId: req.tenantId }),
    },
    'review.get': {
      kind: 'certificate',
      key: (req) => ({ q: 'review.get', tenantId: req.tenantId, id: req.id }),
      notCached: (req) => notCachedHere('this fidelity certificate', { tenantId: req.tenantId, id: req.id }),
    },
    'review.verify': {
      kind: 'verification',
      key: ({ source: src, requirePq }) => ({
        ...(src.kind === 'stored'
          ? { q: 'review.verify', tenantId: src.tenantId, id: src.id }
          : { q: 'review.verify', envelopeSha256: createHash('sha256').update(src.envelope).digest('hex') }),
        ...(requirePq ? { requirePq: true } : {}),
      }),
      notCached: ({ source: src }) =>
        src.kind === 'stored'
          ? notCachedHere("this certificate's verification", { tenantId: src.tenantId, id: src.id })
          : notCachedHere("this imported certificate's verification", { path: 'source.envelope' }),
    },
  });
}

async function storedCertificate(service: ReviewService, req: { tenantId: string; id: string }) {
  const envelope = await service.envelopeText(req.id, req.tenantId);
  const opened = openFidelityCertificate(envelope);
  if (!opened.ok)
    throw new ArxFailure(opened.code, `The stored certificate does not parse: ${opened.message}`, {
      path: opened.path,
    });
  const [summary] = (await service.list({ tenantId: req.tenantId })).filter((c) => c.id === req.id);
  if (!summary)
    throw new ArxFailure('REVIEW_NOT_FOUND', `No fidelity certificate ${req.id} in this tenant.`, {
      id: req.id,
    });
  return { envelope, statement: opened.statement, summary };
}

async function exportCertificate(service: ReviewService, text: string, dataDir: string) {
  const verified = await service.verify({ envelope: text });
  if (!verified.report || !verified.certificate) {
    throw new ArxFailure(
      verified.code ?? 'REVIEW_ENVELOPE_INVALID',
      'The certificate cannot be exported: it does not parse.',
      {},
    );
  }
  const dir = join(dataDir, 'exports', `review-${verified.certificate.id}`);
  return exportForOpenssl(text, verified.report, dir);
}
