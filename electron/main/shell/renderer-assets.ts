import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from './csp';

/** The origin the renderer is served from in Electron (a privileged custom scheme, not file://). */
export const ELECTRON_ORIGIN = 'app://arx';
/**
 * The origin the renderer is served from in Chromium. `.invalid` never resolves (RFC 6761 §6.4):
 * every request to it is answered by the bridge's interception, so nothing leaves the machine.
 */
export const BRIDGE_ORIGIN = 'https://console.arx.invalid';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

export interface AssetResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const STYLE_NONCE_META = '<meta name="arx-style-nonce" content="__ARX_STYLE_NONCE__" />';

/**
 * Serves the built renderer from `root` for a request path. Shared by the Electron protocol
 * handler and the Chromium bridge so that both deliver the same bytes with the same headers.
 * Paths are resolved inside `root` (no traversal, no symlinks out); unknown paths get 404.
 */
export function serveRendererAsset(root: string, urlPath: string): AssetResponse {
  const base = realpathSync(root);
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '/');
  } catch {
    return notFound();
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  if (rel.includes('\0')) return notFound();
  const file = resolve(base, '.' + rel);
  if (file !== base && !file.startsWith(base + sep)) return notFound();
  let real: string;
  try {
    real = realpathSync(file);
    if (!real.startsWith(base + sep) || !statSync(real).isFile()) return notFound();
  } catch {
    return notFound();
  }
  const type = TYPES[extname(real)] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  };
  let body = readFileSync(real);
  if (extname(real) === '.html') {
    const nonce = randomBytes(16).toString('base64');
    headers['content-security-policy'] = contentSecurityPolicy(nonce);
    body = Buffer.from(
      body.toString('utf8').replace('<head>', `<head>\n    ${STYLE_NONCE_META.replace('__ARX_STYLE_NONCE__', nonce)}`),
      'utf8',
    );
  }
  return { status: 200, headers, body };
}

function notFound(): AssetResponse {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('Not found') };
}

/** Where the built renderer lives relative to the bundled main/CLI files (dist/electron → dist/renderer). */
export function rendererDistDir(fromDir: string): string {
  return join(fromDir, '..', 'renderer');
}
