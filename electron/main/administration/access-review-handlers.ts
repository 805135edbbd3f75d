import { join } from 'node:path';
import { requireOperator } from '../../../shared/contract';
import type { adminCommands } from '../../../shared/contract/domains/admin';
import type { adminAccessReviewCommands } from '../../../shared/contract/domains/admin-access-review';
import type { DomainHandlers } from '../handlers/domain-deps';
import { accessReviewCsvText, accessReviewPage, exportAccessReviewCsv } from './access-review-pages';
import { AccessReviewVerifications } from './access-review-verify';
import type { AdminContext } from './handlers';

type Handlers = DomainHandlers<typeof adminAccessReviewCommands> &
  Pick<
    DomainHandlers<typeof adminCommands>,
    'admin.accessReview' | 'admin.accessReviewCsv' | 'admin.accessReviewExport'
  >;

/**
 * The access review: the whole of it (admin.accessReview, for the CLI and small control planes),
 * a page of it for the screen, its full verification as a job, and its CSV written a batch at a time.
 */
export function accessReviewHandlers(ctx: AdminContext): Handlers {
  const jobs = new AccessReviewVerifications({ pool: () => ctx.pool() });
  const owner = () => requireOperator(ctx.deps.operatorAuth.session()).operatorId;
  return {
    'admin.accessReview': () => ctx.review(),
    'admin.accessReviewCsv': async () => ({ csv: await accessReviewCsvText(ctx.pool()) }),
    'admin.accessReviewExport': () => exportAccessReviewCsv(ctx.pool(), join(ctx.deps.config.dataDir, 'exports')),
    'admin.accessReviewPage': async (req) => {
      const latest = jobs.latest(owner());
      const page = await accessReviewPage(ctx.pool(), req, latest?.flagged ?? []);
      const s = latest?.status;
      return {
        ...page,
        verifiedAll: s ? { jobId: s.jobId, finishedAt: s.finishedAt!, checked: s.checked, problems: s.problems } : null,
      };
    },
    'admin.accessReviewVerifyStart': () => jobs.start(owner()),
    'admin.accessReviewVerifyStatus': ({ jobId }) => jobs.status(jobId, owner()),
    'admin.accessReviewVerifyCancel': ({ jobId }) => jobs.cancel(jobId, owner()),
  };
}
