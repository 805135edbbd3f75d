/**
 * The per-response nonce that main writes into index.html (electron/main/shell/renderer-assets.ts).
 * The CSP admits <style> elements only with this nonce; Mantine adds it to the ones it creates.
 */
export function readStyleNonce(doc: Document = document): string {
  const meta = doc.querySelector<HTMLMetaElement>('meta[name="arx-style-nonce"]');
  return meta?.content ?? '';
}
