import { TRAILER, type Manifest } from '../../../../shared/bundle';
import type { Fatal } from './manifest';
import type { VerifyState } from './state';

/**
 * The members against the signed manifest: the tar holds the listed members in the manifest's
 * order, then the trailer; each with the listed size and digests. A reordering is fatal.
 */
export function checkMembers(s: VerifyState, manifest: Manifest): Fatal | null {
  const fatal = reordered(s, manifest);
  if (fatal) return fatal;
  for (const [i, m] of manifest.members.entries()) {
    s.checks.count('members');
    const got = s.seen.get(m.name);
    if (!got) {
      s.checks.fail(
        'members',
        'BUNDLE_MEMBER_MISSING',
        `member "${m.name}" is listed in the manifest but not in the bundle`,
        {
          member: m.name,
          index: i,
        },
      );
      continue;
    }
    if (got.size !== m.size)
      s.checks.fail(
        'members',
        'BUNDLE_MEMBER_SIZE_MISMATCH',
        `member "${m.name}" has ${got.size} bytes, the manifest says ${m.size}`,
        {
          member: m.name,
        },
      );
    else if (got.sha256 !== m.sha256 || got.blake3 !== m.blake3) {
      s.checks.fail(
        'members',
        'BUNDLE_MEMBER_DIGEST_MISMATCH',
        `member "${m.name}" does not hash to the manifest's digests: it was changed`,
        { member: m.name, expected: m.sha256, found: got.sha256 },
      );
    }
  }
  const listed = new Set(manifest.members.map((m) => m.name));
  for (const m of s.order) {
    if (!listed.has(m.name) && !(TRAILER as readonly string[]).includes(m.name))
      s.checks.fail('members', 'BUNDLE_MEMBER_UNLISTED', `member "${m.name}" is not listed in the signed manifest`, {
        member: m.name,
        index: m.index,
      });
  }
  // consistency.json is checked when it is read; without it nothing would say the proofs are missing.
  for (const t of [...TRAILER, 'consistency.json'])
    if (!s.seen.has(t)) s.checks.fail('members', 'BUNDLE_MEMBER_MISSING', `the bundle has no ${t}`, { member: t });
  checkSums(s, manifest);
  checkRange(s, manifest);
  if (s.small.get('ARX-BUNDLE') === undefined)
    s.checks.fail('members', 'BUNDLE_MEMBER_MISSING', 'the bundle has no ARX-BUNDLE marker', { member: 'ARX-BUNDLE' });
  return null;
}

/** The first member that is not where the manifest lists it, among those both have. */
function reordered(s: VerifyState, manifest: Manifest): Fatal | null {
  const expectedOrder = [...manifest.members.map((m) => m.name), ...TRAILER];
  const actualOrder = s.order.map((m) => m.name);
  const expectedSet = new Set(expectedOrder);
  const exp = expectedOrder.filter((n) => s.seen.has(n));
  const act = actualOrder.filter((n) => expectedSet.has(n));
  const k = act.findIndex((n, i) => n !== exp[i]);
  const firstDiff = k < 0 ? -1 : actualOrder.indexOf(act[k]!);
  if (firstDiff < 0) return null;
  return {
    code: 'BUNDLE_MEMBER_ORDER',
    message: `member "${actualOrder[firstDiff]}" is not where the manifest lists it: the members were reordered`,
    location: { member: actualOrder[firstDiff]!, index: firstDiff },
  };
}

/** SHA256SUMS and B3SUMS list exactly the manifest's members before them, with their digests. */
function checkSums(s: VerifyState, manifest: Manifest): void {
  const sumsOf = (field: 'sha256' | 'blake3', upTo: string) => {
    const members: { name: string; sha256: string; blake3: string }[] = [];
    for (const m of manifest.members) {
      if (m.name === upTo) break;
      members.push(m);
    }
    return members.map((m) => `${m[field]}  ${m.name}\n`).join('');
  };
  for (const [name, field] of [
    ['SHA256SUMS', 'sha256'],
    ['B3SUMS', 'blake3'],
  ] as const) {
    const got = s.small.get(name);
    if (got && new TextDecoder().decode(got) !== sumsOf(field, 'SHA256SUMS'))
      s.checks.fail(
        'members',
        'BUNDLE_SUMS_MISMATCH',
        `${name} does not list exactly the manifest's members and digests`,
        {
          member: name,
        },
      );
  }
}

/** range.json says what the manifest says. */
function checkRange(s: VerifyState, manifest: Manifest): void {
  const r = s.range;
  if (!r) {
    s.checks.fail('members', 'BUNDLE_MEMBER_MISSING', 'the bundle has no valid range.json', { member: 'range.json' });
    return;
  }
  if (
    r.tenantId !== manifest.tenant.id ||
    r.from !== manifest.range.from ||
    r.to !== manifest.range.to ||
    r.count !== manifest.range.count ||
    r.count !== r.to - r.from + 1
  ) {
    s.checks.fail(
      'members',
      'MANIFEST_RANGE_MISMATCH',
      'range.json and the manifest disagree on the tenant or the range',
      {
        member: 'range.json',
      },
    );
  }
}
