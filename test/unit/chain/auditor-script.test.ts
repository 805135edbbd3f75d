import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChainBuilder, genesisHash, nobleBlake3 } from '../../../shared/chain';
import { leafHash, MerkleTree } from '../../../shared/merkle';
import { openArxCheckpoint, parseVerifierKey } from '../../../shared/checkpoint';
import { toBase64, toHex, utf8 } from '../../../shared/bytes';
import { repoRoot } from './paths';

// docs/chain-format.md is normative: its hand-recomputation script must run with the real tools
// (bash, b3sum, coreutils, openssl — installed by .ci/run) and agree with the library, and its
// tables must show the same values.
const doc = readFileSync(path.join(repoRoot, 'docs', 'chain-format.md'), 'utf8');
const script = /<!-- auditor-script:begin -->\n```bash\n([\s\S]*?)```\n<!-- auditor-script:end -->/.exec(doc)?.[1];
const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const events = [...doc.matchAll(/^event \d: (\{.*\})$/gm)].map((m) => m[1]!);

function library(): { v: Record<string, string>; tree: MerkleTree } {
  const chain = new ChainBuilder(nobleBlake3, { tenantId: TENANT });
  const tree = new MerkleTree();
  const v: Record<string, string> = { G: toHex(genesisHash(nobleBlake3, TENANT)) };
  events.forEach((e, i) => {
    const r = chain.append(utf8(e));
    tree.append(r.hash);
    Object.assign(v, { [`D${i}`]: toHex(r.digest), [`H${i}`]: toHex(r.hash), [`L${i}`]: toHex(leafHash(r.hash)) });
  });
  return { v: { ...v, ROOT2: toHex(tree.root(2)), ROOT3: toHex(tree.root(3)) }, tree };
}

describe('docs/chain-format.md', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'arx-auditor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has the script and the three example events', () => {
    expect(script).toBeDefined();
    expect(events).toHaveLength(3);
  });

  it('its script, run with bash, b3sum, sha256sum and openssl, reproduces the library values and verifies the checkpoint', () => {
    writeFileSync(path.join(dir, 'recompute.sh'), script!);
    const out = execFileSync('bash', ['recompute.sh'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
    });
    const got = Object.fromEntries(
      out
        .trim()
        .split('\n')
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const { v } = library();
    for (const [name, value] of Object.entries(v)) expect(got[name], name).toBe(value);
    expect(got.CHECKPOINT_ROOT).toBe(v.ROOT3);
    expect(got.CHECKPOINT_HEAD).toBe(v.H2);
    expect(got.KEY_ID).toMatch(/^([0-9a-f]{8}) \(vkey says \1\)$/);
    expect(got.SIGNATURE).toBe('Signature Verified Successfully');
  });

  it('its tables show the library values', () => {
    const { v } = library();
    const row = (label: string) =>
      new RegExp(`^\\| ${label.replace(/[()]/g, '\\$&')} \\| \`([0-9a-f]{64})\` \\|$`, 'm').exec(doc)?.[1];
    expect(row('G')).toBe(v.G);
    for (const i of [0, 1, 2]) {
      expect(row(`d_${i}`), `d_${i}`).toBe(v[`D${i}`]);
      expect(row(`h_${i}`), `h_${i}`).toBe(v[`H${i}`]);
    }
    expect(row('leaf 0 = SHA-256(0x00 ‖ h_0)')).toBe(v.L0);
    expect(row('leaf 1')).toBe(v.L1);
    expect(row('leaf 2')).toBe(v.L2);
    expect(row('root of size 2 = SHA-256(0x01 ‖ leaf 0 ‖ leaf 1)')).toBe(v.ROOT2);
    expect(row('root of size 3 = SHA-256(0x01 ‖ root of size 2 ‖ leaf 2)')).toBe(v.ROOT3);
  });

  it('its checkpoint opens with its verifier key, and its offline proof hashes are the real ones', () => {
    const note = /```\n(arx\.gateway\/[^\n]+\n3\n[\s\S]*?\n— [^\n]+\n)```/.exec(doc)?.[1];
    const vkey = /^verifier key: (\S+)$/m.exec(doc)?.[1];
    const key = parseVerifierKey(vkey ?? '');
    expect(key.ok).toBe(true);
    if (!key.ok || !note) throw new Error('example missing');
    const opened = openArxCheckpoint(note, [key.value], { tenantId: TENANT });
    expect(opened.ok).toBe(true);
    const { tree } = library();
    expect(opened.ok && toHex(opened.value.checkpoint.root)).toBe(toHex(tree.root(3)));
    const proofLines = /c2sp\.org\/tlog-proof@v1\nindex 0\n([^\n]+)\n([^\n]+)\n/.exec(doc);
    expect(proofLines?.slice(1, 3)).toEqual(tree.inclusionProof(0, 3).map(toBase64));
  });
});
