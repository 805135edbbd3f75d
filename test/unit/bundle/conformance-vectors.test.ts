import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR, generate, type VectorManifestEntry } from '../../vectors/generate';
import { runVector } from '../../vectors/run';

const manifest = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'manifest.json'), 'utf8')) as {
  vectors: VectorManifestEntry[];
};

describe('bundle conformance vectors (docs/conformance)', () => {
  it('has valid vectors and at least 40 invalid ones, in every tamper class', () => {
    const invalid = manifest.vectors.filter((v) => v.exit !== 0);
    expect(manifest.vectors.some((v) => v.exit === 0)).toBe(true);
    // Format version 1 stays verifiable: its fixture is among the valid vectors.
    expect(manifest.vectors.find((v) => v.file === 'valid-v1.arxbundle')?.exit).toBe(0);
    expect(invalid.length).toBeGreaterThanOrEqual(40);
    const classes = new Set(invalid.map((v) => v.class));
    for (const c of [
      'members',
      'manifest',
      'signatures',
      'checkpoints',
      'proofs',
      'events',
      'links',
      'policies',
      'reviews',
      'certificates',
      'limits',
    ])
      expect(classes, c).toContain(c);
    for (const v of invalid) expect(v.codes.length, v.file).toBeGreaterThan(0);
  });

  it('regenerating from the seed reproduces the committed bytes', () => {
    const { files, manifest: text } = generate();
    expect(text).toBe(readFileSync(join(CONFORMANCE_DIR, 'manifest.json'), 'utf8'));
    for (const [name, bytes] of files) {
      const committed = new Uint8Array(readFileSync(join(CONFORMANCE_DIR, 'vectors', name)));
      expect(Buffer.compare(Buffer.from(bytes), committed), name).toBe(0);
    }
  });

  for (const v of manifest.vectors)
    it(`${v.file}: exit ${v.exit}, ${v.codes.join(' ') || 'no findings'}`, async () => {
      const got = await runVector(CONFORMANCE_DIR, v.file);
      expect({ exit: got.exit, codes: got.codes }).toEqual({ exit: v.exit, codes: v.codes });
      if (v.exit !== 2) expect(got.warnings).toEqual(v.warnings);
    });
});
