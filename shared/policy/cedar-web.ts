import initCedarWeb, * as cedarWeb from '@cedar-policy/cedar-wasm/web';
import type { CedarBindings } from './cedar';

/**
 * Loads the web build of Cedar. With no argument it fetches the .wasm that Vite emits next to the
 * bundle (the build turns `new URL('cedar_wasm_bg.wasm', import.meta.url)` into a local asset, so
 * nothing leaves the machine). A renderer under our CSP needs `'wasm-unsafe-eval'` in script-src to
 * compile WebAssembly and `connect-src 'self'` to fetch it; passing the bytes (e.g. from main) avoids
 * the fetch, not the compile. Repeated calls return the same instance.
 */
export async function loadCedarWeb(source?: BufferSource | WebAssembly.Module): Promise<CedarBindings> {
  await (source === undefined ? initCedarWeb() : initCedarWeb({ module_or_path: source }));
  return cedarWeb;
}

/** Synchronous variant for callers that already hold the bytes or a compiled module (e.g. a worker). */
export function loadCedarWebSync(source: BufferSource | WebAssembly.Module): CedarBindings {
  cedarWeb.initSync({ module: source });
  return cedarWeb;
}
