import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFORMANCE_DIR, type VectorManifestEntry } from '../../vectors/generate';
import { VERIFY_SH_CODES, verifyShCovers } from '../../vectors/verify-sh-coverage';

/**
 * The published manual check (docs/verify.sh) over every conformance vector, with the real tools:
 * exit 0 on the valid ones, non-zero on each invalid one whose codes it covers
 * (test/vectors/verify-sh-coverage.ts), and exit 0 on the rest, which only `arx bundle verify`
 * finds (so that the list in docs/conformance/README.md stays exact).
 */
const SCRIPT = join(process.cwd(), 'docs/verify.sh');
const manifest = JSON.parse(readFileSync(join(CONFORMANCE_DIR, 'manifest.json'), 'utf8')) as {
  vectors: VectorManifestEntry[];
};

function runScript(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('sh', [SCRIPT, join(CONFORMANCE_DIR, 'vectors', file), join(CONFORMANCE_DIR, 'trust')], {
      env: { PATH: process.env.PATH },
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('verify.sh over the conformance vectors', () => {
  it('docs/conformance/README.md lists every code verify.sh covers', () => {
    const readme = readFileSync(join(CONFORMANCE_DIR, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## What verify.sh covers'));
    for (const code of VERIFY_SH_CODES) expect(section, code).toContain(`\`${code}\``);
  });

  describe.concurrent('each vector', () => {
    for (const v of manifest.vectors) {
      const expected = v.exit === 0 ? 'exit 0' : verifyShCovers(v.codes) ? 'fails' : 'exit 0 (left to arx)';
      it(`${v.file}: ${expected}`, async () => {
        const r = await runScript(v.file);
        if (expected === 'fails') {
          expect(r.code, r.out).toBe(1);
          expect(r.out, r.out).toMatch(/^FAIL /m);
        } else expect(r.code, r.out).toBe(0);
      }, 120_000);
    }
  });
});
