import { ELECTRON_ORIGIN, serveRendererAsset, type AssetResponse } from './renderer-assets';
import { isAllowedNavigation } from './window-policy';

/**
 * The body of Electron's `protocol.handle('app', …)`, kept free of Electron so that it is tested
 * under plain Node: only GET/HEAD on `app://arx/…` is answered, from the built renderer only.
 * Another host on the same scheme (`app://evil/`) gets a 404, like a missing file.
 */
export function appProtocolResponse(rendererDir: string, method: string, url: string): AssetResponse {
  if (method !== 'GET' && method !== 'HEAD') {
    return plain(405, 'Method not allowed', { allow: 'GET, HEAD' });
  }
  if (!isAllowedNavigation(url)) {
    return plain(404, 'Not found');
  }
  try {
    // The raw path, not URL.pathname: serveRendererAsset does its own decoding and containment,
    // and must see `%2e%2e` and `%00` as the request spelled them.
    return serveRendererAsset(rendererDir, url.slice(ELECTRON_ORIGIN.length));
  } catch {
    // The renderer folder itself is missing or unreadable (an incomplete build).
    return plain(500, 'The console could not load its user interface.');
  }
}

function plain(status: number, text: string, headers: Record<string, string> = {}): AssetResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: Buffer.from(text) };
}

/** A fetch `Response` for Electron's protocol handler (Node's global Response, no Electron needed). */
export function toFetchResponse(res: AssetResponse, method: string): Response {
  const body = method === 'HEAD' ? null : new Uint8Array(res.body);
  return new Response(body, { status: res.status, headers: res.headers });
}
