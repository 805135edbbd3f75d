import type { Queryable } from '../controlplane/repos/queryable';
import { certificatesForReview, grantsForReview } from '../controlplane/repos/administration';
import { grantChecks } from '../pki/grant-signatures';
import { issue, type VerificationIssue } from './verification';

/** At most this many grants are named in a warning's details; the count says how many there are. */
const LISTED = 20;

/**
 * The tenant's role grants against the administrators' card signatures (docs/chain-format.md
 * §5.1): a signature that does not verify now is an error; grants without one are a warning, the
 * first administrators made by the DBA at bootstrap (recorded so in the chain) apart from the rest
 * (a demo seeding, a superuser's insert), which should have been signed.
 */
export async function grantIssues(
  q: Queryable,
  tenantId: string,
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const grants = (await grantsForReview(q)).filter((g) => g.tenantId === tenantId);
  if (grants.length === 0) return { errors: [], warnings: [] };
  const certs = await certificatesForReview(q);
  const errors: VerificationIssue[] = [];
  const unsigned: string[] = [];
  const bootstrap: string[] = [];
  for (const g of grants) {
    const { grant, approval } = grantChecks(g, certs);
    const who = `${g.role} of ${g.edipi}`;
    if (grant === 'bootstrap') bootstrap.push(who);
    else if (grant === 'invalid' || approval === 'invalid')
      errors.push(
        issue('GRANT_SIGNATURE_INVALID', `the card signature on the grant of ${who} does not verify`, {
          seq: -1,
          found: grant === 'invalid' ? 'grant' : 'approval',
          operatorId: g.operatorId,
          edipi: g.edipi,
          role: g.role,
          grantedBy: g.grantedBy,
          approvedBy: g.approvedBy,
        }),
      );
    else if (grant === 'missing' || approval === 'missing') unsigned.push(who);
  }
  const summary = (code: 'GRANT_UNSIGNED' | 'GRANT_BOOTSTRAP_RECORDED', list: string[], what: string) =>
    issue(code, `${list.length} role grant(s) ${what}`, { seq: -1, count: list.length, grants: list.slice(0, LISTED) });
  const warnings = [
    ...(bootstrap.length ? [summary('GRANT_BOOTSTRAP_RECORDED', bootstrap, 'made by the DBA at bootstrap')] : []),
    ...(unsigned.length ? [summary('GRANT_UNSIGNED', unsigned, 'carry no administrator signature')] : []),
  ];
  return { errors, warnings };
}
