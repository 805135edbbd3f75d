import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../electron/main/shell/csp';

const NONCE = 'q83vEjRWeJq83vEjRWeJqw==';
const directives = (csp: string) =>
  new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)] as const));

describe('renderer Content-Security-Policy', () => {
  const csp = contentSecurityPolicy(NONCE);
  const d = directives(csp);

  it("starts from default-src 'none'", () => {
    expect(csp.startsWith("default-src 'none'")).toBe(true);
  });

  it("connects nowhere: connect-src 'none'", () => {
    expect(d.get('connect-src')).toEqual(["'none'"]);
  });

  it("runs only the app's own scripts: script-src 'self' and nothing else", () => {
    expect(d.get('script-src')).toEqual(["'self'"]);
  });

  it('never allows eval, inline scripts, wasm-eval or remote hosts', () => {
    expect(csp).not.toMatch(/unsafe-eval|wasm-unsafe-eval|unsafe-hashes|strict-dynamic/);
    expect(d.get('script-src')).not.toContain("'unsafe-inline'");
    expect(csp).not.toMatch(/https?:|wss?:|\*/);
  });

  it('allows styles only from the app and the per-response nonce', () => {
    expect(d.get('style-src')).toEqual(["'self'", `'nonce-${NONCE}'`]);
  });

  it('forbids framing, plugins, forms and base rewriting', () => {
    for (const name of ['object-src', 'frame-src', 'child-src', 'frame-ancestors', 'base-uri', 'form-action']) {
      expect(d.get(name), name).toEqual(["'none'"]);
    }
  });

  it('names every directive once', () => {
    const names = csp.split('; ').map((x) => x.split(' ')[0]);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    "abc'; script-src *",
    'short',
    '',
    'a b c d e f g h i j',
    'AAAAAAAAAAAAAAAA;',
    "'nonce-x'",
    'AAAAAAAAAAAAAAAAAAAA\n',
  ])('refuses the nonce %j', (bad) => {
    expect(() => contentSecurityPolicy(bad)).toThrow(/nonce/);
  });
});
