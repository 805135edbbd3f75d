import { createHash } from 'node:crypto';
import { VERIFY_SH } from './verify-script';

export interface VerifyMdFacts {
  tenantId: string;
  tenantSlug: string;
  from: number;
  to: number;
}

/** The SHA-256 of verify.sh as ARX publishes it (docs/bundle-format.md §6). */
export const VERIFY_SH_SHA256 = createHash('sha256').update(VERIFY_SH).digest('hex');

/**
 * VERIFY.md: how to re-check this bundle by hand, without ARX: verify.sh (POSIX sh, openssl,
 * sha256sum, b3sum, tar), carried here for convenience only. The auditor runs the copy ARX
 * publishes (or `arx bundle verify --print-script`) and compares SHA-256s: a tamperer replaces
 * this copy too.
 */
export function verifyMd(f: VerifyMdFacts): string {
  return `# Verifying this ARX evidence bundle by hand

Tenant \`${f.tenantSlug}\` (\`${f.tenantId}\`), events seq ${f.from} … ${f.to}. Format: ARX bundle
version 1 (docs/bundle-format.md of ARX Console).

Run the manual check, \`verify.sh\`, on the bundle file with **your own** trust directory:

    sh verify.sh BUNDLE.arxbundle TRUST_DIR

TRUST_DIR holds \`anchors/\` (your root CA certificates), optional \`intermediates/\`, \`crls/\` and
\`policy-arcs.txt\`, and \`gateway-keys.txt\`: the gateway verifier keys you pin. Nothing in the bundle
is trusted. The script needs a POSIX shell and utilities, \`openssl\` 3, \`sha256sum\`, \`b3sum\` and
\`tar\`; it prints one line per check (\`OK\` or \`FAIL\`) and exits 0 only when every check holds.

**Do not run the copy below without checking it.** Whoever could change this bundle could change
this page. Use the copy ARX publishes (docs/verify.sh, whose SHA-256 docs/bundle-format.md gives)
or the one built into the verifier (\`arx bundle verify --print-script > verify.sh\`). This copy's
SHA-256, which must equal the published one:

    ${VERIFY_SH_SHA256}

\`\`\`sh
${VERIFY_SH}\`\`\`
`;
}
