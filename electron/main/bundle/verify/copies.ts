import { bytesEqual, utf8 } from '../../../../shared/bytes';
import { schemaMemberName, VERIFY_SH_MEMBER, type BundleFinding } from '../../../../shared/bundle';
import { JSON_SCHEMAS, jsonSchemaText } from '../../../../shared/bundle/json-schemas';
import { VERIFY_SH } from '../verify-script';
import type { VerifyState } from './state';

/**
 * Version 2's copies of what ARX publishes: verify.sh and the JSON Schemas. They are informational
 * (the published copies are authoritative), so a copy that differs is a warning naming it, never a
 * reason to trust or run it; a missing one is a missing member.
 */
export function checkPublishedCopies(s: VerifyState, warnings: BundleFinding[]): void {
  if (s.version === 1) return;
  const expected: [string, string][] = [
    [VERIFY_SH_MEMBER, VERIFY_SH],
    ...Object.keys(JSON_SCHEMAS).map((n): [string, string] => [schemaMemberName(n), jsonSchemaText(n)]),
  ];
  for (const [name, text] of expected) {
    const got = s.small.get(name);
    if (!got) {
      s.checks.fail('members', 'BUNDLE_MEMBER_MISSING', `the bundle has no ${name} (format version 2 carries it)`, {
        member: name,
      });
      continue;
    }
    if (!bytesEqual(got, utf8(text)))
      warnings.push({
        code: 'BUNDLE_COPY_NOT_PUBLISHED',
        message: `${name} in the bundle is not the copy this verifier publishes: do not run or use it; take the published one (${name === VERIFY_SH_MEMBER ? 'arx bundle verify --print-script' : 'docs/schemas'})`,
        location: { member: name },
      });
  }
}
