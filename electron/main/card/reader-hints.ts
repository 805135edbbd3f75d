/**
 * What to tell the user when the card stack is not there: a PKCS#11 module that cannot be loaded
 * (which Debian package provides it), or no reader at all because the PC/SC daemon is not running.
 */
import { existsSync } from 'node:fs';

/** pcsc-lite's client socket; PCSCLITE_CSOCK_NAME moves it (pcsc-lite's own override). */
export function pcscSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PCSCLITE_CSOCK_NAME || '/run/pcscd/pcscd.comm';
}

const PACKAGES: readonly { match: RegExp; pkg: string }[] = [
  { match: /opensc-pkcs11\.so$/, pkg: 'opensc' },
  { match: /libsofthsm2\.so$/, pkg: 'softhsm2' },
];

/** " Install the Debian package X." for a module path we know, else a pointer to the vendor. */
export function modulePackageHint(path: string): string {
  const known = PACKAGES.find((p) => p.match.test(path));
  if (known)
    return ` Install the Debian package ${known.pkg} (apt-get install ${known.pkg}), or set card.module / ARX_PKCS11_MODULE.`;
  return " Check card.module / ARX_PKCS11_MODULE: it must name the card middleware's PKCS#11 library.";
}

/** Why no reader is listed, with a stable code: pcscd not running, or simply no reader connected. */
export function noReader(socketExists: (path: string) => boolean = existsSync): {
  code: 'PCSCD_NOT_RUNNING' | 'NO_READER';
  detail: string;
} {
  const socket = pcscSocketPath();
  if (!socketExists(socket))
    return {
      code: 'PCSCD_NOT_RUNNING',
      detail: `The smart-card service pcscd is not running (no ${socket}). Start it (systemctl start pcscd.socket) or install the Debian package pcscd.`,
    };
  return { code: 'NO_READER', detail: 'The smart-card service pcscd is running and reports no reader.' };
}

export function noReaderDetail(socketExists: (path: string) => boolean = existsSync): string {
  return noReader(socketExists).detail;
}
