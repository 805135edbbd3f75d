import type { ArxApi, ArxError, EventName, EventPayload, Result } from '../../../shared/contract';

/**
 * The renderer's only way out of its sandbox. `window.arx` is put there by the Electron preload or
 * by the Chromium bridge; both are derived from shared/contract, so its type is `ArxApi`.
 */
declare global {
  interface Window {
    readonly arx?: ArxApi;
  }
}

/** Errors that arise on this side of the boundary; main's codes are in shared/contract/errors.ts. */
export const BRIDGE_MISSING = 'BRIDGE_MISSING';
export const BRIDGE_FAILED = 'BRIDGE_FAILED';

function bridge(): ArxApi | null {
  return typeof window.arx === 'object' && window.arx !== null ? window.arx : null;
}

/**
 * Calls one command and always resolves to an envelope, even when the bridge is absent or the
 * transport itself throws: the UI renders errors, it never crashes on them.
 */
export async function callArx<T>(invoke: (arx: ArxApi) => Promise<Result<T>>): Promise<Result<T>> {
  const arx = bridge();
  if (!arx) {
    return {
      ok: false,
      error: {
        code: BRIDGE_MISSING,
        message: 'The console bridge (window.arx) is not available. Open ARX Console through its launcher.',
      },
    };
  }
  try {
    const result = await invoke(arx);
    if (typeof result === 'object' && result !== null && typeof result.ok === 'boolean') return result;
    return { ok: false, error: { code: BRIDGE_FAILED, message: 'The console bridge returned a malformed answer.' } };
  } catch (err) {
    return {
      ok: false,
      error: {
        code: BRIDGE_FAILED,
        message: `The console bridge failed: ${err instanceof Error ? err.message : String(err)}`,
      },
    };
  }
}

/** Subscribes to a contract event; a missing bridge means no events, not an exception. */
export function subscribeArx<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  const arx = bridge();
  if (!arx) return () => {};
  try {
    return arx.subscribe(event, listener);
  } catch {
    return () => {};
  }
}

export type { ArxError, Result };
