/**
 * The renderer's Content-Security-Policy, starting from `default-src 'none'` (DESIGN.md, "Security
 * invariants"). Mantine writes its CSS variables into a <style> element, which is allowed by a
 * per-response nonce; inline style *attributes* (used for layout values) are allowed through
 * style-src-attr only. Nothing may connect anywhere: the renderer talks to main through window.arx.
 */
export function contentSecurityPolicy(styleNonce: string): string {
  if (!/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(styleNonce))
    throw new Error('style nonce must be base64 of at least 12 bytes');
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${styleNonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'none'",
    "worker-src 'self'",
    "manifest-src 'none'",
    "media-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "child-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}
