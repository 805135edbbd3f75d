import { BUNDLE_CHECKS, type BundleCheckId, type BundleFinding, type BundleReport } from '../../../../shared/bundle';

/** Findings per check, in the order they were found; beyond `max` a check only counts them. */
export class Checks {
  private readonly results = new Map<BundleCheckId, { checked: number; findings: BundleFinding[]; omitted: number }>();
  constructor(private readonly max: number) {
    for (const c of BUNDLE_CHECKS) this.results.set(c.id, { checked: 0, findings: [], omitted: 0 });
  }
  count(id: BundleCheckId, n = 1): void {
    this.results.get(id)!.checked += n;
  }
  fail(id: BundleCheckId, code: string, message: string, location: Record<string, string | number>): void {
    const r = this.results.get(id)!;
    if (r.findings.length < this.max) r.findings.push({ code, message, location });
    else r.omitted++;
  }
  report() {
    return BUNDLE_CHECKS.map((c) => {
      const r = this.results.get(c.id)!;
      return {
        id: c.id,
        label: c.label,
        ok: r.findings.length === 0 && r.omitted === 0,
        checked: r.checked,
        findings: r.findings,
        omitted: r.omitted,
      };
    });
  }
}

export function emptyReport(bytes: number, compressed: boolean): BundleReport {
  return {
    ok: false,
    fatal: null,
    format: null,
    summary: {
      tenantId: null,
      tenantSlug: null,
      from: null,
      to: null,
      events: 0,
      eventBytes: 0,
      checkpoints: 0,
      policyVersions: 0,
      reviews: 0,
      certificates: 0,
      crls: 0,
      signer: null,
      createdAt: null,
      classification: null,
      bytes,
      compressed,
    },
    checks: [],
    warnings: [],
  };
}
