import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appProtocolResponse, toFetchResponse } from '../../../electron/main/shell/app-protocol';
import { serveRendererAsset } from '../../../electron/main/shell/renderer-assets';

/**
 * A built renderer in a temp dir, next to a secret that must never be served:
 *   <tmp>/secret.txt
 *   <tmp>/root/{index.html, assets/app.js, assets/style.css, link-out → ../secret.txt, dir-out → ..}
 */
let base: string;
let root: string;
const SECRET = 'TOP-SECRET-KEY-MATERIAL';

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'arx-assets-'));
  root = join(base, 'root');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(base, 'secret.txt'), SECRET);
  writeFileSync(
    join(root, 'index.html'),
    '<!doctype html>\n<html>\n  <head>\n    <title>ARX Console</title>\n  </head>\n  <body></body>\n</html>\n',
  );
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log("arx");');
  writeFileSync(join(root, 'assets', 'style.css'), 'body{}');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(base, join(root, 'dir-out'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const TRAVERSALS = [
  '/../secret.txt',
  '/../../etc/passwd',
  '/../../../../../../etc/passwd',
  '/assets/../../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E/%2e%2e/etc/passwd',
  '/assets/%2e%2e/%2e%2e/secret.txt',
  '/..%2fsecret.txt',
  '/..%2Fsecret.txt',
  '/%2e%2e%2fsecret.txt',
  '/..%5csecret.txt',
  '/index.html%00.js',
  '/index.html\0',
  '/%00',
  '/link-out',
  '/dir-out/secret.txt',
  '/dir-out/',
  '/dir-out/root/../secret.txt',
  '/assets',
  '/assets/',
  '/missing.js',
  '/%',
  '/%zz',
  '/%c0%ae%c0%ae/secret.txt',
  '//etc/passwd',
  '/etc/passwd',
];

describe('serveRendererAsset', () => {
  it.each(TRAVERSALS)('answers %j with 404 and no file content', (path) => {
    const res = serveRendererAsset(root, path);
    expect(res.status).toBe(404);
    expect(res.body.toString()).not.toContain(SECRET);
    expect(res.body.toString()).not.toContain('root:');
  });

  it('serves index.html for / with a CSP header and a nonce meta that matches it', () => {
    const res = serveRendererAsset(root, '/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = res.headers['content-security-policy'];
    expect(csp).toMatch(/^default-src 'none'/);
    const headerNonce = /'nonce-([^']+)'/.exec(csp!)?.[1];
    const metaNonce = /<meta name="arx-style-nonce" content="([^"]+)" \/>/.exec(res.body.toString())?.[1];
    expect(headerNonce).toBeTruthy();
    expect(metaNonce).toBe(headerNonce);
  });

  it('follows a symlink that stays inside the root (same file as /index.html)', () => {
    expect(serveRendererAsset(root, '/dir-out/root/index.html').status).toBe(200);
  });

  it('uses a fresh nonce for every response', () => {
    const a = serveRendererAsset(root, '/index.html').headers['content-security-policy'];
    const b = serveRendererAsset(root, '/index.html').headers['content-security-policy'];
    expect(a).not.toBe(b);
  });

  it('serves scripts with their type, nosniff and no-store, and without a CSP of their own', () => {
    const res = serveRendererAsset(root, '/assets/app.js?v=1#x');
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('console.log("arx");');
    expect(res.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    expect(res.headers['content-security-policy']).toBeUndefined();
  });
});

describe('app:// protocol handler', () => {
  it('serves app://arx/ paths from the renderer', () => {
    const res = appProtocolResponse(root, 'GET', 'app://arx/assets/style.css');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(appProtocolResponse(root, 'GET', 'app://arx/').headers['content-security-policy']).toMatch(
      /^default-src 'none'/,
    );
  });

  it.each([
    'app://evil/index.html',
    'app://arx.evil/index.html',
    'app://x@arx/index.html',
    'app://arx:1/index.html',
    'https://arx/index.html',
  ])('answers another origin %j with 404', (url) => {
    expect(appProtocolResponse(root, 'GET', url).status).toBe(404);
  });

  it.each(TRAVERSALS.filter((p) => p.startsWith('/') && !p.startsWith('//')))(
    'keeps app://arx%s inside the renderer',
    (path) => {
      const res = appProtocolResponse(root, 'GET', `app://arx${path}`);
      expect(res.status).toBe(404);
      expect(res.body.toString()).not.toContain(SECRET);
    },
  );

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'])('refuses %s with 405', (method) => {
    expect(appProtocolResponse(root, method, 'app://arx/index.html').status).toBe(405);
  });

  it('answers 500 without a path when the renderer was never built', () => {
    const res = appProtocolResponse(join(base, 'not-built'), 'GET', 'app://arx/');
    expect(res.status).toBe(500);
    expect(res.body.toString()).not.toContain(base);
  });

  it('turns the answer into a fetch Response with status, headers and body (none for HEAD)', async () => {
    const get = toFetchResponse(appProtocolResponse(root, 'GET', 'app://arx/assets/app.js'), 'GET');
    expect(get.status).toBe(200);
    expect(get.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await get.text()).toBe('console.log("arx");');
    const head = toFetchResponse(appProtocolResponse(root, 'HEAD', 'app://arx/assets/app.js'), 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const missing = toFetchResponse(appProtocolResponse(root, 'GET', 'app://arx/nope'), 'GET');
    expect(missing.status).toBe(404);
  });
});
