import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/main/cli/arx';
import { VERIFY_SH_SHA256, verifyMd } from '../../../electron/main/bundle/verify-md';
import { VERIFY_SH } from '../../../electron/main/bundle/verify-script';

/**
 * One verify.sh: the published copy (docs/verify.sh), the one built into the verifier
 * (`arx bundle verify --print-script`), the one each bundle's VERIFY.md carries, and the SHA-256
 * docs/bundle-format.md publishes are the same bytes.
 */
const published = readFileSync(join(process.cwd(), 'docs/verify.sh'), 'utf8');
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

describe('verify.sh', () => {
  it('the built-in copy is docs/verify.sh byte for byte (node build/verify-script.mjs regenerates it)', () => {
    expect(VERIFY_SH).toBe(published);
    expect(VERIFY_SH_SHA256).toBe(sha(published));
  });

  it('docs/bundle-format.md publishes its SHA-256', () => {
    expect(readFileSync(join(process.cwd(), 'docs/bundle-format.md'), 'utf8')).toContain(
      `SHA-256 of docs/verify.sh: \`${sha(published)}\``,
    );
  });

  it('arx bundle verify --print-script writes exactly those bytes', async () => {
    let out = '';
    const code = await runCli(['bundle', 'verify', '--print-script'], {
      out: (t) => (out += `${t}\n`),
      err: () => {},
      env: {},
      readStdin: async () => '',
    });
    expect(code).toBe(0);
    expect(sha(out)).toBe(sha(published));
  });

  it("VERIFY.md carries the same copy and its SHA-256, and warns that it is the bundle's own", () => {
    const md = verifyMd({ tenantId: '00000000-0000-4000-8000-000000000000', tenantSlug: 't', from: 0, to: 9 });
    expect(md).toContain(`\`\`\`sh\n${published}\`\`\``);
    expect(md).toContain(sha(published));
    expect(md).toContain('Do not run the copy below without checking it.');
  });
});
