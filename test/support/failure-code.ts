import { ArxFailure } from '../../shared/contract';

/** The stable error code `f` fails with ('NO_ERROR' when it does not); anything that is not an ArxFailure is rethrown. */
export function failureCode(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (err instanceof ArxFailure) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}

/** The same for a promise or an async function. */
export async function asyncFailureCode(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof ArxFailure) return err.code;
    throw err;
  }
  return 'NO_ERROR';
}
