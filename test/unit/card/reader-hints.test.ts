import { describe, expect, it } from 'vitest';
import { modulePackageHint, noReader, noReaderDetail, pcscSocketPath } from '../../../electron/main/card/reader-hints';

describe('reader hints', () => {
  it('names the Debian package of a module it knows, and the setting otherwise', () => {
    expect(modulePackageHint('/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so')).toContain('Debian package opensc');
    expect(modulePackageHint('/usr/lib/softhsm/libsofthsm2.so')).toContain('Debian package softhsm2');
    expect(modulePackageHint('/opt/vendor/lib/libcackey.so')).toContain('ARX_PKCS11_MODULE');
  });

  it('says pcscd is not running when its socket is absent, and names the socket', () => {
    const seen: string[] = [];
    const detail = noReaderDetail((p) => (seen.push(p), false));
    expect(seen).toEqual([pcscSocketPath()]);
    expect(detail).toContain('pcscd is not running');
    expect(detail).toContain(pcscSocketPath());
    expect(detail).toContain('Debian package pcscd');
    expect(noReaderDetail(() => true)).toContain('pcscd is running and reports no reader');
    expect(noReader(() => false).code).toBe('PCSCD_NOT_RUNNING');
    expect(noReader(() => true).code).toBe('NO_READER');
  });

  it("follows pcsc-lite's PCSCLITE_CSOCK_NAME", () => {
    expect(pcscSocketPath({ PCSCLITE_CSOCK_NAME: '/tmp/x.comm' })).toBe('/tmp/x.comm');
    expect(pcscSocketPath({})).toBe('/run/pcscd/pcscd.comm');
  });
});
