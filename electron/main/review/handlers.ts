import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import type { reviewCommands } from '../../../shared/contract/domains/review';
import { openFidelityCertificate } from '../../../shared/review';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import { EvidenceCache } from '../cache/evidence';
import { exportForOpenssl } from './export';
import { ReviewService, type SealedDraft } from './fidelity-service';
import { queuedReviewTenant, REVIEW_OUTBOX_KIND, reviewDelivery } from './outbox-delivery';
import { ReverifyJobs } from './reverify-jobs';

/** Handlers for the commands in shared/contract/domains/review.ts (groups `decisions` and `review`). */
export function createReviewHandlers(deps: DomainDeps): DomainHandlers<typeof reviewCommands> {
  // Reviews signed offline: the outbox delivers them when the control plane is back (registered once).
  const cache = deps.cache;
  cache.outbox.register(
    REVIEW_OUTBOX_KIND,
    reviewDelivery(() => deps.controlPlane.requirePool()),
    { tenantOf: queuedReviewTenant },
  );
  const jobs = new ReverifyJobs({
    pool: () => deps.controlPlane.requirePool(),
    publish: (s) => deps.hub.publish('decisions.reverifyProgress', s),
  });
  const service = new ReviewService({
    pool: () => deps.controlPlane.requirePool(),
    session: () => deps.operatorAuth.session(),
    sign: (purpose, digest, pin) => deps.operatorAuth.sign(purpose, digest, pin),
    trustStore: deps.trustStore,
    policy: { policyArcs: deps.config.card.policyArcs, staleCrl: deps.config.card.staleCrl },
    reverifyResult: (jobId, owner) => jobs.finished(jobId, owner),
    offline: {
      connected: () => deps.controlPlane.status().state === 'connected',
      canQueue: () => cache.status().state === 'unlocked',
      enqueue: (payload, summary) => cache.outbox.enqueue(REVIEW_OUTBOX_KIND, payload, { summary }),
      // Not re-fetchable offline, but worthless after 15 minutes: evictable under size pressure.
      putDraft: (draftId, draft) => cache.put('review-draft', draftId, draft, { refetchable: true }),
      getDraft: (draftId) => cache.get<SealedDraft | { used: true }>('review-draft', draftId),
    },
  });
  // Session and roles in the request's tenant are checked by the registry (contract declarations).
  const operator = (): OperatorSession => requireOperator(deps.operatorAuth.session());
  const evidence = new EvidenceCache(deps);
  const envelopeOf = async (
    source: { kind: 'stored'; tenantId: string; id: string } | { kind: 'imported'; envelope: string },
  ) => (source.kind === 'stored' ? service.envelopeText(source.id, source.tenantId) : source.envelope);

  return {
    'decisions.reverifyStart': (req) => jobs.start(operator().operatorId, req),
    'decisions.reverifyStatus': (req) => jobs.status(req.jobId, operator().operatorId),
    'decisions.reverifyCancel': (req) => jobs.cancel(req.jobId, operator().operatorId),
    'decisions.reverifyResult': (req) => jobs.result(req.jobId, operator().operatorId),
    'review.prepare': (req) => service.prepare(req),
    'review.sign': (req) => service.sign(req),
    // Reads (list, get, verify) go through the evidence cache: sealed online, answered from it
    // (marked cached) when the control plane is unreachable, else OFFLINE_NOT_CACHED (cache/evidence.ts).
    'review.list': async (req) => {
      return evidence.read(
        'certificate',
        { q: 'review.list', tenantId: req.tenantId },
        async () => ({ certificates: await service.list(req) }),
        {
          what: "this tenant's list of fidelity certificates",
          location: { tenantId: req.tenantId },
        },
      );
    },
    'review.get': async (req) => {
      return evidence.read(
        'certificate',
        { q: 'review.get', tenantId: req.tenantId, id: req.id },
        async () => {
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
        },
        { what: 'this fidelity certificate', location: { tenantId: req.tenantId, id: req.id } },
      );
    },
    'review.verify': async (req) => {
      const src = req.source;
      const key =
        src.kind === 'stored'
          ? { q: 'review.verify', tenantId: src.tenantId, id: src.id }
          : { q: 'review.verify', envelopeSha256: createHash('sha256').update(src.envelope).digest('hex') };
      return evidence.read(
        'verification',
        key,
        async () => {
          const { report: _report, ...result } = await service.verify({ envelope: await envelopeOf(src) });
          void _report;
          return result;
        },
        {
          what: src.kind === 'stored' ? "this certificate's verification" : "this imported certificate's verification",
          location: src.kind === 'stored' ? { tenantId: src.tenantId, id: src.id } : { path: 'source.envelope' },
        },
      );
    },
    'review.export': async (req) => {
      const text = await envelopeOf(req.source);
      const verified = await service.verify({ envelope: text });
      if (!verified.report || !verified.certificate) {
        throw new ArxFailure(
          verified.code ?? 'REVIEW_ENVELOPE_INVALID',
          'The certificate cannot be exported: it does not parse.',
          {},
        );
      }
      const dir = join(deps.config.dataDir, 'exports', `review-${verified.certificate.id}`);
      return exportForOpenssl(text, verified.report, dir);
    },
  };
}
