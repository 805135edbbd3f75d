import { describe, expect, it } from 'vitest';
import { checkConnectionSecurity, isLoopbackHost } from '../../../electron/main/controlplane/connection-policy';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('control-plane connection policy', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', '::1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['db.example.mil', '10.0.0.5', '127.0.0.1.evil.example', 'localhost.example', '0.0.0.0'])
      expect(isLoopbackHost(h)).toBe(false);
  });

  it('allows plaintext to a loopback server only', () => {
    expect(code(() => checkConnectionSecurity('postgres://u:p@127.0.0.1:5432/arx', null))).toBe('accepted');
    expect(code(() => checkConnectionSecurity('postgres://u:p@localhost/arx', null))).toBe('accepted');
  });

  it('refuses plaintext or unverified TLS to any other host', () => {
    for (const mode of ['', '?sslmode=disable', '?sslmode=require', '?sslmode=verify-ca', '?sslmode=prefer']) {
      expect(code(() => checkConnectionSecurity(`postgres://u:p@db.example.mil/arx${mode}`, '/etc/ca.pem'))).toBe(
        'DB_TLS_REQUIRED',
      );
    }
    expect(code(() => checkConnectionSecurity('postgres://u:p@10.1.2.3/arx?sslmode=disable', null))).toBe(
      'DB_TLS_REQUIRED',
    );
  });

  it('requires a CA file with verify-full', () => {
    expect(code(() => checkConnectionSecurity('postgres://u:p@db.example.mil/arx?sslmode=verify-full', null))).toBe(
      'DB_TLS_REQUIRED',
    );
    const t = checkConnectionSecurity(
      'postgres://console@db.example.mil:6432/control?sslmode=verify-full',
      '/etc/arx/ca.pem',
    );
    expect(t).toEqual({ host: 'db.example.mil', port: 6432, database: 'control', user: 'console', verifyFull: true });
  });

  it('refuses what is not a postgres URL, with a clear code', () => {
    expect(code(() => checkConnectionSecurity('not a url', null))).toBe('CONFIG_INVALID');
    expect(code(() => checkConnectionSecurity('mysql://db/arx', null))).toBe('CONFIG_INVALID');
  });
});
